import jsonPatch, { type Operation } from "fast-json-patch";

// fast-json-patch is CommonJS: Node gives ESM importers its module.exports as the default.
const { compare } = jsonPatch;

/**
 * The one place a JSON Patch is made: an RFC 6902 diff from the request's raw object to the
 * mutated copy (as Pepr's `mutate-processor.ts` does), so the injector never thinks in patch
 * paths and fields our types do not know are never touched. Subtrees the injector did not
 * change are shared with the original, and `compare` skips them by identity.
 */
export function createPatch(original: object, mutated: object): Operation[] {
  return compare(original, mutated);
}

/** The `response.patch` field: base64 of the patch's JSON; undefined when there is nothing. */
export function encodePatch(operations: readonly Operation[]): string | undefined {
  if (operations.length === 0) return undefined;
  return Buffer.from(JSON.stringify(operations)).toString("base64");
}

export type { Operation };
