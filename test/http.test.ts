import { readFileSync } from "node:fs";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import jsonPatch from "fast-json-patch";
import supertest from "supertest";
import { beforeAll, describe, expect, it, vi } from "vitest";

/** The function through the framework's own test server, as the API server would call it. */

const TOKEN = "test-token-http";
const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../examples/${name}.review.json`, import.meta.url), "utf8"));
let server: ReturnType<typeof getTestServer>;

beforeAll(async () => {
  process.env.WEBHOOK_TOKENS = TOKEN;
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  await import("../src/index.js");
  server = getTestServer("mutatePods");
});

const post = (body: unknown, path = "/?timeout=10s") =>
  supertest(server)
    .post(path)
    .set("Content-Type", "application/json")
    .set("Authorization", `Bearer ${TOKEN}`)
    .send(JSON.stringify(body));

describe("the token in the URL's last path segment (managed control planes)", () => {
  const review = example("predictor-raw");
  const postAt = (path: string) =>
    supertest(server).post(path).set("Content-Type", "application/json").send(JSON.stringify(review));

  it("is accepted like a bearer token, query string and all", async () => {
    const res = await postAt(`/kserve-agent-webhook/${TOKEN}?timeout=10s`);
    expect(res.status).toBe(200);
    expect(res.body.response.patchType).toBe("JSONPatch");
  });

  it.each([
    ["a wrong token", "/wrong-token?timeout=10s"],
    ["the token not last", `/${TOKEN}/more`],
    ["no path", "/?timeout=10s"],
  ])("%s gets 401", async (_name, path) => {
    const res = await postAt(path);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
  });

  it("does not count when an Authorization header says otherwise", async () => {
    const res = await postAt(`/${TOKEN}`).set("Authorization", "Basic Zm9vOmJhcg==");
    expect(res.status).toBe(401);
  });
});

describe("POST an AdmissionReview", () => {
  it("answers 200 with a JSON Patch that adds the agent", async () => {
    const review = example("predictor-raw");
    const res = await post(review);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: review.request.uid, allowed: true, patchType: "JSONPatch" },
    });
    const patch = JSON.parse(Buffer.from(res.body.response.patch, "base64").toString("utf8"));
    const pod = jsonPatch.applyPatch(structuredClone(review.request.object), patch, true, false).newDocument;
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(["kserve-container", "agent"]);
  });

  it("answers v1beta1 in v1beta1, on any path", async () => {
    const review = { ...example("predictor-raw"), apiVersion: "admission.k8s.io/v1beta1" };
    const res = await post(review, "/some/path?timeout=5s&x=y");
    expect(res.status).toBe(200);
    expect(res.body.apiVersion).toBe("admission.k8s.io/v1beta1");
  });

  it("answers 200 without a patch when there is nothing to do", async () => {
    const review = example("predictor-no-trigger");
    const res = await post(review);
    expect(res.status).toBe(200);
    expect(res.body.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("answers 200 without a patch for a non-Pod and for an UPDATE", async () => {
    const review = example("predictor-raw");
    const notPod = await post({
      ...review,
      request: { ...review.request, kind: { group: "apps", version: "v1", kind: "Deployment" } },
    });
    expect(notPod.body.response).toEqual({ uid: review.request.uid, allowed: true });
    const update = await post({ ...review, request: { ...review.request, operation: "UPDATE" } });
    expect(update.body.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("answers allowed: false with the reason in status.message for a pod it cannot inject", async () => {
    const review = example("predictor-agent-no-modeldir");
    const res = await post(review);
    expect(res.status).toBe(200);
    expect(res.body.response).toEqual({
      uid: review.request.uid,
      allowed: false,
      status: {
        code: 400,
        message:
          "annotation internal.serving.kserve.io/agent needs annotation internal.serving.kserve.io/modelDir",
      },
    });
  });

  it.each([
    ["no uid", (r: { request: Record<string, unknown> }) => delete r.request.uid, /^request\.uid: /],
    ["no object", (r: { request: Record<string, unknown> }) => delete r.request.object, /^request\.object: /],
    [
      "an array object",
      (r: { request: Record<string, unknown> }) => {
        r.request.object = [];
      },
      /^request\.object: /,
    ],
    [
      "not an AdmissionReview",
      (r: Record<string, unknown>) => {
        r.kind = "Pod";
      },
      /^kind: /,
    ],
    [
      "containers that are not a list",
      (r: { request: { object: { spec: Record<string, unknown> } } }) => {
        r.request.object.spec.containers = "x";
      },
      /^request\.object\.spec\.containers: /,
    ],
  ])("answers 400 naming the field for %s", async (_name, spoil, pattern) => {
    const review = example("predictor-raw");
    spoil(review);
    const res = await post(review);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(pattern);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it("never mutates in a way a second call would notice: the patched pod gets no second patch", async () => {
    const review = example("predictor-serverless");
    const first = await post(review);
    const patch = JSON.parse(Buffer.from(first.body.response.patch, "base64").toString("utf8"));
    const pod = jsonPatch.applyPatch(structuredClone(review.request.object), patch, true, false).newDocument;
    const second = await post({ ...review, request: { ...review.request, object: pod } });
    expect(second.body.response).toEqual({ uid: review.request.uid, allowed: true });
  });
});
