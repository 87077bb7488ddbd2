/**
 * The deepest nesting of objects and arrays the webhook reads, in a request body or in the JSON
 * that env values carry (`SERVING_READINESS_PROBE`, `ISTIO_KUBE_APP_PROBERS`). A Pod's deepest
 * field is about a dozen levels under the AdmissionReview. V8's `JSON.stringify` and
 * `structuredClone` recurse and overflow the stack at a few thousand levels, and the agent
 * container copies parts of the request, so anything deeper is refused before it is copied.
 */
export const MAX_NESTING_DEPTH = 100;

/** True when `value` nests objects or arrays more than `limit` levels deep. Iterative, so it cannot overflow. */
export function nestedDeeperThan(value: unknown, limit: number = MAX_NESTING_DEPTH): boolean {
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
