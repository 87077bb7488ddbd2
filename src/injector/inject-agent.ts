import type { Container, EnvVar, Pod } from "kubernetes-types/core/v1.js";
import type { InjectorConfig } from "../config/schema.js";
import * as k from "../constants.js";
import { agentReadinessProbe } from "../probes/agent-probe.js";
import type { ProbeKind } from "../probes/probe.js";
import { type ArgsSource, batcherArgs, loggerArgs, pullerArgs } from "./args.js";
import { type ComponentContainer, findComponent } from "./component.js";
import { readinessPlan } from "./readiness.js";
import {
  appendVolumes,
  caBundleVolume,
  modelConfigVolume,
  modelDirVolume,
  type VolumeWithMount,
  withMount,
} from "./volumes.js";

/** What was done to a pod, recorded in its status annotation and in the logs. */
export interface InjectionStatus {
  /** The component container whose probe, port and securityContext were used. */
  component: string;
  /** `raw` (the agent probes the component) or `queue-proxy` (Knative's env is copied). */
  mode: "raw" | "queue-proxy";
  /** The kind of the component's readiness probe. */
  probe: ProbeKind;
  /** What the agent's SERVING_READINESS_PROBE became, and why. */
  readiness: string;
  /** What happened to the queue-proxy's own SERVING_READINESS_PROBE (queue-proxy mode). */
  queueProxyProbe?: string;
  /** The pod volumes the injection added. */
  volumes: string[];
  /** Present when the pod had no name and the agent reads it from the downward API. */
  sourceUri?: string;
}

/** The injector's answer: leave the pod, return a mutated copy, or refuse it with a reason. */
export type Injection =
  | { outcome: "unchanged"; reason: string }
  | { outcome: "injected"; pod: Pod; status: InjectionStatus }
  | { outcome: "refused"; reason: string };

/** Where the pod is being created; admission requests carry it when the pod does not. */
export interface InjectContext {
  readonly namespace?: string | undefined;
}

const has = (record: Readonly<Record<string, string>>, key: string): boolean => Object.hasOwn(record, key);

/**
 * Injects KServe's `agent` sidecar (kserve `agent_injector.go`, `InjectAgent`), with readiness
 * delegation that never leaves the agent without a probe. Pure: `pod` is never mutated; the
 * result shares every subtree it did not change, and keeps fields our types do not know.
 */
export function injectAgent(pod: Pod, config: InjectorConfig, context: InjectContext = {}): Injection {
  const annotations = pod.metadata?.annotations ?? {};
  const labels = pod.metadata?.labels ?? {};
  const logger = has(annotations, k.LoggerInternalAnnotationKey);
  const puller = has(annotations, k.AgentShouldInjectAnnotationKey);
  const batcher = has(annotations, k.BatcherInternalAnnotationKey);
  if (!logger && !puller && !batcher) {
    return { outcome: "unchanged", reason: "no logger, batcher or agent annotation" };
  }
  const containers = pod.spec?.containers ?? [];
  if (containers.some((c) => c.name === k.AgentContainerName)) {
    return { outcome: "unchanged", reason: "agent container already present" };
  }
  // Container names are unique across containers and init containers: a second "agent" would
  // make the pod invalid, so say why instead.
  if (pod.spec?.initContainers?.some((c) => c.name === k.AgentContainerName)) {
    return { outcome: "refused", reason: `an init container is already named ${k.AgentContainerName}` };
  }
  if (puller) {
    for (const needed of [k.AgentModelDirAnnotationKey, k.AgentModelConfigVolumeNameAnnotationKey]) {
      if (!has(annotations, needed)) {
        return {
          outcome: "refused",
          reason: `annotation ${k.AgentShouldInjectAnnotationKey} needs annotation ${needed}`,
        };
      }
    }
  }
  const component = findComponent(containers);
  if (!component) return { outcome: "refused", reason: "the pod has no containers" };

  const name = pod.metadata?.name ?? "";
  const podNameFromApi = logger && name === "";
  const source: ArgsSource = {
    annotations,
    labels,
    namespace: context.namespace || pod.metadata?.namespace || "",
    sourceUri: podNameFromApi ? `$(${k.PodNameEnv})` : name,
  };
  const args = [
    ...(puller ? pullerArgs(source) : []),
    ...(batcher ? batcherArgs(source) : []),
    ...(logger ? loggerArgs(source, config.logger) : []),
    k.AgentComponentPortArgName,
    String(component.port),
  ];

  const readiness = readinessPlan(containers, component, config);
  const mounts: VolumeWithMount[] = [
    ...(logger && config.logger.caBundle ? [caBundleVolume(config.logger.caBundle)] : []),
    ...(puller
      ? [modelDirVolume(), modelConfigVolume(annotations[k.AgentModelConfigVolumeNameAnnotationKey] ?? "")]
      : []),
  ];
  const agent = agentContainer(config, component, {
    args,
    env: podNameFromApi ? withPodNameEnv(readiness.agentEnv) : readiness.agentEnv,
    mounts,
    probe: agentReadinessProbe(component.readinessProbe, readiness.delegation),
  });

  const modelDir = puller ? modelDirVolume().mount : undefined;
  const mutatedContainers = containers.map((container, index) => {
    if (index === readiness.queueProxyIndex) return readiness.queueProxy ?? container;
    if (modelDir && container.name === k.InferenceServiceContainerName) {
      return withMount(container, modelDir);
    }
    return container;
  });
  mutatedContainers.push(agent);

  const status: InjectionStatus = {
    component: component.name,
    mode: readiness.queueProxyIndex === -1 ? "raw" : "queue-proxy",
    probe: readiness.kind,
    readiness: readiness.rule,
    ...(readiness.queueProxyRule ? { queueProxyProbe: readiness.queueProxyRule } : {}),
    volumes: mounts.map((m) => m.volume.name ?? ""),
    ...(podNameFromApi ? { sourceUri: `downward API ${k.PodNameEnv}` } : {}),
  };
  const spec = {
    ...pod.spec,
    containers: mutatedContainers,
    ...(mounts.length > 0
      ? {
          volumes: appendVolumes(
            pod.spec?.volumes,
            mounts.map((m) => m.volume),
          ),
        }
      : {}),
  };
  const metadata = config.agentInjector.statusAnnotation
    ? {
        ...pod.metadata,
        annotations: {
          ...annotations,
          [k.AgentInjectionStatusAnnotationKey]: JSON.stringify(status),
        },
      }
    : pod.metadata;
  return { outcome: "injected", pod: { ...pod, metadata, spec }, status };
}

/** Adds `POD_NAME` from the downward API, so `--source-uri $(POD_NAME)` names each replica. */
function withPodNameEnv(env: readonly EnvVar[]): EnvVar[] {
  const podName: EnvVar = {
    name: k.PodNameEnv,
    valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
  };
  const at = env.findIndex((e) => e.name === k.PodNameEnv);
  return at === -1 ? [...env, podName] : env.map((e, i) => (i === at ? podName : e));
}

interface AgentParts {
  args: string[];
  env: EnvVar[];
  mounts: readonly VolumeWithMount[];
  probe: Container["readinessProbe"];
}

/** The `agent` container (kserve `agent_injector.go`). */
function agentContainer(config: InjectorConfig, component: ComponentContainer, parts: AgentParts): Container {
  const { agent } = config;
  const securityContext = component.container.securityContext;
  return {
    name: k.AgentContainerName,
    image: agent.image,
    args: parts.args,
    ports: [{ name: k.AgentPortName, containerPort: k.InferenceServiceDefaultAgentPort, protocol: "TCP" }],
    env: parts.env,
    resources: {
      limits: { cpu: agent.cpuLimit, memory: agent.memoryLimit },
      requests: { cpu: agent.cpuRequest, memory: agent.memoryRequest },
    },
    ...(securityContext ? { securityContext: structuredClone(securityContext) } : {}),
    ...(parts.mounts.length > 0 ? { volumeMounts: parts.mounts.map((m) => m.mount) } : {}),
    readinessProbe: parts.probe,
  };
}
