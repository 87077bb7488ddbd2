import type { ContainerPort, Probe } from "kubernetes-types/core/v1.js";
import type { AgentInjectorOptions } from "../config/schema.js";
import { originalProbe } from "./istio.js";
import {
  handlerPort,
  numericPort,
  type ProbeKind,
  type ProbeTiming,
  probeKind,
  probeTiming,
  resolveNamedPort,
} from "./probe.js";

/**
 * What the agent gets in `SERVING_READINESS_PROBE` in raw mode (no queue-proxy), by the kind of
 * the component's readiness probe. The agent declares the variable required (kserve
 * `cmd/agent/main.go`), so every row yields a value:
 *
 * | component's readinessProbe      | SERVING_READINESS_PROBE                                   |
 * |---------------------------------|-----------------------------------------------------------|
 * | httpGet / tcpSocket, numeric    | the probe's JSON, unchanged (KServe parity)               |
 * | httpGet / tcpSocket, named port | the same, port resolved on the component; unknown: as exec|
 * | grpc                            | the probe's JSON, unchanged                               |
 * | exec                            | tcpSocket on the component port + the exec probe's timing |
 * |                                 | (`execProbe: "skip"`: the empty string)                   |
 * | none                            | tcpSocket on the component port                           |
 *
 * A probe rewritten by Istio is first replaced by the original Istio recorded.
 */

/** The component container, as the rules see it. */
export interface Component {
  readonly name: string;
  readonly readinessProbe: Probe | null | undefined;
  /** Its first port, or 8080. */
  readonly port: number;
  readonly ports: readonly ContainerPort[] | null | undefined;
}

/** The agent's side of readiness, and why. */
export interface Delegation {
  /** The value of the agent's `SERVING_READINESS_PROBE`. */
  readonly value: string;
  /** The probe the agent runs; undefined when it runs none (`skip`). */
  readonly probe: Probe | undefined;
  /** The kind of the component's own probe. */
  readonly kind: ProbeKind;
  /** One line for the status annotation, e.g. `exec -> tcpSocket:8080`. */
  readonly rule: string;
}

/** Applies the table above. Pure: neither the component nor its probe is changed. */
export function delegateReadiness(
  component: Component,
  options: Pick<AgentInjectorOptions, "execProbe">,
  istioProbers: Readonly<Record<string, Probe>> = {},
): Delegation {
  const kind = probeKind(component.readinessProbe);
  const { probe, fromIstio } = originalProbe(component.readinessProbe, istioProbers);
  const source = fromIstio ? `istio(${probeKind(probe)})` : kind;

  const tcp = (reason: string, timing: ProbeTiming): Delegation => {
    const delegated: Probe = { tcpSocket: { port: component.port }, ...timing };
    return {
      value: JSON.stringify(delegated),
      probe: delegated,
      kind,
      rule: `${reason} -> tcpSocket:${component.port}`,
    };
  };
  const asExec = (reason: string): Delegation =>
    options.execProbe === "skip"
      ? { value: "", probe: undefined, kind, rule: `${reason} -> skip` }
      : tcp(reason, probeTiming(probe));
  const asIs = (delegated: Probe, rule: string): Delegation => ({
    value: JSON.stringify(delegated),
    probe: delegated,
    kind,
    rule,
  });

  switch (probeKind(probe)) {
    case "none":
    case "unknown":
      return tcp(source, {});
    case "exec":
      return asExec(source);
    case "grpc":
      return asIs(probe as Probe, `${source} -> grpc:${probe?.grpc?.port}`);
    case "httpGet":
    case "tcpSocket":
      return withNumericPort(probe as Probe, component, source, asIs, asExec);
  }
}

function withNumericPort(
  probe: Probe,
  component: Component,
  source: string,
  asIs: (probe: Probe, rule: string) => Delegation,
  asExec: (reason: string) => Delegation,
): Delegation {
  const handler = probe.httpGet ? "httpGet" : "tcpSocket";
  const written = handlerPort(probe);
  const number = numericPort(written);
  if (number !== undefined && typeof written === "number") {
    return asIs(probe, `${source} -> ${handler}:${number}`);
  }
  const resolved =
    number ?? (typeof written === "string" ? resolveNamedPort(written, component.ports) : undefined);
  if (resolved === undefined) return asExec(`${source}(port ${JSON.stringify(written)} not found)`);
  const delegated: Probe = probe.httpGet
    ? { ...probe, httpGet: { ...probe.httpGet, port: resolved } }
    : { ...probe, tcpSocket: { ...probe.tcpSocket, port: resolved } };
  return asIs(delegated, `${source} -> ${handler}:${resolved} (port ${JSON.stringify(written)})`);
}
