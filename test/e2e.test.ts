import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pod } from "kubernetes-models/v1/Pod";
import { applyPatch } from "rfc6902";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentContainerName, AgentInjectionStatusAnnotationKey } from "../src/constants.js";

/**
 * The function as `npm start` runs it (the functions-framework binary, in its own process, on a
 * free port, serving package.json's "main": the bundled dist/function.mjs), but with bearer tokens,
 * sent what the kube-apiserver sends. `npm test` builds before vitest runs.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const TOKENS = ["e2e-token-current", "e2e-token-next"];

// biome-ignore lint/suspicious/noExplicitAny: parsed Kubernetes JSON, read field by field
type Json = Record<string, any>;

let child: ChildProcess | undefined;
let base = "";
let logs = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitUntilServing(deadline: number): Promise<void> {
  for (;;) {
    if (child?.exitCode !== null) throw new Error(`the function exited (${child?.exitCode}):\n${logs}`);
    try {
      await fetch(base, { method: "GET" });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`the function did not start in time:\n${logs}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, WEBHOOK_TOKENS: TOKENS.join(","), PORT: String(port) };
  delete env.WEBHOOK_ALLOW_UNAUTHENTICATED;
  delete env.INFERENCESERVICE_CONFIG;
  // The same binary `npm start` runs, through node itself rather than its shebang.
  const bin = realpathSync(join(root, "node_modules", ".bin", "functions-framework"));
  child = spawn(process.execPath, [bin, "--target=mutatePods", `--port=${port}`], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    logs += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    logs += chunk;
  });
  await waitUntilServing(Date.now() + 20_000);
}, 30_000);

afterAll(async () => {
  const running = child;
  if (!running || running.exitCode !== null) return;
  const exited = new Promise((resolve) => running.once("exit", resolve));
  running.kill("SIGTERM");
  await exited;
});

describe("the process", () => {
  it("serves package.json's main, the bundled dist/function.mjs (no --source given)", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main: string };
    expect(pkg.main).toBe("dist/function.mjs");
    expect(existsSync(join(root, pkg.main))).toBe(true);
  });
});

const example = (name: string): Json =>
  JSON.parse(readFileSync(join(root, "examples", `${name}.review.json`), "utf8")) as Json;

/** What the kube-apiserver sends: `POST <url>?timeout=10s` with its headers. */
function sendReview(body: unknown, token: string | null = TOKENS[0] ?? null): Promise<Response> {
  return fetch(`${base}/?timeout=10s`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, */*",
      "User-Agent": "kube-apiserver-admission",
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
}

function validatePod(pod: unknown): void {
  new Pod(pod as ConstructorParameters<typeof Pod>[0]).validate();
}

describe.each(["predictor-raw", "predictor-serverless"])("%s: a real request, end to end", (name) => {
  const request = example(name);
  const original = request.request.object as Json;
  let answer: Json;
  let patched: Json;

  beforeAll(async () => {
    const response = await sendReview(request);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    answer = (await response.json()) as Json;
  });

  it("sends a valid, ReplicaSet-shaped pod", () => {
    expect(() => validatePod(original)).not.toThrow();
    expect(original.metadata.name ?? "").toBe("");
    expect(original.metadata.generateName).toMatch(/-$/);
    expect(original.metadata.ownerReferences[0].kind).toBe("ReplicaSet");
    expect(
      original.spec.volumes.some((v: Json) => v.projected?.sources?.some((s: Json) => s.serviceAccountToken)),
    ).toBe(true);
  });

  it("answers an AdmissionReview for that request, allowed, with a JSON Patch", () => {
    expect(answer.apiVersion).toBe(request.apiVersion);
    expect(answer.kind).toBe("AdmissionReview");
    expect(answer.response.uid).toBe(request.request.uid);
    expect(answer.response.allowed).toBe(true);
    expect(answer.response.patchType).toBe("JSONPatch");
    expect(typeof answer.response.patch).toBe("string");
  });

  it("the patch applies with another JSON Patch implementation, to a valid Pod", () => {
    const operations = JSON.parse(Buffer.from(answer.response.patch, "base64").toString("utf8"));
    patched = structuredClone(original);
    const errors = applyPatch(patched, operations);
    expect(errors).toEqual(operations.map(() => null));
    expect(() => validatePod(patched)).not.toThrow();
  });

  it("adds the agent and keeps everything the API server set", () => {
    const agents = patched.spec.containers.filter((c: Json) => c.name === AgentContainerName);
    expect(agents).toHaveLength(1);
    const args: string[] = agents[0].args;
    // The pod has no name yet: each replica names itself through the downward API.
    expect(args[args.indexOf("--source-uri") + 1]).toBe("$(POD_NAME)");
    expect(args[args.indexOf("--namespace") + 1]).toBe(request.request.namespace);
    expect(JSON.parse(patched.metadata.annotations[AgentInjectionStatusAnnotationKey]).component).toBe(
      "kserve-container",
    );
    expect(patched.metadata.ownerReferences).toEqual(original.metadata.ownerReferences);
    expect(patched.metadata.generateName).toBe(original.metadata.generateName);
    expect(patched.spec.volumes).toEqual(expect.arrayContaining(original.spec.volumes));
    expect(patched.spec.initContainers).toEqual(original.spec.initContainers);
    expect(patched.spec.containers[0]).toEqual(original.spec.containers[0]);
  });

  it("gives the same answer to the same request again (the API server may retry)", async () => {
    const again = (await (await sendReview(request, TOKENS[1])).json()) as Json;
    expect(again).toEqual(answer);
  });
});

describe("the serverless pod's queue-proxy", () => {
  it("sends its traffic through the agent", async () => {
    const request = example("predictor-serverless");
    const answer = (await (await sendReview(request)).json()) as Json;
    const patched = structuredClone(request.request.object);
    applyPatch(patched, JSON.parse(Buffer.from(answer.response.patch, "base64").toString("utf8")));
    const queueProxy = patched.spec.containers.find((c: Json) => c.name === "queue-proxy");
    expect(queueProxy.env.find((e: Json) => e.name === "USER_PORT").value).toBe("9081");
  });
});

describe("the API server's other requests", () => {
  it("answers a v1beta1 review in v1beta1", async () => {
    const request = { ...example("predictor-raw"), apiVersion: "admission.k8s.io/v1beta1" };
    const response = await sendReview(request);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Json;
    expect(answer.apiVersion).toBe("admission.k8s.io/v1beta1");
    expect(answer.response.patchType).toBe("JSONPatch");
  });

  it("allows a pod with nothing to inject, without a patch", async () => {
    const answer = (await (await sendReview(example("predictor-no-trigger"))).json()) as Json;
    expect(answer.response.allowed).toBe(true);
    expect(answer.response).not.toHaveProperty("patch");
  });

  it("refuses a pod it cannot inject with the reason in status.message", async () => {
    const answer = (await (await sendReview(example("predictor-agent-no-modeldir"))).json()) as Json;
    expect(answer.response.allowed).toBe(false);
    expect(answer.response.status.message).toMatch(/needs annotation/);
  });

  it.each([
    ["no token", null],
    ["a wrong token", "not-a-token"],
  ])("answers 401 with %s, and says nothing more", async (_title, token) => {
    const response = await sendReview(example("predictor-raw"), token);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.text()).toBe("");
  });

  it("logs one JSON line per review, with the uid and never a token", () => {
    const lines = logs
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Json);
    const uid = example("predictor-raw").request.uid;
    expect(lines.some((l) => l.message === "review patch" && l.uid === uid && l.severity === "INFO")).toBe(
      true,
    );
    expect(lines.some((l) => l.httpStatus === 401)).toBe(true);
    for (const token of TOKENS) expect(logs).not.toContain(token);
  });
});
