/**
 * Kubernetes resource quantities (k8s.io/apimachinery `resource.ParseQuantity`): a signed decimal
 * number with an optional binary-SI (Ki..Ei), decimal-SI (n, u, m, k, M..E) or exponent suffix.
 */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** True when `value` is a quantity the API server accepts. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The numeric value of a quantity (`"1Gi"` → 1073741824), or `undefined` if it is not one. */
export function quantityValue(value: string): number | undefined {
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const [, number = "", suffix = ""] = match;
  const scale = SUFFIX[suffix] ?? 10 ** Number(suffix.slice(1));
  return Number(number) * scale;
}
