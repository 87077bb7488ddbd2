import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Pod } from "kubernetes-models/v1/Pod";
import { applyPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml, stringify as toYaml } from "yaml";
import { review } from "../src/admission/review.js";
import { type CliIo, nodeIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { loadInjectorConfig } from "../src/config/load.js";
import { AgentContainerName, AgentInjectionStatusAnnotationKey } from "../src/constants.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const example = (name: string) => join(root, "examples", name);
const readExample = (name: string) => readFileSync(example(name), "utf8");

// biome-ignore lint/suspicious/noExplicitAny: parsed Kubernetes JSON, read field by field
type Json = Record<string, any>;

/** Runs the command line in process: `stdin` stands in for standard input. */
function run(argv: string[], stdin = ""): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const io: CliIo = {
    ...nodeIo,
    read: (file) => (file === "-" ? stdin : nodeIo.read(file)),
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  };
  return { code: main(argv, io), out, err };
}

/** The built bin entry, as npm links it. */
function spawnCli(argv: string[], input?: string) {
  return spawnSync(process.execPath, [join(root, "dist", "cli.js"), ...argv], { input, encoding: "utf8" });
}

const containerNames = (spec: Json | undefined): string[] =>
  (spec?.containers ?? []).map((c: Json) => c.name);
const agentOf = (spec: Json | undefined): Json | undefined =>
  (spec?.containers ?? []).find((c: Json) => c.name === AgentContainerName);
const argAfter = (container: Json | undefined, flag: string) => {
  const args: string[] = container?.args ?? [];
  return args[args.indexOf(flag) + 1];
};

const deployment = parseYaml(readExample("deployment.yaml")) as Json;
const rawPod = JSON.parse(readExample("predictor-raw.pod.json")) as Json;

describe("help and exit codes", () => {
  it.each(["review", "inject", "webhook-config"])(
    "%s --help documents its options and exit codes",
    (command) => {
      for (const argv of [
        [command, "--help"],
        [command, "-h"],
        ["help", command],
      ]) {
        const result = run(argv);
        expect(result.code).toBe(0);
        expect(result.out).toContain(`Usage: kserve-agent-webhook ${command}`);
        expect(result.out).toContain("Exit codes:");
      }
    },
  );

  it("--help lists every command and the exit codes", () => {
    const result = run(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["review", "inject", "webhook-config"]) expect(result.out).toContain(command);
    expect(result.out).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /);
  });

  it.each([
    [[], /^no command/],
    [["frobnicate"], /^unknown command "frobnicate"/],
    [["help", "frobnicate"], /^unknown command "frobnicate"/],
  ])("%j exits 1 with the usage", (argv, message) => {
    const result = run(argv);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).toContain("Usage:");
  });

  it("an unknown option exits 1 with that command's usage", () => {
    const result = run(["inject", "-f", example("deployment.yaml"), "--frobnicate"]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/Unknown option '--frobnicate'/);
    expect(result.err).toContain("Usage: kserve-agent-webhook inject");
  });

  it("the bin entry runs main, reading standard input", () => {
    const help = spawnCli(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage:");
    const piped = spawnCli(["inject", "-f", "-"], readExample("deployment.yaml"));
    expect(piped.status).toBe(0);
    expect(containerNames(parseYaml(piped.stdout).spec.template.spec)).toEqual(["kserve-container", "agent"]);
    expect(spawnCli(["nope"]).status).toBe(1);
  });
});

describe("review keeps answering as the function does", () => {
  it("prints the function's AdmissionReview answer", () => {
    const body = readExample("predictor-raw.review.json");
    const result = run(["review"], body);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual(review(JSON.parse(body), loadInjectorConfig()).body);
  });

  it("exits 1 with the 400 error for a body that is not JSON", () => {
    const result = run(["review"], "{");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out).error).toMatch(/^body: not JSON/);
  });

  it("exits 0 for a refusal: the function answers it with 200", () => {
    const result = run(["review"], readExample("predictor-agent-no-modeldir.review.json"));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).response.allowed).toBe(false);
  });
});

describe("inject: pods", () => {
  it("injects one pod, YAML by default, with the reason on stderr", () => {
    const result = run(["inject", "-f", example("predictor-raw.pod.json")]);
    expect(result.code).toBe(0);
    const pod = parseYaml(result.out);
    expect(() => new Pod(pod).validate()).not.toThrow();
    expect(containerNames(pod.spec)).toEqual(["kserve-container", "agent"]);
    expect(result.err).toMatch(
      /^document 1 \(Pod sklearn-iris-predictor-5d8f7c9b6-\): injected: raw: exec -> tcpSocket:8080\n$/,
    );
  });

  it("shows an exec probe's TCP delegation and the status annotation", () => {
    const result = run(["inject", "-f", example("predictor-raw.pod.json"), "-o", "json"]);
    expect(result.code).toBe(0);
    const pod = JSON.parse(result.out);
    const env = agentOf(pod.spec)?.env as { name: string; value?: string }[];
    const probe = env.find((e) => e.name === "SERVING_READINESS_PROBE")?.value ?? "";
    // The model server's exec probe (with its timing) becomes a TCP probe on its port.
    expect(JSON.parse(probe)).toEqual({
      tcpSocket: { port: 8080 },
      initialDelaySeconds: 5,
      timeoutSeconds: 5,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(JSON.parse(pod.metadata.annotations[AgentInjectionStatusAnnotationKey])).toMatchObject({
      component: "kserve-container",
      mode: "raw",
      probe: "exec",
      readiness: "exec -> tcpSocket:8080",
    });
  });

  it("injects the documented dry-run pod (docs/deploy.md), into a valid Pod", () => {
    const result = run(["inject", "-f", example("dry-run.pod.yaml")]);
    expect(result.code).toBe(0);
    const pod = parseYaml(result.out);
    expect(() => new Pod(pod).validate()).not.toThrow();
    expect(containerNames(pod.spec)).toEqual(["kserve-container", "agent"]);
    expect(argAfter(agentOf(pod.spec), "--namespace")).toBe("models");
  });

  it("reads the namespace from -n when the pod names none", () => {
    const without = run(["inject", "-f", example("predictor-raw.pod.json")]);
    expect(argAfter(agentOf(parseYaml(without.out).spec), "--namespace")).toBe("");
    const withFlag = run(["inject", "-f", example("predictor-raw.pod.json"), "-n", "models"]);
    expect(argAfter(agentOf(parseYaml(withFlag.out).spec), "--namespace")).toBe("models");
  });

  it("-o patch prints the patch, which turns the input into the -o json output", () => {
    const patch = JSON.parse(run(["inject", "-f", example("predictor-raw.pod.json"), "-o", "patch"]).out);
    const injected = JSON.parse(run(["inject", "-f", example("predictor-raw.pod.json"), "-o", "json"]).out);
    const patched = structuredClone(rawPod);
    expect(applyPatch(patched, patch).every((error) => error === null)).toBe(true);
    expect(patched).toEqual(injected);
  });

  it("leaves a pod without a trigger unchanged, and says why", () => {
    const result = run(["inject", "-f", example("predictor-no-trigger.pod.json"), "-o", "json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual(JSON.parse(readExample("predictor-no-trigger.pod.json")));
    expect(result.err).toMatch(/unchanged: no logger, batcher or agent annotation/);
    expect(run(["inject", "-f", example("predictor-no-trigger.pod.json"), "-o", "patch"]).out).toBe("[]\n");
  });

  it("exits 2 for a pod the webhook refuses, leaving it out", () => {
    const result = run(["inject", "-f", example("predictor-agent-no-modeldir.pod.json")]);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toMatch(/refused: annotation internal\.serving\.kserve\.io\/agent needs annotation/);
  });
});

describe("inject: workloads, streams and Lists", () => {
  it("injects a Deployment's pod template, with the workload's namespace", () => {
    const result = run(["inject", "-f", example("deployment.yaml")]);
    expect(result.code).toBe(0);
    const out = parseYaml(result.out) as Json;
    expect(() => new Deployment(out as ConstructorParameters<typeof Deployment>[0]).validate()).not.toThrow();
    const template = out.spec.template;
    expect(containerNames(template.spec)).toEqual(["kserve-container", "agent"]);
    expect(argAfter(agentOf(template.spec), "--namespace")).toBe("models");
    expect(argAfter(agentOf(template.spec), "--inference-service")).toBe("sklearn-iris");
    expect(template.metadata.annotations[AgentInjectionStatusAnnotationKey]).toBeDefined();
    expect(template.metadata.labels).toEqual(deployment.spec.template.metadata.labels);
    // Only the template changes: the Deployment's own metadata and selector are untouched.
    expect(out.metadata).toEqual(deployment.metadata);
    expect(out.spec.selector).toEqual(deployment.spec.selector);
    const podTemplate = { apiVersion: "v1", kind: "Pod", metadata: template.metadata, spec: template.spec };
    expect(() => new Pod(podTemplate as ConstructorParameters<typeof Pod>[0]).validate()).not.toThrow();
  });

  it.each(["ReplicaSet", "StatefulSet"])("injects a %s's pod template", (kind) => {
    const workload = { ...deployment, kind, spec: { ...deployment.spec, serviceName: "x" } };
    const result = run(["inject", "-f", "-", "-o", "json"], JSON.stringify(workload));
    expect(result.code).toBe(0);
    const out = JSON.parse(result.out) as Json;
    expect(out.kind).toBe(kind);
    expect(containerNames(out.spec.template.spec)).toEqual(["kserve-container", "agent"]);
  });

  it("-o patch on a workload patches under /spec/template and applies to it", () => {
    const result = run(["inject", "-f", example("deployment.yaml"), "-o", "patch"]);
    const patch = JSON.parse(result.out) as { path: string }[];
    expect(patch.length).toBeGreaterThan(0);
    for (const op of patch) expect(op.path.startsWith("/spec/template/")).toBe(true);
    const patched = structuredClone(deployment);
    expect(applyPatch(patched, patch as never).every((error) => error === null)).toBe(true);
    expect(patched).toEqual(parseYaml(run(["inject", "-f", example("deployment.yaml")]).out));
  });

  it("a multi-document stream: each document in order, other kinds passed through", () => {
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc" },
      spec: { ports: [{ port: 80 }] },
    };
    const stream = [readExample("deployment.yaml"), toYaml(service), toYaml(rawPod)].join("---\n");
    const result = run(["inject", "-f", "-"], stream);
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(result.out).map((d) => ("toJS" in d ? d.toJS() : undefined)) as Json[];
    expect(docs.map((d) => d.kind)).toEqual(["Deployment", "Service", "Pod"]);
    expect(docs[1]).toEqual(service);
    expect(containerNames(docs[2]?.spec)).toEqual(["kserve-container", "agent"]);
    expect(result.err.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(/^document 1 \(Deployment models\/sklearn-iris-predictor\): injected/),
      expect.stringMatching(/^document 2 \(Service svc\): unchanged: kind Service is not a Pod/),
      expect.stringMatching(/^document 3 \(Pod .*\): injected/),
    ]);
    // JSON: more than one document becomes one List.
    const json = JSON.parse(run(["inject", "-f", "-", "-o", "json"], stream).out) as Json;
    expect(json.kind).toBe("List");
    expect(json.items.map((i: Json) => i.kind)).toEqual(["Deployment", "Service", "Pod"]);
  });

  it("a List (kubectl get -o json) stays a List, refused items left out", () => {
    const refused = JSON.parse(readExample("predictor-agent-no-modeldir.pod.json"));
    const list = {
      apiVersion: "v1",
      kind: "List",
      metadata: { resourceVersion: "" },
      items: [deployment, refused, rawPod],
    };
    const result = run(["inject", "-f", "-", "-o", "json"], JSON.stringify(list));
    expect(result.code).toBe(2);
    const out = JSON.parse(result.out) as Json;
    expect(out.kind).toBe("List");
    expect(out.metadata).toEqual(list.metadata);
    expect(out.items.map((i: Json) => i.kind)).toEqual(["Deployment", "Pod"]);
    expect(agentOf(out.items[0].spec.template.spec)).toBeDefined();
    expect(result.err).toMatch(/^document 1\.items\.1 \(Pod .*\): refused: /m);
    const patches = JSON.parse(run(["inject", "-f", "-", "-o", "patch"], JSON.stringify(list)).out);
    expect(patches).toHaveLength(2);
  });

  it("typed lists (PodList) count as Lists", () => {
    const list = { apiVersion: "v1", kind: "PodList", items: [rawPod] };
    const out = parseYaml(run(["inject", "-f", "-"], toYaml(list)).out) as Json;
    expect(out.kind).toBe("PodList");
    expect(containerNames(out.items[0].spec)).toEqual(["kserve-container", "agent"]);
  });
});

describe("inject: bad input exits 1 and names the place", () => {
  it.each([
    ["YAML that does not parse", "kind: [", /^document 1: /],
    ["a scalar", "just text\n", /^document 1: expected a Kubernetes object/],
    ["nothing", "---\n", /^the input holds no object/],
    [
      "a List item that is not an object",
      '{"kind":"List","items":[1]}',
      /^document 1\.items\.0: expected a Kubernetes object/,
    ],
    [
      "a Deployment without a template",
      toYaml({ kind: "Deployment", metadata: { name: "d" }, spec: {} }),
      /^document 1\.spec\.template: expected an object/,
    ],
    [
      "a template whose containers are not a list",
      toYaml({
        ...deployment,
        spec: { ...deployment.spec, template: { ...deployment.spec.template, spec: { containers: 3 } } },
      }),
      /^document 1\.spec\.template\.spec\.containers: /,
    ],
  ])("%s", (_title, input, message) => {
    const result = run(["inject", "-f", "-"], input);
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toMatch(message);
  });

  it.each([
    [["inject"], /inject needs -f FILE/],
    [["inject", "-f", "x", "-o", "xml"], /-o must be yaml, json or patch/],
  ])("%j is a usage error", (argv, message) => {
    const result = run(argv);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).toContain("Usage: kserve-agent-webhook inject");
  });

  it("names a file it cannot read, and a bad --config", () => {
    const missing = run(["inject", "-f", join(root, "examples", "absent.yaml")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT.*absent\.yaml/);
    const badConfig = run([
      "inject",
      "-f",
      example("deployment.yaml"),
      "--config",
      example("deployment.yaml"),
    ]);
    expect(badConfig.code).toBe(1);
    expect(badConfig.err).toMatch(/expected kind ConfigMap/);
  });
});
