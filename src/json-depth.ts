/**
 * The deepest nesting of objects and arrays the webhook reads, in a request body or in the JSON
 * that env values carry (`SERVING_READINESS_PROBE`, `ISTIO_KUBE_APP_PROBERS`). A Pod's deepest
 * field is about a dozen levels under the AdmissionReview. V8's `JSON.stringify` and
 * `structuredClone` recurse and overflow the stack at a few thousand levels, and the agent
 * container copies parts of the request, so anything deeper is refused before it is copied.
 */
export const MAX_NESTING_DEPTH = 100;

/**
 * True when `value` nests objects or arrays more than `limit` levels deep. Iterative, so it cannot
 * overflow. It runs on every request body, so it allocates nothing per node: two plain stacks,
 * arrays walked by index and objects by their own enumerable keys (`for...in` with `hasOwn`), the
 * members `Object.values` would give for parsed JSON, without an array per node.
 */
export function nestedDeeperThan(value: unknown, limit: number = MAX_NESTING_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  for (let node = nodes.pop(); node !== undefined; node = nodes.pop()) {
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (child !== null && typeof child === "object") {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue;
        const child: unknown = (node as Record<string, unknown>)[key];
        if (child !== null && typeof child === "object") {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
