import { Pod as PodModel } from "kubernetes-models/v1/Pod";
import type { Container, Probe } from "kubernetes-types/core/v1.js";

/**
 * The problems the kube-apiserver would find in `pod`, as far as the webhook can cause them:
 * the OpenAPI schema (kubernetes-models' validator), then the rules of Kubernetes'
 * `ValidatePodSpec` that a schema cannot say: unique container and volume names, DNS-1123
 * names, mounts of declared volumes at distinct paths, one handler per probe, ports in range,
 * unique port names, env vars with at most one source. Null members count as absent, as Go's
 * decoder reads them. Empty when the pod is valid.
 */
export function podProblems(pod: unknown): string[] {
  const clean = withoutNulls(pod) as { spec?: { containers?: Container[]; initContainers?: Container[] } };
  const problems: string[] = [];
  try {
    new PodModel(clean as ConstructorParameters<typeof PodModel>[0]).validate();
  } catch (error) {
    problems.push(`schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  const spec = (clean as { spec?: Record<string, unknown> }).spec ?? {};
  const volumes = (spec.volumes as { name: string }[] | undefined) ?? [];
  const volumeNames = new Set<string>();
  for (const volume of volumes) {
    if (volumeNames.has(volume.name)) problems.push(`volume ${volume.name}: duplicate name`);
    volumeNames.add(volume.name);
    if (!isDnsLabel(volume.name)) problems.push(`volume ${volume.name}: not a DNS-1123 label`);
  }
  const containers = [
    ...((spec.initContainers as Container[] | undefined) ?? []),
    ...((spec.containers as Container[] | undefined) ?? []),
  ];
  const containerNames = new Set<string>();
  for (const container of containers) {
    const at = `container ${container.name}`;
    if (containerNames.has(container.name)) problems.push(`${at}: duplicate name`);
    containerNames.add(container.name);
    if (!isDnsLabel(container.name)) problems.push(`${at}: not a DNS-1123 label`);
    problems.push(...containerProblems(container, volumeNames).map((p) => `${at}: ${p}`));
  }
  return problems;
}

function containerProblems(container: Container, volumeNames: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const paths = new Set<string>();
  for (const mount of container.volumeMounts ?? []) {
    if (!volumeNames.has(mount.name)) problems.push(`mount of undeclared volume ${mount.name}`);
    if (paths.has(mount.mountPath)) problems.push(`two mounts at ${mount.mountPath}`);
    paths.add(mount.mountPath);
  }
  const portNames = new Set<string>();
  for (const port of container.ports ?? []) {
    if (!inPortRange(port.containerPort)) problems.push(`containerPort ${port.containerPort} out of range`);
    if (port.name !== undefined) {
      if (!isServiceName(port.name)) problems.push(`port name ${port.name} is not an IANA_SVC_NAME`);
      if (portNames.has(port.name)) problems.push(`port name ${port.name} used twice`);
      portNames.add(port.name);
    }
  }
  for (const entry of container.env ?? []) {
    if (entry.name === "") problems.push("env var without a name");
    if (entry.value !== undefined && entry.valueFrom !== undefined) {
      problems.push(`env ${entry.name}: value and valueFrom`);
    }
  }
  for (const field of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
    const probe = container[field];
    if (probe) problems.push(...probeProblems(probe).map((p) => `${field}: ${p}`));
  }
  return problems;
}

/** What Kubernetes' `validateHandler` and port rules say of one probe. */
export function probeProblems(probe: Probe): string[] {
  const handlers = (["httpGet", "tcpSocket", "grpc", "exec"] as const).filter((h) => probe[h]);
  if (handlers.length !== 1) return [`expected exactly one handler, found ${handlers.join(",") || "none"}`];
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
  if (probe.exec) return [];
  if (typeof port === "number") return inPortRange(port) ? [] : [`port ${port} out of range`];
  if (typeof port === "string" && !probe.grpc) {
    return isServiceName(port) ? [] : [`port ${JSON.stringify(port)} is not a port name`];
  }
  return [`port ${JSON.stringify(port)} is not a port`];
}

function inPortRange(port: unknown): boolean {
  return typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** RFC 1123 label, as Kubernetes checks container and volume names. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** IANA_SVC_NAME (RFC 6335), as Kubernetes checks port names. */
export function isServiceName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 15 &&
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) &&
    /[a-z]/.test(name) &&
    !name.includes("--")
  );
}

/** Kubernetes qualified name (label and annotation keys): `[prefix/]name`. */
export function isQualifiedName(key: string): boolean {
  const parts = key.split("/");
  const name = parts.pop() ?? "";
  if (parts.length > 1) return false;
  const prefix = parts[0];
  if (prefix !== undefined && (prefix.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix))) {
    return false;
  }
  return name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/** A copy of `value` with null members dropped, as Go's JSON decoder treats them. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== null)
      Object.defineProperty(out, key, {
        value: withoutNulls(member),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}
