/**
 * Go's `encoding/json` matches object keys to struct fields case-insensitively: an exact match
 * wins, else a case-folded one; unknown keys are ignored. KServe's own tests rely on it
 * (`"Image"`, `"CpuRequest"`), so the ConfigMap must be read the same way.
 */

/**
 * Returns a new object holding only the known `fields`, each taken from the key of `raw` that
 * Go would bind to it. Later keys win over earlier ones, as in Go. Non-objects yield `undefined`.
 */
export function foldKeys(raw: unknown, fields: readonly string[]): Record<string, unknown> | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const byFolded = new Map(fields.map((field) => [field.toLowerCase(), field]));
  const exact = new Set(fields);
  const out: Record<string, unknown> = {};
  const exactSeen = new Set<string>();
  for (const [key, value] of Object.entries(raw)) {
    if (exact.has(key)) {
      out[key] = value;
      exactSeen.add(key);
      continue;
    }
    const field = byFolded.get(key.toLowerCase());
    // An exact key binds its field for good; a folded key only fills a field no exact key has.
    if (field !== undefined && !exactSeen.has(field)) out[field] = value;
  }
  return out;
}
