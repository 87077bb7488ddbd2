import { http } from "@google-cloud/functions-framework";
import { loadServerSettings } from "./config/env.js";
import { loadConfigFromEnv } from "./config/load.js";
import { createHandler } from "./http/handler.js";
import { stdoutLog } from "./log.js";

// Express (inside the framework) prints stack traces on its own error pages unless it runs in
// production mode; a body that is not JSON never reaches our handler, so set it before the
// framework builds its app.
process.env.NODE_ENV ??= "production";

// Everything per-process happens here, once, at cold start: a bad config stops the function.
const config = loadConfigFromEnv();
const settings = loadServerSettings();
if (settings.allowUnauthenticated) {
  stdoutLog({
    severity: "WARNING",
    message: "WEBHOOK_ALLOW_UNAUTHENTICATED=true: every caller is accepted; for local use only",
  });
}

/** The HTTP function: `functions-framework --target=mutatePods`. */
export const mutatePods = createHandler({ config, settings, log: stdoutLog });
http("mutatePods", mutatePods as Parameters<typeof http>[1]);
