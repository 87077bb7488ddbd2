import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { DEFAULT_MAX_REQUEST_BYTES, loadServerSettings } from "../src/config/env.js";
import { loadInjectorConfig } from "../src/config/load.js";
import {
  type FunctionSpec,
  FunctionSpecError,
  loadFunctionSpec,
  parseFunctionSpec,
  runtimeSatisfiesEngines,
} from "../src/deploy/function-spec.js";
import { envVarsFlag, formatCommand, gcloudDeployArgs, shellQuote } from "../src/deploy/gcloud.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const FUNCTION_YAML = join(root, "function.yaml");
const DEPLOY_SCRIPT = join(root, "scripts", "deploy.mjs");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

const scratch = mkdtempSync(join(tmpdir(), "deploy-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `--name=value` flags as a map, bare flags as `true`; positional words kept apart. */
function flagsOf(args: readonly string[]): { words: string[]; flags: Map<string, string | true> } {
  const words: string[] = [];
  const flags = new Map<string, string | true>();
  for (const arg of args) {
    if (!arg.startsWith("--")) {
      words.push(arg);
      continue;
    }
    const at = arg.indexOf("=");
    const name = at === -1 ? arg : arg.slice(0, at);
    expect(flags.has(name), `${name} given twice`).toBe(false);
    flags.set(name, at === -1 ? true : arg.slice(at + 1));
  }
  return { words, flags };
}

const minimal = {
  name: "agent-webhook",
  region: "us-central1",
  runtime: "nodejs20",
  entryPoint: "mutatePods",
  memory: "256Mi",
  timeout: "10s",
  secrets: { WEBHOOK_TOKENS: { secret: "tokens", version: 3 } },
};

describe("function.yaml -> gcloud functions deploy", () => {
  const spec = loadFunctionSpec(FUNCTION_YAML);
  const args = gcloudDeployArgs(spec);
  const { words, flags } = flagsOf(args);

  it("deploys the named function with exactly the expected flags", () => {
    expect(words).toEqual(["functions", "deploy", "kserve-agent-webhook"]);
    expect(Object.fromEntries(flags)).toEqual({
      "--gen2": true,
      "--trigger-http": true,
      // The function checks the API server's bearer token itself; IAM cannot.
      "--allow-unauthenticated": true,
      "--entry-point": "mutatePods",
      "--runtime": "nodejs20",
      "--region": "europe-west1",
      "--source": ".",
      "--memory": "512Mi",
      "--cpu": "1",
      "--concurrency": "80",
      "--timeout": "10s",
      "--min-instances": "1",
      "--max-instances": "10",
      "--set-env-vars": `INFERENCESERVICE_CONFIG=config/inferenceservice-config.yaml,MAX_REQUEST_BYTES=${DEFAULT_MAX_REQUEST_BYTES}`,
      "--set-secrets": "WEBHOOK_TOKENS=kserve-agent-webhook-tokens:latest",
    });
  });

  it("uses a runtime that satisfies package.json engines", () => {
    expect(runtimeSatisfiesEngines(spec.runtime, pkg.engines.node)).toBe(true);
  });

  it("keeps at least one instance warm, and a timeout no longer than the webhook waits", () => {
    expect(spec.minInstances).toBeGreaterThanOrEqual(1);
    expect(Number.parseInt(spec.timeout, 10)).toBeLessThanOrEqual(10);
  });

  it("sets an environment the function starts with", () => {
    // What the function reads at cold start, with the secret's value standing in for Secret Manager.
    const env = { ...spec.env, WEBHOOK_TOKENS: "a-token,another-token" };
    expect(loadServerSettings(env).maxRequestBytes).toBe(DEFAULT_MAX_REQUEST_BYTES);
    expect(loadServerSettings(env).allowUnauthenticated).toBe(false);
    const configPath = spec.env.INFERENCESERVICE_CONFIG;
    expect(configPath).toBeDefined();
    expect(() => loadInjectorConfig(resolve(root, configPath ?? ""))).not.toThrow();
  });

  it("never uploads what Cloud Functions builds itself, and keeps the config", () => {
    const ignored = readFileSync(join(root, ".gcloudignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining(["node_modules/", "dist/", ".git"]));
    expect(ignored).not.toContain("config/");
    expect(pkg.scripts["gcp-build"]).toMatch(/build/);
  });

  it("builds before deploying", () => {
    expect(pkg.scripts.deploy).toBe("npm run build && node scripts/deploy.mjs");
  });

  it("defaults to one warm instance and clears env vars that function.yaml no longer has", () => {
    const parsed = parseFunctionSpec(toYaml(minimal));
    expect(parsed.minInstances).toBe(1);
    expect(parsed.maxInstances).toBe(10);
    const { flags: minimalFlags } = flagsOf(gcloudDeployArgs(parsed));
    expect(minimalFlags.get("--min-instances")).toBe("1");
    expect(minimalFlags.get("--clear-env-vars")).toBe(true);
    expect(minimalFlags.has("--set-env-vars")).toBe(false);
    expect(minimalFlags.has("--cpu")).toBe(false);
    expect(minimalFlags.get("--set-secrets")).toBe("WEBHOOK_TOKENS=tokens:3");
  });

  it("authentication: none switches the token check off, out loud, and drops the secret", () => {
    const { secrets: _secrets, ...withoutSecrets } = minimal;
    const parsed = parseFunctionSpec(toYaml({ ...withoutSecrets, authentication: "none" }));
    const { flags: open } = flagsOf(gcloudDeployArgs(parsed));
    expect(open.get("--set-env-vars")).toBe("WEBHOOK_ALLOW_UNAUTHENTICATED=true");
    expect(open.get("--clear-secrets")).toBe(true);
    expect(open.has("--set-secrets")).toBe(false);
    expect(loadServerSettings({ WEBHOOK_ALLOW_UNAUTHENTICATED: "true" }).allowUnauthenticated).toBe(true);
    expect(() => parseFunctionSpec(toYaml({ ...minimal, authentication: "none" }))).toThrow(
      /secrets: authentication: none checks no token/,
    );
  });

  it("adds project and service account when given", () => {
    const parsed = parseFunctionSpec(
      toYaml({ ...minimal, project: "my-project", serviceAccount: "fn@my-project.iam.gserviceaccount.com" }),
    );
    const { flags: more } = flagsOf(gcloudDeployArgs(parsed));
    expect(more.get("--project")).toBe("my-project");
    expect(more.get("--service-account")).toBe("fn@my-project.iam.gserviceaccount.com");
  });
});

describe("bad function.yaml: one error naming every bad field", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing region", { region: undefined }, /^ {2}region: /m],
    ["unsupported runtime", { runtime: "nodejs18" }, /runtime: expected one of nodejs20, nodejs22/],
    ["misspelled key", { regoin: "x" }, /regoin/],
    ["other entry point", { entryPoint: "main" }, /entryPoint: expected "mutatePods"/],
    ["bad name", { name: "Agent_Webhook" }, /name: lowercase letters/],
    ["bad memory", { memory: "lots" }, /memory: expected a size/],
    ["timeout without unit", { timeout: 10 }, /timeout: /],
    ["timeout too long", { timeout: "4000s" }, /timeout: at most 3600s/],
    [
      "concurrency on a fraction of a CPU",
      { concurrency: 80, cpu: 0.5 },
      /concurrency: more than 1 needs cpu/,
    ],
    ["fewer max than min instances", { minInstances: 3, maxInstances: 2 }, /maxInstances: must not be below/],
    [
      "token as a plain variable",
      { env: { WEBHOOK_TOKENS: "t" } },
      /env\.WEBHOOK_TOKENS: not allowed: .*Secret Manager/,
    ],
    [
      "auth switched off",
      { env: { WEBHOOK_ALLOW_UNAUTHENTICATED: "true" } },
      /env\.WEBHOOK_ALLOW_UNAUTHENTICATED: not allowed: set authentication: none instead/,
    ],
    ["no secret", { secrets: undefined }, /^ {2}secrets: required: secrets\.WEBHOOK_TOKENS/m],
    ["unknown authentication", { authentication: "iam" }, /authentication: expected "token" .* or "none"/],
    [
      "bad secret version",
      { secrets: { WEBHOOK_TOKENS: { secret: "s", version: "v1" } } },
      /secrets\.WEBHOOK_TOKENS\.version: expected "latest" or a version number/,
    ],
  ];

  it.each(cases)("%s", (_title, change, message) => {
    const text = toYaml({ ...minimal, ...change });
    expect(() => parseFunctionSpec(text, "f.yaml")).toThrow(FunctionSpecError);
    expect(() => parseFunctionSpec(text, "f.yaml")).toThrow(message);
  });

  it("lists every problem at once", () => {
    const text = toYaml({ ...minimal, region: "Europe", memory: "1TB", runtime: "node" });
    let message = "";
    try {
      parseFunctionSpec(text, "f.yaml");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split("\n")[0]).toBe("f.yaml is invalid:");
    expect(message).toMatch(/region: /);
    expect(message).toMatch(/memory: /);
    expect(message).toMatch(/runtime: /);
  });

  it.each([
    ["not YAML", "name: [", /f\.yaml: not YAML/],
    ["not a mapping", "- a\n- b\n", /f\.yaml: expected a mapping/],
  ])("%s", (_title, text, message) => {
    expect(() => parseFunctionSpec(text, "f.yaml")).toThrow(message);
  });

  it("names a file it cannot read", () => {
    expect(() => loadFunctionSpec(join(scratch, "absent.yaml"))).toThrow(
      /cannot read .*absent\.yaml: ENOENT/,
    );
  });
});

describe("rendering helpers", () => {
  it.each([
    [">=20", "nodejs20", true],
    [">=20", "nodejs22", true],
    [">=22", "nodejs20", false],
    ["20.x", "nodejs22", false],
    ["^20", "nodejs20", true],
    [">=20 <22", "nodejs22", false],
    ["20 || 22", "nodejs20", undefined],
  ])("engines %s with %s: %s", (engines, runtime, expected) => {
    expect(runtimeSatisfiesEngines(runtime, engines)).toBe(expected);
  });

  it("switches gcloud's list delimiter when a value holds a comma", () => {
    expect(envVarsFlag({ A: "1", B: "x,y" })).toBe("--set-env-vars=^@^A=1@B=x,y");
    expect(envVarsFlag({ A: "a@b", B: "x,y" })).toBe("--set-env-vars=^|^A=a@b|B=x,y");
    expect(envVarsFlag({})).toBe("--clear-env-vars");
  });

  it("prints a command the shell reads back as exactly the argv", () => {
    const args = ["functions", "deploy", "f", "--set-env-vars=A=it's here,B=$HOME", "--x=a b", "--gen2"];
    expect(shellQuote("--gen2")).toBe("--gen2");
    // sh parses the printed line; printf shows each word it received on its own line.
    const line = formatCommand("printf", args);
    const run = spawnSync("/bin/sh", ["-c", line.replace(/^printf /, "printf '%s\\n' ")], {
      encoding: "utf8",
    });
    expect(run.stdout.split("\n").slice(0, -1)).toEqual(args);
  });
});

/** Runs scripts/deploy.mjs with only `bin` on the PATH; a fake gcloud there records its argv. */
function runDeploy(args: string[], bin: string) {
  return spawnSync(process.execPath, [DEPLOY_SCRIPT, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: bin, HOME: scratch },
  });
}

function fakeGcloud(name: string, exitCode = 0): { bin: string; record: string } {
  const bin = join(scratch, name);
  mkdirSync(bin, { recursive: true });
  const record = join(bin, "argv");
  const script = join(bin, "gcloud");
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\npwd > '${record}.cwd'\nexit ${exitCode}\n`,
  );
  chmodSync(script, 0o755);
  return { bin, record };
}

describe("npm run deploy (scripts/deploy.mjs, after the build)", () => {
  const spec: FunctionSpec = loadFunctionSpec(FUNCTION_YAML);
  const command = formatCommand("gcloud", gcloudDeployArgs(spec));

  it("--dry-run prints the exact command and runs nothing", () => {
    const { bin, record } = fakeGcloud("dry");
    const result = runDeploy(["--dry-run"], bin);
    expect(result.stderr).toContain("dry run: nothing was run");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${command}\n`);
    expect(existsSync(record)).toBe(false);
  });

  it("runs gcloud with exactly those arguments, from the project's top directory", () => {
    const { bin, record } = fakeGcloud("real");
    const result = runDeploy([], bin);
    expect(result.status).toBe(0);
    expect(readFileSync(record, "utf8").split("\n").slice(0, -1)).toEqual(gcloudDeployArgs(spec));
    expect(resolve(readFileSync(`${record}.cwd`, "utf8").trim())).toBe(resolve(root));
  });

  it("passes on gcloud's exit code", () => {
    const { bin } = fakeGcloud("failing", 3);
    expect(runDeploy([], bin).status).toBe(3);
  });

  it("without gcloud on the PATH, says so, prints the command and exits non-zero", () => {
    const empty = join(scratch, "empty-bin");
    mkdirSync(empty, { recursive: true });
    const result = runDeploy([], empty);
    expect(result.status).toBe(127);
    expect(result.stderr).toMatch(/gcloud is not on the PATH/);
    expect(result.stdout).toBe(`${command}\n`);
  });

  it("stops on a bad function.yaml before running anything", () => {
    const { bin, record } = fakeGcloud("bad-spec");
    const file = join(scratch, "bad.yaml");
    writeFileSync(file, toYaml({ ...minimal, runtime: "nodejs16" }));
    const result = runDeploy(["--file", file], bin);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/bad\.yaml is invalid:\n {2}runtime: expected one of/);
    expect(result.stdout).toBe("");
    expect(existsSync(record)).toBe(false);
  });

  it("stops on an injector configuration the function would refuse to start with", () => {
    const { bin, record } = fakeGcloud("bad-config");
    const file = join(scratch, "missing-config.yaml");
    writeFileSync(file, toYaml({ ...minimal, env: { INFERENCESERVICE_CONFIG: "config/absent.yaml" } }));
    const result = runDeploy(["--file", file], bin);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/env\.INFERENCESERVICE_CONFIG: cannot read .*absent\.yaml/);
    expect(existsSync(record)).toBe(false);
  });

  it("warns when the function will check no token", () => {
    const { bin } = fakeGcloud("none");
    const { secrets: _secrets, ...withoutSecrets } = minimal;
    const file = join(scratch, "none.yaml");
    writeFileSync(file, toYaml({ ...withoutSecrets, authentication: "none" }));
    const result = runDeploy(["--file", file, "--dry-run"], bin);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: authentication: none: the function will answer anyone/);
    expect(result.stdout).toMatch(/--set-env-vars=WEBHOOK_ALLOW_UNAUTHENTICATED=true/);
  });

  it("refuses unknown options with its usage", () => {
    const result = runDeploy(["--dryrun"], fakeGcloud("usage").bin);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Usage: npm run deploy/);
  });

  it("the function.yaml it reads is the documented one", () => {
    expect(parseYaml(readFileSync(FUNCTION_YAML, "utf8"))).toMatchObject({ entryPoint: "mutatePods" });
  });
});
