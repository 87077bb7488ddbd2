import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import fc from "fast-check";
import supertest from "supertest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AdmissionReviewResponse } from "../src/admission/review.js";
import { loadServerSettings, tokenDigest } from "../src/config/env.js";
import { ConfigError } from "../src/config/load.js";
import { createHandler, type WebhookRequest } from "../src/http/handler.js";
import type { LogSink } from "../src/log.js";
import { applyStrict } from "./helpers/json-patch.js";
import { configFor, decodePatch } from "./helpers/reviews.js";

/**
 * Issue 4: a public endpoint that only the API server can use and that no input can break. The
 * real function, registered by `src/index.ts`, through the framework's own test server.
 */

const TOKEN_A = "tok-a-5b1f0e7c2d";
const TOKEN_B = "tok-b-93c2d7a4e1";
/** Presented but never accepted; must not reach a log either. */
const WRONG_TOKENS = ["tok-a-5b1f0e7c2", "tok-c-0000000000", `${TOKEN_A}x`];
const MAX_REQUEST_BYTES = 256 * 1024;

const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../examples/${name}.review.json`, import.meta.url), "utf8"));

/** A fixture as JSON.parse gives it: edited freely by the hostile cases. */
type Fixture = ReturnType<typeof example>;

const logLines: string[] = [];
const savedEnv = { ...process.env };
let server: Server;

beforeAll(async () => {
  // The function reads the environment once, at import: set it first.
  process.env.WEBHOOK_TOKENS = ` ${TOKEN_A} , ${TOKEN_B} `;
  process.env.MAX_REQUEST_BYTES = String(MAX_REQUEST_BYTES);
  delete process.env.WEBHOOK_ALLOW_UNAUTHENTICATED;
  delete process.env.INFERENCESERVICE_CONFIG;
  // Let src/index.ts choose, as on Cloud Functions where NODE_ENV is unset.
  delete process.env.NODE_ENV;
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
  await import("../src/index.js");
  server = getTestServer("mutatePods");
});

afterAll(() => {
  vi.restoreAllMocks();
  process.env = savedEnv;
});

const post = (body: string | object, token: string | undefined = TOKEN_A) => {
  const req = supertest(server).post("/?timeout=10s").set("Content-Type", "application/json");
  if (token !== undefined) req.set("Authorization", `Bearer ${token}`);
  return req.send(typeof body === "string" ? body : JSON.stringify(body));
};

/** The answer is an AdmissionReview for `uid` whose patch, if any, applies to `object`. */
function expectUsableReview(body: AdmissionReviewResponse, uid: string, object: unknown) {
  expect(body.kind).toBe("AdmissionReview");
  expect(body.response.uid).toBe(uid);
  expect(() => applyStrict(object, decodePatch(body.response))).not.toThrow();
}

describe("cheap refusals", () => {
  it.each(["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])(
    "answers %s with 405 and Allow: POST",
    async (method) => {
      const res = await supertest(server)
        [method.toLowerCase() as "get"]("/")
        .set("Authorization", `Bearer ${TOKEN_A}`);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("POST");
      expect(res.body).toEqual({ error: "only POST is allowed" });
    },
  );

  it("answers HEAD with 405 and Allow: POST", async () => {
    const res = await supertest(server).head("/");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("POST");
  });

  const unauthorized: [string, string | undefined][] = [
    ["no Authorization header", undefined],
    ["an empty bearer token", "Bearer "],
    ["Basic credentials", `Basic ${Buffer.from(`x:${TOKEN_A}`).toString("base64")}`],
    ["the token without the scheme", TOKEN_A],
    ["a token and more", `Bearer ${TOKEN_A} ${TOKEN_B}`],
    ...WRONG_TOKENS.map((token): [string, string] => [`a wrong token (${token})`, `Bearer ${token}`]),
  ];
  it.each(unauthorized)(
    "answers 401 with WWW-Authenticate: Bearer and nothing else for %s",
    async (_, authorization) => {
      const req = supertest(server).post("/").set("Content-Type", "application/json");
      if (authorization !== undefined) req.set("Authorization", authorization);
      const res = await req.send(JSON.stringify(example("predictor-raw")));
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("Bearer");
      expect(res.text).toBe("");
      expect(res.headers["content-type"]).toBeUndefined();
    },
  );

  it("answers 401 before looking at the content type or the size", async () => {
    const wrongType = await supertest(server).post("/").set("Content-Type", "text/plain").send("hello");
    expect(wrongType.status).toBe(401);
    const tooBig = await post({ pad: "x".repeat(MAX_REQUEST_BYTES) }, WRONG_TOKENS[0]);
    expect(tooBig.status).toBe(401);
  });

  it.each([
    ["the first", TOKEN_A],
    ["the second", TOKEN_B],
  ])("accepts %s of two configured tokens (rotation)", async (_, token) => {
    const review = example("predictor-raw");
    const res = await post(review, token);
    expect(res.status).toBe(200);
    expectUsableReview(res.body, review.request.uid, review.request.object);
    expect(res.body.response.patch).toBeDefined();
  });

  it("accepts the scheme in any case", async () => {
    const res = await supertest(server)
      .post("/")
      .set("Content-Type", "application/json")
      .set("Authorization", `bearer ${TOKEN_B}`)
      .send(JSON.stringify(example("predictor-no-trigger")));
    expect(res.status).toBe(200);
  });

  it.each([
    ["text/plain", "hello"],
    ["application/x-www-form-urlencoded", "a=b"],
    ["application/jsonx", "{}"],
    ["application/octet-stream", "{}"],
  ])("answers Content-Type %s with 415", async (type, body) => {
    const res = await supertest(server)
      .post("/")
      .set("Authorization", `Bearer ${TOKEN_A}`)
      .set("Content-Type", type)
      .send(body);
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: "Content-Type must be application/json" });
  });

  it("accepts application/json with a charset", async () => {
    const res = await supertest(server)
      .post("/")
      .set("Authorization", `Bearer ${TOKEN_A}`)
      .set("Content-Type", "application/json; charset=utf-8")
      .send(JSON.stringify(example("predictor-raw")));
    expect(res.status).toBe(200);
  });

  it("answers a body over MAX_REQUEST_BYTES with 413, and one just under it normally", async () => {
    const review = example("predictor-no-trigger");
    const size = (extra: number) => Buffer.byteLength(JSON.stringify({ ...review, pad: "x".repeat(extra) }));
    const fits = MAX_REQUEST_BYTES - size(0);
    const over = await post({ ...review, pad: "x".repeat(fits + 1) });
    expect(over.status).toBe(413);
    expect(over.body.error).toMatch(/MAX_REQUEST_BYTES \(262144\)/);
    const under = await post({ ...review, pad: "x".repeat(fits) });
    expect(under.status).toBe(200);
  });

  it("leaves a body that is not JSON text to the framework's parser: a plain 400, no stack trace", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(res.text).toContain("Bad Request");
    expect(res.text).not.toMatch(/SyntaxError|node_modules|\n\s+at /);
  });
});

describe("a body that is JSON but not an AdmissionReview: 400 naming the field", () => {
  const raw = example("predictor-raw");
  it.each([
    ["an empty object", {}, /^apiVersion: /],
    ["an array", [], /^body: /],
    ["another apiVersion", { ...raw, apiVersion: "admission.k8s.io/v2" }, /^apiVersion: /],
    ["another kind", { ...raw, kind: "ConversionReview" }, /^kind: /],
    ["no request", { apiVersion: raw.apiVersion, kind: raw.kind }, /^request: /],
    ["no uid", { ...raw, request: { ...raw.request, uid: undefined } }, /^request\.uid: /],
    ["a number for the uid", { ...raw, request: { ...raw.request, uid: 7 } }, /^request\.uid: /],
    ["a string for the object", { ...raw, request: { ...raw.request, object: "pod" } }, /^request\.object: /],
    ["an array for the object", { ...raw, request: { ...raw.request, object: [] } }, /^request\.object: /],
    [
      "a string for the containers",
      { ...raw, request: { ...raw.request, object: { ...raw.request.object, spec: { containers: "c" } } } },
      /^request\.object\.spec\.containers: /,
    ],
  ])("%s", async (_, body, error) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(error) });
  });
});

/** A raw predictor review with `edit` applied to a copy of its pod. */
function rawWith(edit: (pod: Fixture) => void): Fixture {
  const review = example("predictor-raw");
  edit(review.request.object);
  return review;
}

const nested = (depth: number, leaf = "1") => `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const PROTO = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}';

/** `text` with the one occurrence of `marker` replaced; throws when there is none, so no case silently tests nothing. */
function replaceOnce(text: string, marker: string, replacement: string): string {
  const at = text.indexOf(marker);
  if (at === -1 || text.indexOf(marker, at + 1) !== -1) throw new Error(`expected ${marker} once`);
  return text.slice(0, at) + replacement + text.slice(at + marker.length);
}

/** `review` as JSON with the value at a marker replaced by raw JSON text (nesting a stringify cannot build). */
function withRaw(review: Fixture, place: (pod: Fixture) => void, text: string): string {
  place(review.request.object);
  return replaceOnce(JSON.stringify(review), '"@RAW@"', text);
}

describe("hostile bodies: a clear 400 or a correct review, never a crash or a polluted prototype", () => {
  const hostile: [string, string, 400 | "patch"][] = [
    ["10000 levels of arrays", nested(10_000), 400],
    ["100000 levels of arrays", nested(100_000), 400],
    [
      "10000 levels of arrays in the component's securityContext (copied to the agent)",
      withRaw(
        example("predictor-raw"),
        (pod) => {
          pod.spec.containers[0].securityContext = "@RAW@";
        },
        `{"x":${nested(10_000)}}`,
      ),
      400,
    ],
    [
      "20000 levels of objects in an unread pod field",
      withRaw(
        example("predictor-raw"),
        (pod) => {
          pod.spec.extra = "@RAW@";
        },
        nestedObjects(20_000),
      ),
      400,
    ],
    [
      "10000 levels inside SERVING_READINESS_PROBE",
      JSON.stringify(
        (() => {
          const review = example("predictor-serverless");
          const queue = review.request.object.spec.containers.find(
            (c: { name: string }) => c.name === "queue-proxy",
          );
          const entry = queue.env.find((e: { name: string }) => e.name === "SERVING_READINESS_PROBE");
          entry.value = `[${entry.value},${nested(10_000)}]`;
          return review;
        })(),
      ),
      "patch",
    ],
    [
      "10000 levels inside ISTIO_KUBE_APP_PROBERS",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers[0].readinessProbe = {
            httpGet: { port: 15020, path: "/app-health/kserve-container/readyz" },
          };
          pod.spec.containers.push({
            name: "istio-proxy",
            env: [
              {
                name: "ISTIO_KUBE_APP_PROBERS",
                value: `{"/app-health/kserve-container/readyz":{"tcpSocket":{"port":8080},"x":${nested(10_000)}}}`,
              },
            ],
          });
        }),
      ),
      "patch",
    ],
    [
      "a huge array of containers",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers = [
            ...pod.spec.containers,
            ...Array.from({ length: 5000 }, (_, i) => ({ name: `c${i}` })),
          ];
        }),
      ),
      "patch",
    ],
    ["a huge array as the body", `[${Array.from({ length: 50_000 }, () => "{}").join(",")}]`, 400],
    [
      "a huge env array",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers[0].env = Array.from({ length: 5_000 }, (_, i) => ({
            name: `E${i}`,
            value: "v",
          }));
        }),
      ),
      "patch",
    ],
    [
      "a string for the metadata",
      JSON.stringify(
        rawWith((pod) => {
          pod.metadata = "m";
        }),
      ),
      400,
    ],
    [
      "a number for the labels",
      JSON.stringify(
        rawWith((pod) => {
          pod.metadata.labels = 5;
        }),
      ),
      400,
    ],
    [
      "an array for the annotations",
      JSON.stringify(
        rawWith((pod) => {
          pod.metadata.annotations = ["a"];
        }),
      ),
      400,
    ],
    [
      "a string for the spec",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec = "s";
        }),
      ),
      400,
    ],
    [
      "numbers for containers",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers = [1, 2];
        }),
      ),
      400,
    ],
    [
      "a string for a probe",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers[0].readinessProbe = "p";
        }),
      ),
      400,
    ],
    [
      "a number for httpGet",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers[0].readinessProbe = { httpGet: 5 };
        }),
      ),
      400,
    ],
    [
      "a string for the env",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers[0].env = "PORT=1";
        }),
      ),
      400,
    ],
    [
      "a string containerPort",
      JSON.stringify(
        rawWith((pod) => {
          pod.spec.containers[0].ports = [{ containerPort: "80" }];
        }),
      ),
      400,
    ],
    [
      "null for the object",
      JSON.stringify({
        ...example("predictor-raw"),
        request: { ...example("predictor-raw").request, object: null },
      }),
      400,
    ],
    [
      "__proto__ and constructor at the top",
      `${PROTO.slice(0, -1)},${JSON.stringify(example("predictor-raw")).slice(1)}`,
      "patch",
    ],
    [
      "__proto__ and constructor in the request",
      withRaw(
        example("predictor-raw"),
        (pod) => {
          pod.spec.containers[0].securityContext = "@RAW@";
        },
        PROTO,
      ),
      "patch",
    ],
    [
      "__proto__ and constructor in the pod",
      replaceOnce(JSON.stringify(example("predictor-raw")), '"object":{', `"object":${PROTO.slice(0, -1)},`),
      "patch",
    ],
    [
      "__proto__ and constructor as objects in the labels",
      replaceOnce(JSON.stringify(example("predictor-raw")), '"labels":{', `"labels":${PROTO.slice(0, -1)},`),
      400,
    ],
    [
      "__proto__ and constructor as strings in the labels and annotations",
      replaceOnce(
        replaceOnce(
          JSON.stringify(example("predictor-raw")),
          '"labels":{',
          '"labels":{"__proto__":"x","constructor":"y",',
        ),
        '"annotations":{',
        '"annotations":{"__proto__":"x","constructor":"y","prototype":"z",',
      ),
      "patch",
    ],
    [
      "__proto__ and constructor as objects in the annotations",
      replaceOnce(
        JSON.stringify(example("predictor-raw")),
        '"annotations":{',
        `"annotations":${PROTO.slice(0, -1)},`,
      ),
      400,
    ],
    [
      "__proto__ in a container",
      replaceOnce(
        JSON.stringify(example("predictor-raw")),
        '"containers":[{',
        '"containers":[{"__proto__":{"name":"agent","readinessProbe":{"exec":{}}},',
      ),
      "patch",
    ],
    [
      "__proto__ in ISTIO_KUBE_APP_PROBERS and SERVING_READINESS_PROBE",
      JSON.stringify(
        (() => {
          const review = example("predictor-serverless");
          const queue = review.request.object.spec.containers.find(
            (c: { name: string }) => c.name === "queue-proxy",
          );
          const entry = queue.env.find((e: { name: string }) => e.name === "SERVING_READINESS_PROBE");
          entry.value = `[${PROTO},${entry.value}]`;
          review.request.object.spec.containers.push({
            name: "istio-proxy",
            env: [
              {
                name: "ISTIO_KUBE_APP_PROBERS",
                value: `{"__proto__":{"polluted":"yes"},"/app-health/kserve-container/readyz":${PROTO}}`,
              },
            ],
          });
          return review;
        })(),
      ),
      "patch",
    ],
  ];

  it.each(hostile)("%s", async (_, text, expected) => {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    const res = await post(text);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    if (expected === 400) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    } else {
      expect(res.status).toBe(200);
      const sent = JSON.parse(text);
      expectUsableReview(res.body, sent.request.uid, sent.request.object);
      expect(res.body.response.patch).toBeDefined();
    }
    expect({} as Record<string, unknown>).not.toHaveProperty("polluted");
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers deep nesting with a 400 that says so", async () => {
    const res = await post(hostile[2]?.[1] ?? "");
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/nested deeper than/);
  });

  it("still serves after all of them", async () => {
    const review = example("predictor-serverless");
    const res = await post(review);
    expect(res.status).toBe(200);
    expectUsableReview(res.body, review.request.uid, review.request.object);
  });
});

describe("log lines", () => {
  it("are one JSON line per request, with severity, never a token, never the pod", async () => {
    const before = logLines.length;
    const review = example("predictor-raw");
    await post(review, TOKEN_A);
    await post(review, TOKEN_B);
    for (const token of WRONG_TOKENS) await post(review, token);
    await supertest(server).get("/").set("Authorization", `Bearer ${TOKEN_A}`);
    const lines = logLines.slice(before);
    expect(lines).toHaveLength(2 + WRONG_TOKENS.length + 1);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(["DEBUG", "INFO", "WARNING", "ERROR"]).toContain(entry.severity);
      expect(typeof entry.durationMs).toBe("number");
      expect(line).not.toContain("containers");
      expect(line).not.toContain("sklearnserver");
    }
    const reviewed = JSON.parse(lines[0] ?? "{}");
    expect(reviewed).toMatchObject({
      severity: "INFO",
      uid: review.request.uid,
      namespace: "models",
      pod: review.request.object.metadata.generateName,
      decision: "patch",
      reason: expect.any(String),
      httpStatus: 200,
    });
    expect(JSON.parse(lines[2] ?? "{}")).toMatchObject({ severity: "WARNING", httpStatus: 401 });
  });

  it("never contain a token, presented or configured, over everything this file sent", () => {
    expect(logLines.length).toBeGreaterThan(20);
    const all = logLines.join("\n");
    for (const token of [TOKEN_A, TOKEN_B, ...WRONG_TOKENS, "tok-a", "tok-b"])
      expect(all).not.toContain(token);
  });
});

describe("the handler's log sink (createHandler)", () => {
  const settings = loadServerSettings({ WEBHOOK_TOKENS: TOKEN_A });
  const config = configFor({
    execProbe: "tcpSocket",
    queueProxyProbe: "unchanged",
    statusAnnotation: true,
    caBundle: "",
  });

  function call(deps: Parameters<typeof createHandler>[0], req: WebhookRequest) {
    const handler = createHandler(deps);
    const response = { status: 0, headers: {} as Record<string, string>, body: "" };
    handler(req, {
      writeHead: ((status: number, headers: Record<string, string>) => {
        response.status = status;
        response.headers = headers;
      }) as never,
      end: ((chunk?: string) => {
        response.body = chunk ?? "";
      }) as never,
    });
    return response;
  }

  it("gets the facts of each review and nothing of the token", () => {
    const entries: Parameters<LogSink>[0][] = [];
    const log: LogSink = (entry) => entries.push(entry);
    const review = example("predictor-raw");
    const headers = { authorization: `Bearer ${TOKEN_A}`, "content-type": "application/json" };
    const ok = call({ config, settings, log }, { method: "POST", headers, body: review });
    expect(ok.status).toBe(200);
    call(
      { config, settings, log },
      { method: "POST", headers: { ...headers, authorization: "Bearer nope" }, body: review },
    );
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ severity: "INFO", uid: review.request.uid, decision: "patch" });
    expect(entries[1]).toMatchObject({ severity: "WARNING", httpStatus: 401 });
    expect(JSON.stringify(entries)).not.toContain(TOKEN_A);
    expect(JSON.stringify(entries)).not.toContain("nope");
  });

  it("turns an unexpected failure into a 500 without a stack, logged with the uid", () => {
    const entries: Parameters<LogSink>[0][] = [];
    const broken = new Proxy(config, {
      get(target, key) {
        if (key === "agentInjector") throw new Error("boom");
        return Reflect.get(target, key);
      },
    });
    const review = example("predictor-raw");
    const res = call(
      { config: broken, settings, log: (entry) => entries.push(entry) },
      {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN_A}`, "content-type": "application/json" },
        body: review,
      },
    );
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: "internal error" });
    expect(entries).toEqual([
      expect.objectContaining({
        severity: "ERROR",
        uid: review.request.uid,
        message: "internal error: boom",
      }),
    ]);
  });
});

describe("the token digest", () => {
  it("is SHA-256 of the UTF-8 token (crypto.hash, checked against createHash)", () => {
    const sha256 = (token: string) => createHash("sha256").update(token, "utf8").digest();
    for (const token of ["", TOKEN_A, TOKEN_B, "é€😀", "a\u0000b", "x".repeat(10_000)]) {
      expect(tokenDigest(token)).toEqual(sha256(token));
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (token) => {
        expect(tokenDigest(token)).toEqual(sha256(token));
      }),
      { numRuns: 500 },
    );
  });
});

describe("the refusal to start", () => {
  it("throws without a token", () => {
    expect(() => loadServerSettings({})).toThrow(ConfigError);
    expect(() => loadServerSettings({})).toThrow(/WEBHOOK_TOKENS: no token configured/);
    expect(() => loadServerSettings({ WEBHOOK_TOKENS: " , ,, " })).toThrow(/WEBHOOK_TOKENS/);
  });

  it("starts without a token only when WEBHOOK_ALLOW_UNAUTHENTICATED=true", () => {
    const settings = loadServerSettings({ WEBHOOK_ALLOW_UNAUTHENTICATED: "true" });
    expect(settings).toMatchObject({ allowUnauthenticated: true, tokenDigests: [] });
    expect(() => loadServerSettings({ WEBHOOK_ALLOW_UNAUTHENTICATED: "false" })).toThrow(/WEBHOOK_TOKENS/);
    expect(() => loadServerSettings({ WEBHOOK_ALLOW_UNAUTHENTICATED: "yes" })).toThrow(
      /WEBHOOK_ALLOW_UNAUTHENTICATED: expected "true" or "false"/,
    );
  });

  it("reads comma-separated tokens, trimmed, as digests", () => {
    const settings = loadServerSettings({ WEBHOOK_TOKENS: ` ${TOKEN_A},${TOKEN_B} ,` });
    expect(settings.tokenDigests).toEqual([tokenDigest(TOKEN_A), tokenDigest(TOKEN_B)]);
    expect(settings.allowUnauthenticated).toBe(false);
  });

  it.each(["0", "-1", "1.5", "abc", "1e400"])("refuses MAX_REQUEST_BYTES=%s", (value) => {
    expect(() => loadServerSettings({ WEBHOOK_TOKENS: "t", MAX_REQUEST_BYTES: value })).toThrow(
      /MAX_REQUEST_BYTES/,
    );
  });

  it("names every bad variable in one error, and never a token", () => {
    let message = "";
    try {
      loadServerSettings({
        WEBHOOK_TOKENS: TOKEN_A,
        WEBHOOK_ALLOW_UNAUTHENTICATED: "maybe",
        MAX_REQUEST_BYTES: "x",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/WEBHOOK_ALLOW_UNAUTHENTICATED/);
    expect(message).toMatch(/MAX_REQUEST_BYTES/);
    expect(message).not.toContain(TOKEN_A);
  });

  it("stops the function itself at import when no token is set", async () => {
    vi.resetModules();
    process.env.WEBHOOK_TOKENS = "";
    delete process.env.WEBHOOK_ALLOW_UNAUTHENTICATED;
    await expect(import("../src/index.js")).rejects.toThrow(/WEBHOOK_TOKENS/);
  });

  it("starts unauthenticated with a warning when WEBHOOK_ALLOW_UNAUTHENTICATED=true", async () => {
    vi.resetModules();
    process.env.WEBHOOK_TOKENS = "";
    process.env.WEBHOOK_ALLOW_UNAUTHENTICATED = "true";
    const before = logLines.length;
    await import("../src/index.js");
    const warnings = logLines.slice(before).map((line) => JSON.parse(line));
    expect(warnings).toEqual([
      expect.objectContaining({
        severity: "WARNING",
        message: expect.stringMatching(/WEBHOOK_ALLOW_UNAUTHENTICATED/),
      }),
    ]);
  });
});
