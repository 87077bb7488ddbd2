import type { EnvVar, Probe } from "kubernetes-types/core/v1.js";
import { IstioKubeAppProbersEnv, IstioStatusPort } from "../constants.js";
import { nestedDeeperThan } from "../json-depth.js";
import { probeTiming } from "./probe.js";

/**
 * Istio's sidecar injector rewrites app probes to `GET :15020/app-health/<container>/readyz` and
 * records the originals in the istio-proxy's `ISTIO_KUBE_APP_PROBERS` env, a JSON object keyed by
 * that path (istio `pkg/kube/inject/app_probe.go`). The agent cannot reach pilot-agent's view of
 * the original, so we hand it the original probe.
 */

/** Parses `ISTIO_KUBE_APP_PROBERS` from the istio-proxy's env; anything unreadable counts as none. */
export function istioAppProbers(env: readonly EnvVar[] | null | undefined): Record<string, Probe> {
  const raw = env?.find((entry) => entry.name === IstioKubeAppProbersEnv)?.value;
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (
      parsed !== null &&
      typeof parsed === "object" &&
      !Array.isArray(parsed) &&
      !nestedDeeperThan(parsed)
    ) {
      return parsed as Record<string, Probe>;
    }
  } catch {
    // Not JSON: as if Istio had recorded nothing.
  }
  return {};
}

/** The Istio app-health path a probe points at, or undefined when it is not Istio's rewrite. */
export function istioProbePath(probe: Probe | null | undefined): string | undefined {
  const get = probe?.httpGet;
  if (!get || get.port !== IstioStatusPort) return undefined;
  const path = get.path ?? "";
  return /^\/app-health\/[^/]+\/readyz$/.test(path) ? path : undefined;
}

/**
 * Undoes Istio's rewrite: the recorded original's handler, with the rewritten probe's timing
 * (what the kubelet runs) overlaid by whatever the record carries. Without a record, the probe
 * as it is (pilot-agent answers it inside the pod).
 */
export function originalProbe(
  probe: Probe | null | undefined,
  probers: Readonly<Record<string, Probe>>,
): { probe: Probe | null | undefined; fromIstio: boolean } {
  const path = istioProbePath(probe);
  const recorded = path === undefined ? undefined : probers[path];
  if (!isRecordedProbe(recorded)) return { probe, fromIstio: false };
  return { probe: { ...recorded, ...probeTiming(probe), ...probeTiming(recorded) }, fromIstio: true };
}

const isPort = (port: unknown): boolean => typeof port === "number" || typeof port === "string";
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * True for a record shaped as Istio writes them (`app_probe.go`, `Prober`): one httpGet,
 * tcpSocket or grpc handler with a port, and optional numbers. Anything else is no record, so
 * a malformed env value can never reach the agent's probe.
 */
function isRecordedProbe(value: unknown): value is Probe {
  if (!isObject(value)) return false;
  const { httpGet, tcpSocket, grpc } = value;
  const handlers = [httpGet, tcpSocket, grpc].filter((handler) => handler !== undefined);
  if (handlers.length !== 1) return false;
  if (httpGet !== undefined) {
    if (!isObject(httpGet) || !isPort(httpGet.port)) return false;
    if (httpGet.path !== undefined && typeof httpGet.path !== "string") return false;
  }
  if (tcpSocket !== undefined && (!isObject(tcpSocket) || !isPort(tcpSocket.port))) return false;
  if (grpc !== undefined && (!isObject(grpc) || typeof grpc.port !== "number")) return false;
  return Object.entries(value).every(
    ([key, field]) => ["httpGet", "tcpSocket", "grpc"].includes(key) || typeof field === "number",
  );
}
