import type { Probe } from "kubernetes-types/core/v1.js";
import {
  InferenceServiceDefaultAgentPort,
  NetworkProbeHeaderName,
  NetworkProbeHeaderValue,
} from "../constants.js";
import type { Delegation } from "./delegate.js";
import { probeTiming } from "./probe.js";

/**
 * The kubelet's readiness probe on the agent: `GET :9081` with `K-Network-Probe: queue`, which
 * the agent answers from its own prober (kserve `agent_injector.go`). The path follows the
 * delegated httpGet probe. The timing is the component probe's, so the kubelet never gives up on
 * the agent before the probe the agent wraps does; without a component probe, Kubernetes'
 * defaults, as in KServe.
 */
export function agentReadinessProbe(
  componentProbe: Probe | null | undefined,
  delegation: Pick<Delegation, "probe"> | undefined,
): Probe {
  return {
    httpGet: {
      path: delegation?.probe?.httpGet?.path || "/",
      port: InferenceServiceDefaultAgentPort,
      scheme: "HTTP",
      httpHeaders: [{ name: NetworkProbeHeaderName, value: NetworkProbeHeaderValue }],
    },
    ...probeTiming(componentProbe),
  };
}
