import { quantityValue } from "../../src/config/quantity.js";

/**
 * The comparison rules of test/conformance/kserve/README.md: Go omits zero values, quantities
 * compare by value, probes compare after Kubernetes defaulting, SERVING_READINESS_PROBE compares
 * as parsed JSON.
 */

const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
const PROBE_KEYS = new Set(["readinessProbe", "livenessProbe", "startupProbe"]);

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value as object).length === 0;
  return false;
}

/** A probe with Kubernetes' defaults filled in, zero values dropped. */
export function defaultProbe(probe: unknown): unknown {
  if (probe === null || typeof probe !== "object") return probe;
  return normalize({ ...PROBE_DEFAULTS, ...dropZero(probe as Record<string, unknown>) });
}

function dropZero(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => !isEmpty(v)));
}

/** Normalizes a pod spec (or any part of one) for comparison. */
export function normalize(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => normalize(item));
    return items.length === 0 ? undefined : items;
  }
  if (value === null || typeof value !== "object") return isEmpty(value) ? undefined : value;
  const record = value as Record<string, unknown>;
  if (key === "emptyDir") return { emptyDir: "present" };
  if (key === "limits" || key === "requests") {
    return Object.fromEntries(
      Object.entries(record).map(([name, q]) => [name, typeof q === "string" ? quantityValue(q) : q]),
    );
  }
  if (record.name === "SERVING_READINESS_PROBE" && typeof record.value === "string") {
    return { name: record.name, value: record.value === "" ? "" : defaultProbe(JSON.parse(record.value)) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const n = PROBE_KEYS.has(k) ? defaultProbe(v) : normalize(v, k);
    if (n !== undefined && !isEmpty(n)) out[k] = n;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
