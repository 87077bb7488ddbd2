#!/usr/bin/env node
// `npm run deploy` (which builds first): deploys the function with the flags function.yaml gives.
//   npm run deploy -- --dry-run           print the gcloud command, run nothing
//   npm run deploy -- --file other.yaml   another descriptor
// Exit codes: 0 deployed (or printed, with --dry-run); 1 bad function.yaml, configuration or
// usage; 127 gcloud is not on the PATH (the command is printed); else gcloud's own exit code.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));

const USAGE = `Usage: npm run deploy [-- --dry-run] [-- --file FUNCTION_YAML]

Builds, checks function.yaml and the injector configuration it names, then runs
gcloud functions deploy with the flags function.yaml gives (see docs/deploy.md).

  --dry-run    print the gcloud command and run nothing
  --file FILE  the deploy descriptor (default: function.yaml at the project's top)

Exit codes: 0 deployed (or printed); 1 bad function.yaml, configuration or usage;
127 gcloud is not on the PATH; otherwise gcloud's exit code.`;

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      "dry-run": { type: "boolean", default: false },
      file: { type: "string", short: "f", default: resolve(root, "function.yaml") },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  fail(`${error.message}\n\n${USAGE}`);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

// The renderer is the compiled TypeScript: `npm run deploy` builds before this runs.
const dist = (path) => pathToFileURL(resolve(root, "dist", path)).href;
let spec, gcloud, load;
try {
  spec = await import(dist("deploy/function-spec.js"));
  gcloud = await import(dist("deploy/gcloud.js"));
  load = await import(dist("config/load.js"));
} catch (error) {
  fail(`cannot load the compiled code in dist/ (${error.message}): run npm run build first`);
}

let functionSpec;
try {
  functionSpec = spec.loadFunctionSpec(values.file);
} catch (error) {
  if (error instanceof spec.FunctionSpecError) fail(error.message);
  throw error;
}

const engines = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")).engines?.node;
if (engines && spec.runtimeSatisfiesEngines(functionSpec.runtime, engines) === false) {
  fail(
    `${values.file}: runtime ${functionSpec.runtime} does not satisfy engines.node "${engines}" in package.json`,
  );
}

// The function would refuse to start on a bad configuration; find out now, not after the upload.
const configPath = functionSpec.env.INFERENCESERVICE_CONFIG;
if (configPath && !isAbsolute(configPath)) {
  try {
    load.loadInjectorConfig(resolve(root, configPath));
  } catch (error) {
    if (error instanceof load.ConfigError) fail(`env.INFERENCESERVICE_CONFIG: ${error.message}`);
    throw error;
  }
}

if (functionSpec.authentication === "none") {
  console.error(
    "warning: authentication: none: the function will answer anyone who has its URL (docs/deploy.md, managed clusters)",
  );
}

const args = gcloud.gcloudDeployArgs(functionSpec);
console.log(gcloud.formatCommand("gcloud", args));
if (values["dry-run"]) {
  console.error("dry run: nothing was run");
  process.exit(0);
}

const result = spawnSync("gcloud", args, { cwd: root, stdio: "inherit" });
if (result.error?.code === "ENOENT") {
  fail(
    "gcloud is not on the PATH: install the Google Cloud CLI, or run the command above where it is (from this directory)",
    127,
  );
}
if (result.error) fail(`cannot run gcloud: ${result.error.message}`);
process.exit(result.status ?? 1);
