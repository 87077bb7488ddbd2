import { applyPatch, Pointer } from "rfc6902";
import type { Operation } from "../../src/admission/patch.js";

/**
 * Applies `operations` to a copy of `document` the way the kube-apiserver does (RFC 6902), with
 * a JSON Patch implementation other than the one that made the patch (rfc6902, not
 * fast-json-patch), so a quirk shared by maker and checker cannot hide. Stricter than rfc6902 on
 * its own: every parent must exist, an array index must be in range and written canonically, and
 * a replaced or removed member must be there. Throws on the first problem.
 */
export function applyStrict<T>(document: T, operations: readonly Operation[]): T {
  const copy = structuredClone(document);
  for (const [index, operation] of operations.entries()) {
    checkOperation(copy, operation, index);
    const [error] = applyPatch(copy, [operation as Parameters<typeof applyPatch>[1][number]]);
    if (error) throw new Error(`operation ${index} (${operation.op} ${operation.path}): ${error.message}`);
  }
  return copy;
}

function checkOperation(document: unknown, operation: Operation, index: number): void {
  const where = `operation ${index} (${operation.op} ${operation.path})`;
  if (!["add", "remove", "replace"].includes(operation.op)) {
    throw new Error(`${where}: only add, remove and replace are expected from a diff`);
  }
  checkEscaping(operation.path, where);
  const tokens = Pointer.fromJSON(operation.path).tokens.slice(1);
  // rfc6902 skips these tokens (its guard against prototype pollution) instead of following
  // them, so it would apply such an operation somewhere else: say so rather than check wrongly.
  const skipped = tokens.find((token) => RFC6902_SKIPS.has(token));
  if (skipped !== undefined) throw new Error(`${where}: rfc6902 cannot follow a ${skipped} key`);
  const last = tokens.pop();
  if (last === undefined) throw new Error(`${where}: the whole document is never replaced`);
  let parent: unknown = document;
  for (const token of tokens) {
    parent = child(parent, token);
    if (parent === undefined) throw new Error(`${where}: missing parent at ${token}`);
  }
  if (parent === null || typeof parent !== "object") throw new Error(`${where}: parent is not a container`);
  if (Array.isArray(parent)) {
    const canonical = /^(0|[1-9][0-9]*)$/.test(last);
    const at = Number(last);
    const limit = operation.op === "add" ? parent.length : parent.length - 1;
    if (!(last === "-" && operation.op === "add") && (!canonical || at > limit)) {
      throw new Error(`${where}: index ${last} out of range for length ${parent.length}`);
    }
    return;
  }
  if (operation.op !== "add" && !Object.hasOwn(parent, last)) {
    throw new Error(`${where}: no member ${JSON.stringify(last)} to ${operation.op}`);
  }
}

const RFC6902_SKIPS = new Set(["__proto__", "constructor", "prototype"]);

/** `~` is only ever `~0` or `~1` in a JSON Pointer (RFC 6901). */
function checkEscaping(path: string, where: string): void {
  if (/~(?![01])/.test(path)) throw new Error(`${where}: bad ~ escape`);
  if (path !== "" && !path.startsWith("/")) throw new Error(`${where}: a pointer starts with /`);
}

function child(parent: unknown, token: string): unknown {
  if (parent === null || typeof parent !== "object") return undefined;
  if (Array.isArray(parent)) return /^(0|[1-9][0-9]*)$/.test(token) ? parent[Number(token)] : undefined;
  return Object.hasOwn(parent, token) ? (parent as Record<string, unknown>)[token] : undefined;
}
