import type { Probe } from "kubernetes-types/core/v1.js";
import {
  InferenceServiceDefaultAgentPort,
  NetworkProbeHeaderName,
  NetworkProbeHeaderValue,
} from "../constants.js";
import { nestedDeeperThan } from "../json-depth.js";
import { handlerPort, numericPort, probeTiming } from "./probe.js";

/**
 * Serverless mode: KServe moves the queue-proxy's `USER_PORT` to the agent (9081), but its
 * `SERVING_READINESS_PROBE` still probes the model server (kserve issue #5569). With
 * `queueProxyProbe: "agent"`, the entries that probe the user port are pointed at the agent:
 * "queue-proxy should send probes to agent while agent sends probes to kserve-container".
 *
 * The form follows the JSON: a list (Knative's multi-container probing) stays a list and only its
 * entries on the user port change; an object changes when its port is the user port. Each
 * rewritten entry keeps its own timing, `periodSeconds: 0` (Knative's aggressive probing)
 * included.
 */

/** The outcome: the new env value, or undefined when nothing was rewritten; and why. */
export interface QueueProxyProbeRewrite {
  readonly value: string | undefined;
  readonly rule: string;
}

/** The probe the queue-proxy runs against the agent, with `original`'s timing. */
export function queueProxyAgentProbe(original: Probe): Probe {
  return {
    httpGet: {
      host: "127.0.0.1",
      port: InferenceServiceDefaultAgentPort,
      path: "/",
      httpHeaders: [{ name: NetworkProbeHeaderName, value: NetworkProbeHeaderValue }],
    },
    ...probeTiming(original),
  };
}

/** Rewrites the queue-proxy's `SERVING_READINESS_PROBE` value to probe the agent. */
export function rewriteQueueProxyProbe(value: string | undefined, userPort: number): QueueProxyProbeRewrite {
  if (!value) return { value: undefined, rule: "no SERVING_READINESS_PROBE: unchanged" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { value: undefined, rule: "SERVING_READINESS_PROBE is not JSON: unchanged" };
  }
  if (nestedDeeperThan(parsed)) {
    return { value: undefined, rule: "SERVING_READINESS_PROBE is nested too deep: unchanged" };
  }
  const onUserPort = (entry: unknown): entry is Probe =>
    entry !== null && typeof entry === "object" && numericPort(handlerPort(entry as Probe)) === userPort;

  if (Array.isArray(parsed)) {
    const hits = parsed.filter(onUserPort).length;
    if (hits === 0) return { value: undefined, rule: `no entry on user port ${userPort}: unchanged` };
    const rewritten = parsed.map((entry) => (onUserPort(entry) ? queueProxyAgentProbe(entry) : entry));
    return {
      value: JSON.stringify(rewritten),
      rule: `${hits} of ${parsed.length} entries :${userPort} -> agent:${InferenceServiceDefaultAgentPort}`,
    };
  }
  if (!onUserPort(parsed)) return { value: undefined, rule: `no probe on user port ${userPort}: unchanged` };
  return {
    value: JSON.stringify(queueProxyAgentProbe(parsed)),
    rule: `:${userPort} -> agent:${InferenceServiceDefaultAgentPort}`,
  };
}
