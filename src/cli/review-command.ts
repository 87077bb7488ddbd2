import { parseArgs } from "node:util";
import { review } from "../admission/review.js";
import { BUNDLED_CONFIG_PATH, loadInjectorConfig } from "../config/load.js";
import type { CliIo } from "./io.js";
import { REVIEW_USAGE } from "./usage.js";

/** `review`: the AdmissionReview answer the function sends for the one on standard input. */
export function runReview(argv: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.out(`${REVIEW_USAGE}\n`);
    return 0;
  }
  const config = loadInjectorConfig(values.config ?? BUNDLED_CONFIG_PATH);
  let body: unknown;
  try {
    body = JSON.parse(io.read("-"));
  } catch (error) {
    io.out(`${JSON.stringify({ error: `body: not JSON (${(error as Error).message})` })}\n`);
    return 1;
  }
  const result = review(body, config);
  io.out(`${JSON.stringify(result.body, null, 2)}\n`);
  return result.status === 200 ? 0 : 1;
}
