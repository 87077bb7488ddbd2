import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { AgentContainerName } from "../src/constants.js";

/**
 * The deployed entry: package.json's "main", dist/function.mjs, one ES module that rolldown
 * bundles from tsc's dist/index.js (`npm test` builds before vitest runs). Each case imports it in
 * a fresh node process, from another working directory, as the framework would, and asks the
 * framework's own registry for the function.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main: string };
const bundle = join(root, pkg.main);
const testing = createRequire(join(root, "package.json")).resolve(
  "@google-cloud/functions-framework/testing",
);
const TOKEN = "bundle-test-token";

// biome-ignore lint/suspicious/noExplicitAny: parsed Kubernetes JSON, read field by field
type Json = Record<string, any>;

/** What the child prints on its last line: the HTTP answer to the typical review. */
const CHILD = `
const { getTestServer } = await import(${JSON.stringify(pathToFileURL(testing).href)});
await import(process.env.BUNDLE_URL);
const server = getTestServer("mutatePods");
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const response = await fetch("http://127.0.0.1:" + server.address().port + "/", {
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer ${TOKEN}" },
  body: process.env.REVIEW,
});
const body = await response.json();
server.close();
process.stdout.write("\\nRESULT " + JSON.stringify({ status: response.status, body }) + "\\n");
`;

function runBundle(extraEnv: NodeJS.ProcessEnv = {}): { status: number; body: Json } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WEBHOOK_TOKENS: TOKEN,
    BUNDLE_URL: pathToFileURL(bundle).href,
    REVIEW: readFileSync(join(root, "examples", "predictor-raw.review.json"), "utf8"),
    ...extraEnv,
  };
  delete env.WEBHOOK_ALLOW_UNAUTHENTICATED;
  if (!("INFERENCESERVICE_CONFIG" in extraEnv)) delete env.INFERENCESERVICE_CONFIG;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", CHILD], {
    // Not the package's directory: the bundled config is found from the bundle, not the cwd.
    cwd: tmpdir(),
    env,
    encoding: "utf8",
  });
  const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (child.status !== 0 || !line)
    throw new Error(`the bundle failed (${child.status}):\n${child.stderr.slice(-2000)}`);
  return JSON.parse(line.slice("RESULT ".length));
}

function agentOf(body: Json): Json {
  const operations = JSON.parse(Buffer.from(body.response.patch, "base64").toString("utf8")) as Json[];
  const added = operations.find((op) => op.op === "add" && op.value?.name === AgentContainerName);
  if (!added) throw new Error(`no agent container in the patch: ${JSON.stringify(operations)}`);
  return added.value;
}

describe("the bundled entry, dist/function.mjs", () => {
  it("is package.json's main, what the framework, npm start and gcloud serve", () => {
    expect(pkg.main).toBe("dist/function.mjs");
    // The framework stays outside, imported: the function registers in the framework's own
    // registry. zod, yaml and our code are inside (the source map lists every bundled file).
    expect(readFileSync(bundle, "utf8")).toMatch(/from\s*["']@google-cloud\/functions-framework["']/);
    const { sources } = JSON.parse(readFileSync(`${bundle}.map`, "utf8")) as { sources: string[] };
    expect(sources.filter((s) => s.includes("functions-framework"))).toEqual([]);
    for (const part of ["node_modules/zod/", "node_modules/yaml/", "src/index.ts", "src/config/load.ts"]) {
      expect(sources.some((s) => s.includes(part))).toBe(true);
    }
  });

  it("registers mutatePods in the framework's registry and reads the bundled config", () => {
    const data = (
      parseYaml(readFileSync(join(root, "config", "inferenceservice-config.yaml"), "utf8")) as Json
    ).data;
    const agentConfig = JSON.parse(data.agent) as Json;
    const { status, body } = runBundle();
    expect(status).toBe(200);
    expect(body.response.allowed).toBe(true);
    const agent = agentOf(body);
    expect(agent.image).toBe(agentConfig.image);
    expect(agent.resources).toEqual({
      requests: { cpu: agentConfig.cpuRequest, memory: agentConfig.memoryRequest },
      limits: { cpu: agentConfig.cpuLimit, memory: agentConfig.memoryLimit },
    });
  });

  it("reads INFERENCESERVICE_CONFIG instead when it is set", () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-config-"));
    const path = join(dir, "config.yaml");
    const text = readFileSync(join(root, "config", "inferenceservice-config.yaml"), "utf8");
    writeFileSync(path, text.replaceAll("kserve/agent:v0.15.0", "example.com/agent:test"));
    const { status, body } = runBundle({ INFERENCESERVICE_CONFIG: path });
    expect(status).toBe(200);
    expect(agentOf(body).image).toBe("example.com/agent:test");
  });
});
