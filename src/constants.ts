/**
 * Names that mirror KServe's own constants (kserve `pkg/constants/constants.go` and
 * `pkg/webhook/admission/pod/agent_injector.go`), spelled as KServe spells them so both
 * codebases can be grepped side by side. Values that are ours, not KServe's, are at the end.
 */

// Labels set by KServe on InferenceService pods.
export const InferenceServiceLabel = "serving.kserve.io/inferenceservice";
export const KServiceComponentLabel = "component";
export const KServiceEndpointLabel = "endpoint";

// Trigger annotations (presence is what counts, as in KServe).
export const LoggerInternalAnnotationKey = "internal.serving.kserve.io/logger";
export const BatcherInternalAnnotationKey = "internal.serving.kserve.io/batcher";
export const AgentShouldInjectAnnotationKey = "internal.serving.kserve.io/agent";

// Logger annotations.
export const LoggerSinkUrlInternalAnnotationKey = "internal.serving.kserve.io/logger-sink-url";
export const LoggerModeInternalAnnotationKey = "internal.serving.kserve.io/logger-mode";
export const LoggerMetadataHeadersInternalAnnotationKey =
  "internal.serving.kserve.io/logger-metadata-headers";
export const LoggerMetadataAnnotationsInternalAnnotationKey =
  "internal.serving.kserve.io/logger-metadata-annotations";

// Batcher annotations.
export const BatcherMaxBatchSizeInternalAnnotationKey = "internal.serving.kserve.io/batcher-max-batchsize";
export const BatcherMaxLatencyInternalAnnotationKey = "internal.serving.kserve.io/batcher-max-latency";

// Model puller annotations.
export const AgentModelConfigVolumeNameAnnotationKey = "internal.serving.kserve.io/configVolumeName";
export const AgentModelConfigMountPathAnnotationKey = "internal.serving.kserve.io/configMountPath";
export const AgentModelDirAnnotationKey = "internal.serving.kserve.io/modelDir";

// Container names.
export const AgentContainerName = "agent";
export const InferenceServiceContainerName = "kserve-container";
export const TransformerContainerName = "transformer-container";
export const QueueProxyContainerName = "queue-proxy";
export const IstioProxyContainerName = "istio-proxy";

// Ports.
export const InferenceServiceDefaultHttpPort = 8080;
export const InferenceServiceDefaultAgentPort = 9081;
export const AgentPortName = "agent-port";

// Agent flags.
export const AgentEnableFlag = "--enable-puller";
export const AgentConfigDirArgName = "--config-dir";
export const AgentModelDirArgName = "--model-dir";
export const AgentComponentPortArgName = "--component-port";
export const BatcherEnableFlag = "--enable-batcher";
export const BatcherArgumentMaxBatchSize = "--max-batchsize";
export const BatcherArgumentMaxLatency = "--max-latency";
export const LoggerArgumentLogUrl = "--log-url";
export const LoggerArgumentSourceUri = "--source-uri";
export const LoggerArgumentMode = "--log-mode";
export const LoggerArgumentInferenceService = "--inference-service";
export const LoggerArgumentNamespace = "--namespace";
export const LoggerArgumentEndpoint = "--endpoint";
export const LoggerArgumentComponent = "--component";
export const LoggerArgumentStorePath = "--log-store-path";
export const LoggerArgumentStoreFormat = "--log-store-format";
export const LoggerArgumentMarshallerUrl = "--log-marshaller-url";
export const LoggerArgumentBatchSize = "--log-batch-size";
export const LoggerArgumentBatchInterval = "--log-batch-interval";
export const LoggerArgumentMetadataHeaders = "--metadata-headers";
export const LoggerArgumentMetadataAnnotations = "--metadata-annotations";
export const LoggerArgumentCaCertFile = "--logger-ca-cert-file";
export const LoggerArgumentTlsSkipVerify = "--logger-tls-skip-verify";
export const LogAll = "all";
export const LoggerFormatKey = "format";
export const LoggerDefaultServiceAccountName = "logger-sa";
export const LoggerDefaultStorageKey = "credentials";

// Volumes.
export const ModelDirVolumeName = "model-dir";
export const ModelDir = "/mnt/models";
export const ModelConfigVolumeName = "model-config";
export const ModelConfigDir = "/mnt/configs";
export const LoggerCaBundleVolume = "agent-ca-bundle";
export const LoggerCaCertMountPath = "/etc/tls/logger";

// Environment variables read by the agent and by Knative's queue-proxy.
export const ServingReadinessProbeEnv = "SERVING_READINESS_PROBE";
export const UserPortEnv = "USER_PORT";
export const IstioKubeAppProbersEnv = "ISTIO_KUBE_APP_PROBERS";

// Knative's probe header: the agent answers it from its own prober.
export const NetworkProbeHeaderName = "K-Network-Probe";
export const NetworkProbeHeaderValue = "queue";

// Istio's pilot-agent port for rewritten app probes.
export const IstioStatusPort = 15020;

// Ours, not KServe's.
export const AgentInjectionStatusAnnotationKey = "serving.kserve.io/agent-injection-status";
export const PodNameEnv = "POD_NAME";
