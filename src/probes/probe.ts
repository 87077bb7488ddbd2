import type { ContainerPort, Probe } from "kubernetes-types/core/v1.js";

/** The handler a probe uses; `none` when there is no probe, `unknown` when it names no handler. */
export type ProbeKind = "httpGet" | "tcpSocket" | "grpc" | "exec" | "none" | "unknown";

/** The probe fields that say when and how often, copied between probes as they are. */
export const TIMING_FIELDS = [
  "initialDelaySeconds",
  "timeoutSeconds",
  "periodSeconds",
  "successThreshold",
  "failureThreshold",
] as const;

export type ProbeTiming = Partial<Pick<Probe, (typeof TIMING_FIELDS)[number]>>;

/** Which handler `probe` uses. */
export function probeKind(probe: Probe | null | undefined): ProbeKind {
  if (probe === null || probe === undefined) return "none";
  if (probe.httpGet) return "httpGet";
  if (probe.tcpSocket) return "tcpSocket";
  if (probe.grpc) return "grpc";
  if (probe.exec) return "exec";
  return "unknown";
}

/** The timing fields that `probe` sets (absent and null ones are left out). */
export function probeTiming(probe: Probe | null | undefined): ProbeTiming {
  const timing: ProbeTiming = {};
  if (!probe) return timing;
  for (const field of TIMING_FIELDS) {
    const value = probe[field];
    if (typeof value === "number") timing[field] = value;
  }
  return timing;
}

/** A probe's target port as a number: numeric strings count, names do not. */
export function numericPort(port: number | string | null | undefined): number | undefined {
  if (typeof port === "number") return port;
  if (typeof port === "string" && /^\d+$/.test(port)) return Number(port);
  return undefined;
}

/** The port a probe's handler targets, as written (number or name). */
export function handlerPort(probe: Probe): number | string | undefined {
  return probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
}

/** The number of the container port called `name`, if any. */
export function resolveNamedPort(
  name: string,
  ports: readonly ContainerPort[] | null | undefined,
): number | undefined {
  return ports?.find((port) => port.name === name)?.containerPort;
}
