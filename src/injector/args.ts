import type { LoggerConfig } from "../config/schema.js";
import * as k from "../constants.js";

/** The pod fields the agent's arguments come from. */
export interface ArgsSource {
  readonly annotations: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
  /** The value of `--source-uri`: the pod's name, or `$(POD_NAME)` for a pod without one. */
  readonly sourceUri: string;
}

/** Model puller: `--enable-puller [--config-dir DIR] [--model-dir DIR]`. */
export function pullerArgs({ annotations }: ArgsSource): string[] {
  return [
    k.AgentEnableFlag,
    ...optional(k.AgentConfigDirArgName, annotations[k.AgentModelConfigMountPathAnnotationKey]),
    ...optional(k.AgentModelDirArgName, annotations[k.AgentModelDirAnnotationKey]),
  ];
}

/** Batcher: `--enable-batcher [--max-batchsize N] [--max-latency MS]`, in that order. */
export function batcherArgs({ annotations }: ArgsSource): string[] {
  return [
    k.BatcherEnableFlag,
    ...optional(k.BatcherArgumentMaxBatchSize, annotations[k.BatcherMaxBatchSizeInternalAnnotationKey]),
    ...optional(k.BatcherArgumentMaxLatency, annotations[k.BatcherMaxLatencyInternalAnnotationKey]),
  ];
}

/** Logger arguments, in KServe's order (kserve `agent_injector.go`, `InjectAgent`). */
export function loggerArgs(source: ArgsSource, logger: Readonly<LoggerConfig>): string[] {
  const { annotations, labels } = source;
  const storage = logger.storage;
  return [
    k.LoggerArgumentLogUrl,
    annotations[k.LoggerSinkUrlInternalAnnotationKey] ?? logger.defaultUrl,
    k.LoggerArgumentSourceUri,
    source.sourceUri,
    k.LoggerArgumentMode,
    annotations[k.LoggerModeInternalAnnotationKey] ?? k.LogAll,
    k.LoggerArgumentInferenceService,
    labels[k.InferenceServiceLabel] ?? "",
    k.LoggerArgumentNamespace,
    source.namespace,
    k.LoggerArgumentEndpoint,
    labels[k.KServiceEndpointLabel] ?? "",
    k.LoggerArgumentComponent,
    labels[k.KServiceComponentLabel] ?? "",
    ...optional(k.LoggerArgumentStorePath, storage?.path || undefined),
    ...optional(k.LoggerArgumentStoreFormat, storage?.parameters?.[k.LoggerFormatKey] || undefined),
    ...optional(k.LoggerArgumentMarshallerUrl, logger.marshallerUrl || undefined),
    ...optional(k.LoggerArgumentBatchSize, logger.batchSize > 0 ? String(logger.batchSize) : undefined),
    ...optional(k.LoggerArgumentBatchInterval, logger.batchInterval || undefined),
    ...optional(k.LoggerArgumentMetadataHeaders, annotations[k.LoggerMetadataHeadersInternalAnnotationKey]),
    ...optional(k.LoggerArgumentMetadataAnnotations, metadataAnnotations(annotations)),
    ...optional(k.LoggerArgumentCaCertFile, logger.caCertFile || undefined),
    k.LoggerArgumentTlsSkipVerify,
    String(logger.tlsSkipVerify),
  ];
}

/** `k=v` pairs of the annotations that the metadata-annotations annotation lists and the pod has. */
function metadataAnnotations(annotations: Readonly<Record<string, string>>): string | undefined {
  const listed = annotations[k.LoggerMetadataAnnotationsInternalAnnotationKey];
  if (listed === undefined) return undefined;
  return listed
    .split(",")
    .filter((key) => Object.hasOwn(annotations, key))
    .map((key) => `${key}=${annotations[key]}`)
    .join(",");
}

function optional(flag: string, value: string | undefined): string[] {
  return value === undefined ? [] : [flag, value];
}
