import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import jsonPatch from "fast-json-patch";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { createPatch, encodePatch } from "../src/admission/patch.js";
import {
  AdmissionReviewSchema,
  interpretedSchemas,
  PodMetadataSchema,
  PodSpecSchema,
} from "../src/admission/schema.js";
import { loadInjectorConfig } from "../src/config/load.js";
import { injectAgent } from "../src/injector/inject-agent.js";
import { MAX_NESTING_DEPTH, nestedDeeperThan } from "../src/json-depth.js";
import { pod } from "./helpers/pods.js";
import { admissionReview, allConfigVariants, configFor } from "./helpers/reviews.js";

/**
 * The shortcuts `npm run bench` measures must change nothing but the time they take (issue 5):
 * the patch is fast-json-patch's `compare()` on a full deep copy of the mutated pod, and the
 * compiled schemas answer as zod's interpreter does, errors included, and the nesting check
 * answers as the plain walk it replaced.
 */

const { compare } = jsonPatch;
const RUNS = { seed: 20250501, numRuns: 400 } as const;

type Json = Record<string, unknown>;

/** What a patch says once it is JSON, which is all the API server ever sees of it. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Our patch and `compare()`'s on a full copy: the same operations, the same bytes. */
function expectSamePatch(original: object, mutated: object): void {
  const ours = createPatch(original, mutated);
  const reference = compare(original, structuredClone(mutated));
  expect(asJson(ours)).toStrictEqual(asJson(reference));
  expect(encodePatch(ours)).toBe(encodePatch(reference));
}

const config = loadInjectorConfig();
const variants = allConfigVariants().map((variant) => configFor(variant));

const examples = readdirSync(new URL("../examples/", import.meta.url))
  .filter((name) => name.endsWith(".pod.json"))
  .map((name) => [name, JSON.parse(readFileSync(new URL(`../examples/${name}`, import.meta.url), "utf8"))]);

/** Any JSON-like value, `undefined` members included, with odd keys among the ordinary ones. */
const { value: jsonish } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, undefined, true, false, 0, -1, 1.5, "", "a", "~/"),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "a/b", "~0", "__proto__", "0", "1"), tie("value"), {
      maxKeys: 4,
    }),
  ),
}));
const objectish = fc.dictionary(fc.constantFrom("a", "b", "c", "d/e", "f~g", "0"), jsonish, { maxKeys: 5 });

/** `value` with the member at `path` set to `replacement` (or deleted), copying only that path. */
function edit(value: unknown, path: readonly number[], replacement: unknown, remove: boolean): unknown {
  if (value === null || typeof value !== "object") return replacement;
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  if (keys.length === 0) return remove ? value : Array.isArray(value) ? [replacement] : { z: replacement };
  const [step = 0, ...rest] = path;
  const key = keys[step % keys.length] as string | number;
  const child = (value as Json)[key];
  if (rest.length === 0 || child === null || typeof child !== "object") {
    if (Array.isArray(value)) {
      const copy = [...value];
      if (remove) copy.splice(key as number, 1);
      else copy[key as number] = replacement;
      return copy;
    }
    const copy: Json = { ...value };
    if (remove) delete copy[key];
    else copy[key] = replacement;
    return copy;
  }
  const updated = edit(child, rest, replacement, remove);
  return Array.isArray(value)
    ? value.map((item, i) => (i === key ? updated : item))
    : { ...value, [key]: updated };
}

describe("createPatch equals compare() on a full copy", () => {
  it.each(examples)("the injection of %s", (_name, example) => {
    for (const variantConfig of [config, ...variants]) {
      const injection = injectAgent(example as Pod, variantConfig, { namespace: "models" });
      if (injection.outcome === "injected") expectSamePatch(example, injection.pod);
    }
  });

  it("the injection of every generated pod, in every configuration", () => {
    fc.assert(
      fc.property(
        pod({ isvcLabel: fc.constant(true) }),
        fc.constantFrom(...variants),
        (object, variantConfig) => {
          const injection = injectAgent(object as Pod, variantConfig, { namespace: "models" });
          if (injection.outcome === "injected") expectSamePatch(object, injection.pod);
          expect(createPatch(object, structuredClone(object))).toStrictEqual([]);
        },
      ),
      RUNS,
    );
  });

  it("any two objects", () => {
    fc.assert(
      fc.property(objectish, objectish, (a, b) => expectSamePatch(a, b)),
      RUNS,
    );
  });

  it("an object and a structurally shared edit of it", () => {
    fc.assert(
      fc.property(
        objectish,
        fc.array(
          fc.record({
            path: fc.array(fc.nat(6), { minLength: 1, maxLength: 4 }),
            value: jsonish,
            remove: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (original, edits) => {
          let mutated: unknown = original;
          for (const e of edits) mutated = edit(mutated, e.path, e.value, e.remove);
          if (mutated !== null && typeof mutated === "object") expectSamePatch(original, mutated);
        },
      ),
      RUNS,
    );
  });

  it("escapes `~` and `/` in keys as RFC 6901 says", () => {
    const original = { metadata: { annotations: { "a~b/c": "1" } } };
    const mutated = { metadata: { annotations: { "a~b/c": "2", "serving.kserve.io/x": "3" } } };
    expect(createPatch(original, mutated)).toStrictEqual([
      { op: "replace", path: "/metadata/annotations/a~0b~1c", value: "2" },
      { op: "add", path: "/metadata/annotations/serving.kserve.io~1x", value: "3" },
    ]);
  });
});

/** `value` with the member at `path` (indexes into each level's keys) replaced by `replacement`. */
const corrupted = (base: fc.Arbitrary<Json>) =>
  fc
    .tuple(
      base,
      fc.array(fc.nat(20), { minLength: 1, maxLength: 7 }),
      fc.constantFrom<unknown>(null, undefined, 1.5, -1, "x", "", [], {}, true, [1], { port: "a" }, 2 ** 60),
    )
    .map(([object, path, replacement]) => edit(object, path, replacement, false));

function expectSameParse(schema: keyof typeof interpretedSchemas, input: unknown): void {
  const compiled = { AdmissionReviewSchema, PodMetadataSchema, PodSpecSchema }[schema].safeParse(input);
  const interpreted = interpretedSchemas[schema].safeParse(input);
  expect(compiled.success).toBe(interpreted.success);
  expect(compiled.data).toStrictEqual(interpreted.data);
  expect(compiled.error?.issues).toStrictEqual(interpreted.error?.issues);
}

describe("the compiled schemas answer as zod's interpreter", () => {
  it.each(examples)("%s", (_name, example) => {
    expectSameParse("PodMetadataSchema", example);
    expectSameParse("PodSpecSchema", example);
    expectSameParse("AdmissionReviewSchema", admissionReview(example));
  });

  it("for generated pods, valid or corrupted anywhere", () => {
    fc.assert(
      fc.property(fc.oneof(pod(), corrupted(pod())), (object) => {
        expectSameParse("PodMetadataSchema", object);
        expectSameParse("PodSpecSchema", object);
      }),
      RUNS,
    );
  });

  it("for generated AdmissionReviews, valid or corrupted anywhere", () => {
    const reviews = pod().map((object) => admissionReview(object));
    fc.assert(
      fc.property(fc.oneof(reviews, corrupted(reviews), jsonish), (body) => {
        expectSameParse("AdmissionReviewSchema", body);
      }),
      RUNS,
    );
  });
});

/** The nesting check as first written: one object per node and `Object.values`. */
function nestedDeeperThanReference(value: unknown, limit: number = MAX_NESTING_DEPTH): boolean {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth } = item;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === "object") stack.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

/** `value` wrapped `levels` times, in objects or arrays as `shape` says, level by level. */
function nest(value: unknown, shape: readonly boolean[]): unknown {
  return shape.reduce<unknown>((inner, inArray) => (inArray ? [1, inner] : { a: 1, b: inner }), value);
}

describe("nestedDeeperThan answers as the plain walk", () => {
  it("for any JSON value, at any limit", () => {
    fc.assert(
      fc.property(jsonish, fc.integer({ min: 0, max: 6 }), (value, limit) => {
        expect(nestedDeeperThan(value, limit)).toBe(nestedDeeperThanReference(value, limit));
      }),
      RUNS,
    );
  });

  it("at the default limit, one level either side", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: MAX_NESTING_DEPTH - 2, maxLength: MAX_NESTING_DEPTH + 2 }),
        fc.oneof(jsonish, pod()),
        (shape, inner) => {
          const value = nest(inner, shape);
          expect(nestedDeeperThan(value)).toBe(nestedDeeperThanReference(value));
        },
      ),
      { ...RUNS, numRuns: 100 },
    );
  });

  it("counts own members only, as Object.values does", () => {
    const deep = nest(1, Array(MAX_NESTING_DEPTH + 1).fill(false));
    const value = { a: Object.assign(Object.create({ inherited: deep }), { own: { b: 1 } }) };
    expect(nestedDeeperThanReference(value)).toBe(false);
    expect(nestedDeeperThan(value)).toBe(false);
  });

  it.each(examples)("for %s in its AdmissionReview", (_name, example) => {
    const body = admissionReview(example);
    expect(nestedDeeperThan(body)).toBe(false);
    expect(nestedDeeperThan(body, 3)).toBe(nestedDeeperThanReference(body, 3));
    expect(nestedDeeperThan(nest(body, Array(MAX_NESTING_DEPTH).fill(false)))).toBe(true);
  });
});
