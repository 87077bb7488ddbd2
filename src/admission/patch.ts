import type { Operation } from "fast-json-patch";

/**
 * The one place a JSON Patch is made: an RFC 6902 diff from the request's raw object to the
 * mutated copy (as Pepr's `mutate-processor.ts` does), so the injector never thinks in patch
 * paths and fields our types do not know are never touched.
 *
 * The diff is fast-json-patch's `compare`, step for step (its `_generate` in `duplex.js`: same
 * walk, same operations, same order), less the one thing the webhook does not need: `compare`
 * deep-copies every added or replaced value through `JSON.parse(JSON.stringify(...))`, which for
 * the agent container cost more than the rest of a review. Here the operations hold the mutated
 * copy's own values, read-only. Subtrees the injector did not change are shared with the
 * original and skipped by identity. `test/bench-equivalence.test.ts` proves the result equals
 * `compare()` on a full deep copy.
 */
export function createPatch(original: object, mutated: object): Operation[] {
  const operations: Operation[] = [];
  generate(original as Json, mutated as Json, operations, "");
  return operations;
}

/** The `response.patch` field: base64 of the patch's JSON; undefined when there is nothing. */
export function encodePatch(operations: readonly Operation[]): string | undefined {
  if (operations.length === 0) return undefined;
  return Buffer.from(JSON.stringify(operations)).toString("base64");
}

export type { Operation };

type Json = Record<string, unknown> & { toJSON?: () => unknown };

function generate(mirror: Json, current: Json, operations: Operation[], path: string): void {
  if (current === mirror) return;
  const obj = (typeof current.toJSON === "function" ? current.toJSON() : current) as Json;
  const objIsArray = Array.isArray(obj);
  const mirrorIsArray = Array.isArray(mirror);
  // An array's keys are its indexes as strings (fast-json-patch's `_objectKeys`), made only when
  // one is read.
  const oldKeys = mirrorIsArray ? undefined : Object.keys(mirror);
  const newKeys = objIsArray ? undefined : Object.keys(obj);
  const oldCount = oldKeys ? oldKeys.length : (mirror as unknown as unknown[]).length;
  const newCount = newKeys ? newKeys.length : (obj as unknown as unknown[]).length;
  let deleted = false;
  // Backwards over the old keys, as `compare` does, so removals from an array run from its end.
  for (let t = oldCount - 1; t >= 0; t--) {
    const key = oldKeys ? (oldKeys[t] as string) : String(t);
    const oldVal = mirror[key];
    const newVal = obj[key];
    if (Object.hasOwn(obj, key) && !(newVal === undefined && oldVal !== undefined && !objIsArray)) {
      if (
        typeof oldVal === "object" &&
        oldVal !== null &&
        typeof newVal === "object" &&
        newVal !== null &&
        Array.isArray(oldVal) === Array.isArray(newVal)
      ) {
        generate(oldVal as Json, newVal as Json, operations, `${path}/${escapePathComponent(key)}`);
      } else if (oldVal !== newVal) {
        operations.push({
          op: "replace",
          path: `${path}/${escapePathComponent(key)}`,
          value: asJson(newVal),
        });
      }
    } else if (mirrorIsArray === objIsArray) {
      operations.push({ op: "remove", path: `${path}/${escapePathComponent(key)}` });
      deleted = true;
    } else {
      operations.push({ op: "replace", path, value: obj });
    }
  }
  if (!deleted && newCount === oldCount) return;
  for (let t = 0; t < newCount; t++) {
    const key = newKeys ? (newKeys[t] as string) : String(t);
    const newVal = obj[key];
    if (newVal !== undefined && !Object.hasOwn(mirror, key)) {
      operations.push({ op: "add", path: `${path}/${escapePathComponent(key)}`, value: asJson(newVal) });
    }
  }
}

/** `undefined` becomes `null`, as in an array's JSON (fast-json-patch's `_deepClone`). */
function asJson(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** RFC 6901: `~` is `~0` and `/` is `~1` in a path segment (`serving.kserve.io/...`). */
function escapePathComponent(key: string): string {
  if (key.indexOf("/") === -1 && key.indexOf("~") === -1) return key;
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}
