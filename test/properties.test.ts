import { readFileSync } from "node:fs";
import fc from "fast-check";
import type { Container, EnvVar, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { admitPod } from "../src/admission/admit.js";
import { createPatch, type Operation } from "../src/admission/patch.js";
import { type AdmissionReviewResponse, review } from "../src/admission/review.js";
import type { InjectorConfig } from "../src/config/schema.js";
import * as k from "../src/constants.js";
import { applyStrict } from "./helpers/json-patch.js";
import { pod } from "./helpers/pods.js";
import {
  admissionReview,
  allConfigVariants,
  asJson,
  type ConfigVariant,
  configFor,
  decodePatch,
} from "./helpers/reviews.js";
import { isQualifiedName, podProblems, probeProblems } from "./helpers/valid-pod.js";

/**
 * What must hold for every pod the kube-apiserver can send (issue 4, "Every answer is one the
 * API server can use"), over generated pods and every configuration variant. Fixed seed, so a
 * failure reproduces; fast-check prints the shrunk counterexample.
 */

const RUNS = { seed: 20250406, numRuns: 500 } as const;

const variants = allConfigVariants().map((variant) => ({ variant, config: configFor(variant) }));
const configArb = fc.constantFrom(...variants);

interface Case {
  readonly object: Record<string, unknown>;
  readonly variant: ConfigVariant;
  readonly config: InjectorConfig;
  readonly uid: string;
}

const uidArb = fc.oneof(fc.uuid(), fc.constantFrom("x", "uid with spaces", "ü/~0"));
const caseArb: fc.Arbitrary<Case> = fc
  .tuple(pod(), configArb, uidArb)
  .map(([object, { variant, config }, uid]) => ({ object, variant, config, uid }));

/** The review of `object`, which must be a 200 for a pod the API server could send. */
function answer(object: unknown, config: InjectorConfig, uid = "uid-1"): AdmissionReviewResponse {
  const result = review(admissionReview(object, { uid }), config);
  if (result.status !== 200) throw new Error(`expected 200, got 400: ${result.body.error}`);
  return result.body;
}

/** The pod the API server would store: the request object with the answer's patch applied. */
function patched(object: Record<string, unknown>, body: AdmissionReviewResponse): Pod {
  return applyStrict(object, decodePatch(body.response)) as Pod;
}

const containersOf = (p: Pod): Container[] => p.spec?.containers ?? [];
const agentsOf = (p: Pod): Container[] => containersOf(p).filter((c) => c.name === k.AgentContainerName);
const envNamed = (c: Container | undefined, name: string): EnvVar[] =>
  (c?.env ?? []).filter((e) => e.name === name);

describe("every answer is one the API server can use", () => {
  it("answers a 200 AdmissionReview with the request's uid and apiVersion", () => {
    fc.assert(
      fc.property(caseArb, ({ object, config, uid }) => {
        const body = answer(object, config, uid);
        expect(body.kind).toBe("AdmissionReview");
        expect(body.apiVersion).toBe("admission.k8s.io/v1");
        expect(body.response.uid).toBe(uid);
        expect(body.response.patch === undefined).toBe(body.response.patchType === undefined);
        if (!body.response.allowed) {
          expect(body.response.patch).toBeUndefined();
          expect(body.response.status?.message).toMatch(/needs annotation/);
        }
      }),
      RUNS,
    );
  });

  it("patches that apply under RFC 6902 (rfc6902, strict) and give exactly the injected pod", () => {
    fc.assert(
      fc.property(caseArb, ({ object, config }) => {
        const body = answer(object, config);
        const result = patched(object, body);
        const decision = admitPod(structuredClone(object), config, "models");
        const expected = decision.decision === "patch" ? decision.pod : object;
        expect(asJson(result)).toEqual(asJson(expected));
        expect(body.response.patch !== undefined).toBe(decision.decision === "patch");
      }),
      RUNS,
    );
  });

  it("never mutates the request's object", () => {
    fc.assert(
      fc.property(caseArb, ({ object, config }) => {
        const before = structuredClone(object);
        answer(object, config);
        expect(object).toStrictEqual(before);
      }),
      RUNS,
    );
  });

  it("yields a valid Pod, and adds only legal annotation keys", () => {
    fc.assert(
      fc.property(caseArb, ({ object, config }) => {
        const result = patched(object, answer(object, config));
        expect(podProblems(result)).toEqual([]);
        const before = new Set(Object.keys((object as Pod).metadata?.annotations ?? {}));
        const added = Object.keys(result.metadata?.annotations ?? {}).filter((key) => !before.has(key));
        for (const key of added) expect(isQualifiedName(key), key).toBe(true);
      }),
      RUNS,
    );
  });

  it("gives no patch when the patched pod comes back (reinvocation)", () => {
    fc.assert(
      fc.property(caseArb, ({ object, config }) => {
        const first = answer(object, config);
        const second = answer(patched(object, first), config);
        expect(second.response.patch).toBeUndefined();
        // A refusal stands: the same pod is refused again.
        expect(second.response.allowed).toBe(first.response.allowed);
      }),
      RUNS,
    );
  });

  it("never adds a second agent, and keeps the user's probes as they were", () => {
    fc.assert(
      fc.property(caseArb, ({ object, config }) => {
        const input = object as Pod;
        const result = patched(object, answer(object, config));
        // A pod that has an agent is left as it is; any other gets at most one.
        if (agentsOf(input).length > 0) expect(containersOf(result)).toStrictEqual(containersOf(input));
        expect(agentsOf(result).length).toBeLessThanOrEqual(1);
        for (const container of containersOf(input)) {
          const after = containersOf(result).find((c) => c.name === container.name);
          expect(after?.readinessProbe).toStrictEqual(container.readinessProbe);
          expect(after?.livenessProbe).toStrictEqual(container.livenessProbe);
          expect(after?.startupProbe).toStrictEqual(container.startupProbe);
        }
      }),
      RUNS,
    );
  });

  it("in raw mode gives the agent exactly one SERVING_READINESS_PROBE, a probe it can run", () => {
    const rawCase = caseArb.filter(
      ({ object }) => !containersOf(object as Pod).some((c) => c.name === k.QueueProxyContainerName),
    );
    fc.assert(
      fc.property(rawCase, ({ object, config, variant }) => {
        const result = patched(object, answer(object, config));
        const [agent] = agentsOf(result);
        if (!agent || agentsOf(object as Pod).length > 0) return;
        const entries = envNamed(agent, k.ServingReadinessProbeEnv);
        expect(entries).toHaveLength(1);
        const value = entries[0]?.value ?? "";
        if (value === "") {
          expect(variant.execProbe).toBe("skip");
          return;
        }
        expect(probeProblems(JSON.parse(value))).toEqual([]);
      }),
      RUNS,
    );
  });

  it("in queue-proxy mode moves USER_PORT to the agent and keeps the probe env's form", () => {
    const servingCase = caseArb.filter(({ object }) =>
      containersOf(object as Pod).some((c) => c.name === k.QueueProxyContainerName),
    );
    fc.assert(
      fc.property(servingCase, ({ object, config, variant }) => {
        const input = object as Pod;
        const result = patched(object, answer(object, config));
        if (agentsOf(input).length > 0 || agentsOf(result).length === 0) return;
        const queueBefore = containersOf(input).find((c) => c.name === k.QueueProxyContainerName);
        const queueAfter = containersOf(result).find((c) => c.name === k.QueueProxyContainerName);
        for (const entry of envNamed(queueAfter, k.UserPortEnv)) {
          expect(entry.value).toBe(String(k.InferenceServiceDefaultAgentPort));
        }
        const [agent] = agentsOf(result);
        expect(envNamed(agent, k.ServingReadinessProbeEnv)).toHaveLength(1);
        const before = envNamed(queueBefore, k.ServingReadinessProbeEnv)[0]?.value;
        const after = envNamed(queueAfter, k.ServingReadinessProbeEnv)[0]?.value;
        if (before === undefined) {
          expect(after).toBeUndefined();
          return;
        }
        if (variant.queueProxyProbe === "unchanged") expect(after).toBe(before);
        const [was, is] = [JSON.parse(before), JSON.parse(after ?? "null")];
        expect(Array.isArray(is)).toBe(Array.isArray(was));
        if (Array.isArray(was)) expect(is).toHaveLength(was.length);
      }),
      RUNS,
    );
  });
});

/** Every path in a JSON value, as keys and indices from the root. */
function pathsOf(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(path);
  if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      pathsOf(child, [...path, Array.isArray(value) ? Number(key) : key], out);
    }
  }
  return out;
}

/** A copy of `root` with the value at `path` replaced. */
function replaceAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  Object.defineProperty(parent, path[path.length - 1] as string | number, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

const nestedJson = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>(
    JSON.parse('{"__proto__":{"polluted":"yes"}}'),
    { constructor: { prototype: { polluted: "yes" } } },
    Array.from({ length: 2000 }, (_, i) => i),
    "",
    -1,
    1e308,
    null,
  ),
);
/** Text for the env values the injector parses as JSON. */
const hostileJsonText = fc.oneof(
  hostileValue.map((value) => JSON.stringify(value) ?? "null"),
  fc.constantFrom(
    nestedJson(10_000),
    `[{"tcpSocket":{"port":8080}},${nestedJson(10_000)}]`,
    `{"/app-health/kserve-container/readyz":{"tcpSocket":{"port":8080},"x":${nestedJson(10_000)}}}`,
    '{"__proto__":{"polluted":"yes"}}',
    "{not json",
  ),
);

describe("no input breaks review()", () => {
  const serverless = JSON.parse(
    readFileSync(new URL("../examples/predictor-serverless.review.json", import.meta.url), "utf8"),
  );
  const raw = JSON.parse(
    readFileSync(new URL("../examples/predictor-raw.review.json", import.meta.url), "utf8"),
  );
  // Raw with Istio: the component's probe rewritten, the original recorded on istio-proxy.
  raw.request.object.spec.containers[0].readinessProbe = {
    httpGet: { path: "/app-health/kserve-container/readyz", port: 15020, scheme: "HTTP" },
  };
  raw.request.object.spec.containers.push({
    name: "istio-proxy",
    env: [
      {
        name: "ISTIO_KUBE_APP_PROBERS",
        value: '{"/app-health/kserve-container/readyz":{"tcpSocket":{"port":8080},"timeoutSeconds":1}}',
      },
    ],
  });
  const bases = [serverless, raw].map((review) => ({ review, paths: pathsOf(review) }));
  const config = configFor({
    execProbe: "tcpSocket",
    queueProxyProbe: "agent",
    statusAnnotation: true,
    caBundle: "ca",
  });

  it("answers any JSON value put anywhere in a real review with a 200 that applies, or a 400", () => {
    const edit = fc
      .tuple(fc.constantFrom(...bases), fc.nat(), hostileValue, fc.nat(), hostileJsonText)
      .map(([base, at, value, envAt, text]) => {
        let body = replaceAt(base.review, base.paths[at % base.paths.length] ?? [], value);
        // And one env value the injector parses (SERVING_READINESS_PROBE, ISTIO_KUBE_APP_PROBERS...).
        const envPaths = pathsOf(body).filter((p) => p.at(-1) === "value" && p.includes("env"));
        const envPath = envPaths[envAt % Math.max(envPaths.length, 1)];
        if (envPath) body = replaceAt(body, envPath, text);
        return body;
      });
    fc.assert(
      fc.property(edit, (body) => {
        const result = review(body, config);
        expect([200, 400]).toContain(result.status);
        if (result.status === 200) {
          const object = (body as { request: { object: unknown } }).request.object;
          expect(() => applyStrict(object, decodePatch(result.body.response))).not.toThrow();
        } else {
          expect(result.body.error).toEqual(expect.any(String));
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });
});

describe("the patch maker, on any JSON", () => {
  // Keys that need ~0 and ~1 in a JSON Pointer, and a small pool so the two sides share keys.
  // Not `constructor` and the like: rfc6902 refuses to follow them (see applyStrict).
  const key = fc.constantFrom("a", "b", "~", "/", "~0", "~1", "a/b", "c~d", "~/~", "", "toString");
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom(null, true, 0, "x", ""),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    ),
  }));
  const root = fc.dictionary(key, value, { maxKeys: 5 });

  it("escapes every key, so its patch turns one document into the other under RFC 6902", () => {
    fc.assert(
      fc.property(root, root, (from, to) => {
        const operations = createPatch(from, to);
        expect(asJson(applyStrict(from, asJson(operations)))).toEqual(asJson(to));
      }),
      RUNS,
    );
  });
});

describe("the checkers catch what they claim to", () => {
  const doc = {
    metadata: { annotations: { "a/b": "1", "c~d": "2" } },
    spec: { containers: [{ name: "x" }] },
    constructor: {},
  };
  it.each([
    ["a missing parent", { op: "add", path: "/spec/volumes/0", value: {} }],
    ["an index past the end", { op: "add", path: "/spec/containers/2", value: {} }],
    ["a non-canonical index", { op: "add", path: "/spec/containers/01", value: {} }],
    ["a replace of nothing", { op: "replace", path: "/metadata/labels", value: {} }],
    ["an unescaped /", { op: "replace", path: "/metadata/annotations/a/b", value: "3" }],
    ["a bad ~ escape", { op: "replace", path: "/metadata/annotations/c~d", value: "3" }],
    ["a path rfc6902 would not follow", { op: "add", path: "/constructor/a", value: 1 }],
  ])("applyStrict refuses %s", (_, operation) => {
    expect(() => applyStrict(doc, [operation as Operation])).toThrow();
  });

  it("applyStrict applies escaped keys to the right member", () => {
    const out = applyStrict(doc, [
      { op: "replace", path: "/metadata/annotations/a~1b", value: "x" },
      { op: "replace", path: "/metadata/annotations/c~0d", value: "y" },
    ]);
    expect(out.metadata.annotations).toEqual({ "a/b": "x", "c~d": "y" });
    expect(doc.metadata.annotations["a/b"]).toBe("1");
  });

  it.each([
    ["two containers of one name", { containers: [{ name: "a" }, { name: "a" }] }],
    [
      "an init container and a container of one name",
      { initContainers: [{ name: "a" }], containers: [{ name: "a" }] },
    ],
    [
      "a mount of a missing volume",
      { containers: [{ name: "a", volumeMounts: [{ name: "v", mountPath: "/v" }] }] },
    ],
    [
      "a probe with two handlers",
      { containers: [{ name: "a", readinessProbe: { exec: {}, tcpSocket: { port: 1 } } }] },
    ],
    [
      "a probe port out of range",
      { containers: [{ name: "a", readinessProbe: { tcpSocket: { port: 70000 } } }] },
    ],
    [
      "a port name that is not one",
      { containers: [{ name: "a", ports: [{ containerPort: 1, name: "8080" }] }] },
    ],
    ["a container name that is not a label", { containers: [{ name: "A_b" }] }],
    [
      "a string where the schema wants a number",
      { containers: [{ name: "a", ports: [{ containerPort: "80" }] }] },
    ],
  ])("podProblems finds %s", (_, spec) => {
    expect(podProblems({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec })).not.toEqual([]);
  });

  it("podProblems passes the examples' pods", () => {
    for (const name of ["predictor-raw", "predictor-serverless", "predictor-no-trigger"]) {
      const pod = JSON.parse(readFileSync(new URL(`../examples/${name}.pod.json`, import.meta.url), "utf8"));
      expect(podProblems(pod)).toEqual([]);
    }
  });
});
