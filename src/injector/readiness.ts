import type { Container, EnvVar } from "kubernetes-types/core/v1.js";
import type { InjectorConfig } from "../config/schema.js";
import * as k from "../constants.js";
import { type Delegation, delegateReadiness } from "../probes/delegate.js";
import { istioAppProbers } from "../probes/istio.js";
import { numericPort, type ProbeKind, probeKind } from "../probes/probe.js";
import { rewriteQueueProxyProbe } from "../probes/queue-proxy.js";
import type { ComponentContainer } from "./component.js";

/** How readiness is wired: the agent's env, and the queue-proxy's container when it changes. */
export interface ReadinessPlan {
  agentEnv: EnvVar[];
  delegation: Delegation | undefined;
  kind: ProbeKind;
  rule: string;
  queueProxyIndex: number;
  queueProxy?: Container;
  queueProxyRule?: string;
}

/** Raw mode delegates the component's probe; queue-proxy mode copies Knative's env. */
export function readinessPlan(
  containers: readonly Container[],
  component: ComponentContainer,
  config: InjectorConfig,
): ReadinessPlan {
  const queueProxyIndex = containers.findIndex((c) => c.name === k.QueueProxyContainerName);
  const istio = containers.find((c) => c.name === k.IstioProxyContainerName);
  const delegate = () => delegateReadiness(component, config.agentInjector, istioAppProbers(istio?.env));
  const queueProxy = containers[queueProxyIndex];
  if (!queueProxy) {
    const delegation = delegate();
    return {
      agentEnv: [{ name: k.ServingReadinessProbeEnv, value: delegation.value }],
      delegation,
      kind: delegation.kind,
      rule: delegation.rule,
      queueProxyIndex,
    };
  }

  // The agent's env is a copy of the queue-proxy's, taken before USER_PORT moves to the agent.
  const queueEnv = queueProxy.env ?? [];
  const agentEnv = [...queueEnv];
  let rule = "copied from queue-proxy";
  if (!queueEnv.some((e) => e.name === k.ServingReadinessProbeEnv)) {
    // Knative always sets it; without it the agent would exit at start.
    const delegation = delegate();
    agentEnv.push({ name: k.ServingReadinessProbeEnv, value: delegation.value });
    rule = `queue-proxy has none: ${delegation.rule}`;
  }
  const userPortEntry = queueEnv.find((e) => e.name === k.UserPortEnv);
  const userPort = numericPort(userPortEntry?.value) ?? component.port;
  const rewrite =
    config.agentInjector.queueProxyProbe === "agent"
      ? rewriteQueueProxyProbe(queueEnv.find((e) => e.name === k.ServingReadinessProbeEnv)?.value, userPort)
      : { value: undefined, rule: "unchanged" };
  const newQueueEnv = queueEnv.map((entry) => {
    if (entry.name === k.UserPortEnv) {
      return { ...entry, value: String(k.InferenceServiceDefaultAgentPort) };
    }
    if (entry.name === k.ServingReadinessProbeEnv && rewrite.value !== undefined) {
      return { ...entry, value: rewrite.value };
    }
    return entry;
  });
  const changed = newQueueEnv.some((entry, i) => entry !== queueEnv[i]);
  return {
    agentEnv,
    delegation: undefined,
    kind: probeKind(component.readinessProbe),
    rule,
    queueProxyIndex,
    ...(changed ? { queueProxy: { ...queueProxy, env: newQueueEnv } } : {}),
    queueProxyRule: rewrite.rule,
  };
}
