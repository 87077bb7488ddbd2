import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { Operation } from "../../src/admission/patch.js";
import type { AdmissionReviewResponse } from "../../src/admission/review.js";
import { BUNDLED_CONFIG_PATH } from "../../src/config/load.js";
import {
  type AgentInjectorOptions,
  type InjectorConfig,
  parseConfigMapData,
} from "../../src/config/schema.js";

/** The bundled ConfigMap's `data`, as the function reads it at cold start. */
export function bundledConfigData(): Record<string, string> {
  const manifest = parseYaml(readFileSync(BUNDLED_CONFIG_PATH, "utf8")) as { data: Record<string, string> };
  return { ...manifest.data };
}

/** Knobs of the configuration that change what the injector does. */
export interface ConfigVariant extends AgentInjectorOptions {
  /** The logger's CA bundle ConfigMap; "" for none. */
  readonly caBundle: string;
}

/**
 * The bundled configuration with `variant` applied, parsed by {@link parseConfigMapData} as the
 * function parses it. Throws if the data does not parse: a test config must be valid.
 */
export function configFor(variant: ConfigVariant): InjectorConfig {
  const data = bundledConfigData();
  const logger = JSON.parse(data.logger ?? "{}") as Record<string, unknown>;
  if (variant.caBundle) logger.caBundle = variant.caBundle;
  data.logger = JSON.stringify(logger);
  data.agentInjector = JSON.stringify({
    execProbe: variant.execProbe,
    queueProxyProbe: variant.queueProxyProbe,
    statusAnnotation: variant.statusAnnotation,
  });
  const parsed = parseConfigMapData(data);
  if (parsed.errors.length > 0) throw new Error(`test config invalid: ${parsed.errors.join("; ")}`);
  return parsed.value;
}

/** Every combination of the configuration knobs. */
export function allConfigVariants(): ConfigVariant[] {
  const out: ConfigVariant[] = [];
  for (const execProbe of ["tcpSocket", "skip"] as const) {
    for (const queueProxyProbe of ["unchanged", "agent"] as const) {
      for (const statusAnnotation of [true, false]) {
        for (const caBundle of ["", "agent-ca-bundle"]) {
          out.push({ execProbe, queueProxyProbe, statusAnnotation, caBundle });
        }
      }
    }
  }
  return out;
}

/** An AdmissionReview request for creating `object`, shaped as the kube-apiserver sends it. */
export function admissionReview(
  object: unknown,
  options: { uid?: string; namespace?: string; operation?: string; dryRun?: boolean } = {},
): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: options.uid ?? "00000000-0000-4000-8000-000000000001",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: options.namespace ?? "models",
      operation: options.operation ?? "CREATE",
      userInfo: { username: "system:serviceaccount:kube-system:replicaset-controller" },
      object,
      oldObject: null,
      dryRun: options.dryRun ?? false,
    },
  };
}

/** The JSON Patch in a response, decoded; empty when the response carries none. */
export function decodePatch(response: AdmissionReviewResponse["response"]): Operation[] {
  if (response.patch === undefined) return [];
  const decoded: unknown = JSON.parse(Buffer.from(response.patch, "base64").toString("utf8"));
  if (!Array.isArray(decoded)) throw new Error("patch is not a JSON array");
  return decoded as Operation[];
}

/** A JSON round trip: what the API server sees of a value (undefined members dropped). */
export function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
