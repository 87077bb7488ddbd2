#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseAllDocuments, stringify as toYaml } from "yaml";
import { admitPod } from "./admission/admit.js";
import { review } from "./admission/review.js";
import { BUNDLED_CONFIG_PATH, ConfigError, loadInjectorConfig } from "./config/load.js";

/**
 * The command line, on the same code path as the HTTP function:
 *   review [--config FILE] < review.json        the AdmissionReview answer the function sends
 *   inject -f FILE|- [--config FILE] [-o yaml|json|patch]   the mutated pod, or the patch
 * Exit codes: 0 done; 1 bad input or usage; 2 the pod was refused (allowed: false).
 */

const USAGE = `Usage:
  kserve-agent-webhook review [--config FILE] < review.json
  kserve-agent-webhook inject -f FILE|- [--config FILE] [-o yaml|json|patch]

Exit codes: 0 done, 1 bad input or usage, 2 the pod was refused.`;

class UsageError extends Error {}

function readInput(file: string): string {
  return readFileSync(file === "-" ? 0 : file, "utf8");
}

function runReview(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" } } });
  const config = loadInjectorConfig(values.config ?? BUNDLED_CONFIG_PATH);
  let body: unknown;
  try {
    body = JSON.parse(readInput("-"));
  } catch (error) {
    console.log(JSON.stringify({ error: `body: not JSON (${(error as Error).message})` }));
    return 1;
  }
  const result = review(body, config);
  console.log(JSON.stringify(result.body, null, 2));
  return result.status === 200 ? 0 : 1;
}

function runInject(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: "string", short: "f" },
      config: { type: "string" },
      output: { type: "string", short: "o", default: "yaml" },
    },
  });
  if (!values.file) throw new UsageError("inject needs -f FILE (or -f - for standard input)");
  const output = values.output;
  if (output !== "yaml" && output !== "json" && output !== "patch") {
    throw new UsageError(`-o must be yaml, json or patch, not ${JSON.stringify(output)}`);
  }
  const config = loadInjectorConfig(values.config ?? BUNDLED_CONFIG_PATH);
  const docs = parseAllDocuments(readInput(values.file));
  const results: unknown[] = [];
  let code = 0;
  for (const [index, doc] of docs.entries()) {
    if (doc.errors.length > 0) {
      console.error(`document ${index + 1}: ${doc.errors[0]?.message}`);
      return 1;
    }
    const pod = doc.toJS() as unknown;
    if (pod === null || typeof pod !== "object" || Array.isArray(pod)) {
      console.error(`document ${index + 1}: expected a Pod object`);
      return 1;
    }
    const record = pod as Record<string, unknown>;
    const namespace = (record.metadata as { namespace?: string } | undefined)?.namespace;
    const decision = admitPod(record, config, namespace, [`document ${index + 1}`]);
    switch (decision.decision) {
      case "invalid":
        console.error(decision.error);
        return 1;
      case "deny":
        console.error(`refused: ${decision.reason}`);
        code = 2;
        break;
      case "skip":
        console.error(`unchanged: ${decision.reason}`);
        results.push(output === "patch" ? [] : record);
        break;
      case "patch":
        results.push(output === "patch" ? decision.patch : decision.pod);
    }
  }
  if (output === "yaml") {
    process.stdout.write(results.map((r) => toYaml(r)).join("---\n"));
  } else {
    const single = results.length === 1 ? results[0] : results;
    process.stdout.write(`${JSON.stringify(single, null, 2)}\n`);
  }
  return code;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    if (command === "review") return runReview(rest);
    if (command === "inject") return runInject(rest);
    if (command === "--help" || command === "-h" || command === "help") {
      console.log(USAGE);
      return 0;
    }
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : "no command");
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || isParseArgsError(error)) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      console.error((error as Error).message);
      return 1;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  return (
    typeof (error as { code?: unknown })?.code === "string" &&
    String((error as { code: string }).code).startsWith("ERR_PARSE_ARGS")
  );
}

process.exitCode = main(process.argv.slice(2));
