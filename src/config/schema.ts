import { z } from "zod";
import { LoggerDefaultServiceAccountName, LoggerDefaultStorageKey } from "../constants.js";
import { foldKeys } from "./go-json.js";
import { isQuantity } from "./quantity.js";

/**
 * The keys of KServe's `inferenceservice-config` ConfigMap that the agent injector reads, each a
 * JSON string, parsed as KServe parses them (kserve `agent_injector.go`: `getAgentConfigs`,
 * `getLoggerConfigs`), plus our own optional `agentInjector` key.
 */

const text = z.string().default("");

const resources = {
  image: text,
  cpuRequest: text,
  cpuLimit: text,
  memoryRequest: text,
  memoryLimit: text,
};
/** KServe validates these four, in this order, with `resource.ParseQuantity`. */
const RESOURCE_KEYS = ["memoryRequest", "memoryLimit", "cpuRequest", "cpuLimit"] as const;

const AgentConfigSchema = z.object(resources);

const LoggerStorageSchema = z
  .object({
    path: z.string().optional(),
    parameters: z.record(z.string(), z.string()).optional(),
    key: z.string().optional(),
    serviceAccountName: z.string().optional(),
  })
  .nullable()
  .default(null);
const STORAGE_FIELDS = ["path", "parameters", "key", "serviceAccountName"] as const;

const LoggerConfigSchema = z.object({
  ...resources,
  defaultUrl: text,
  caBundle: text,
  caCertFile: text,
  tlsSkipVerify: z.boolean().default(false),
  storage: LoggerStorageSchema,
  marshallerUrl: text,
  batchSize: z.number().int().nonnegative().default(0),
  batchInterval: text,
});

const BatcherConfigSchema = z.object({
  ...resources,
  maxBatchSize: text,
  maxLatency: text,
});

const AgentInjectorOptionsSchema = z.object({
  /** What the agent gets for an exec readiness probe: a TCP probe on the component port, or "". */
  execProbe: z.enum(["tcpSocket", "skip"]).default("tcpSocket"),
  /** Whether the queue-proxy keeps probing the model server, or probes the agent instead. */
  queueProxyProbe: z.enum(["unchanged", "agent"]).default("unchanged"),
  /** Whether to record what was done in the pod's status annotation. */
  statusAnnotation: z.boolean().default(true),
});

export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type LoggerConfig = z.infer<typeof LoggerConfigSchema>;
export type LoggerStorage = NonNullable<LoggerConfig["storage"]>;
export type BatcherConfig = z.infer<typeof BatcherConfigSchema>;
export type AgentInjectorOptions = z.infer<typeof AgentInjectorOptionsSchema>;

/** Everything the injector needs, parsed once at cold start and frozen. */
export interface InjectorConfig {
  readonly agent: Readonly<AgentConfig>;
  readonly logger: Readonly<LoggerConfig>;
  readonly batcher: Readonly<BatcherConfig>;
  readonly agentInjector: Readonly<AgentInjectorOptions>;
}

/** A parsed value, with every problem found on the way (empty when it is valid). */
export interface Parsed<T> {
  value: T;
  errors: string[];
}

type Schema<T> = z.ZodType<T> & { shape: Record<string, z.ZodType> };

function parseKey<T>(
  key: string,
  json: string | undefined,
  schema: Schema<T>,
  fold: (raw: unknown) => unknown,
): Parsed<T> {
  const empty = schema.parse({});
  if (json === undefined) return { value: empty, errors: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { value: empty, errors: [`${key}: not valid JSON (${why})`] };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { value: empty, errors: [`${key}: expected a JSON object`] };
  }
  const result = schema.safeParse(fold(raw));
  if (result.success) return { value: result.data, errors: [] };
  const errors = result.error.issues.map(
    (issue) => `${[key, ...issue.path.map(String)].join(".")}: ${issue.message}`,
  );
  return { value: empty, errors };
}

function foldWith(schema: Schema<unknown>) {
  const fields = Object.keys(schema.shape);
  return (raw: unknown): unknown => foldKeys(raw, fields);
}

function checkResources(key: string, config: Record<(typeof RESOURCE_KEYS)[number], string>) {
  return RESOURCE_KEYS.filter((field) => !isQuantity(config[field])).map(
    (field) => `${key}.${field}: ${JSON.stringify(config[field])} is not a valid Kubernetes quantity`,
  );
}

/** Parses the `agent` key (kserve `getAgentConfigs`). */
export function parseAgentConfig(json: string | undefined): Parsed<AgentConfig> {
  const parsed = parseKey("agent", json, AgentConfigSchema, foldWith(AgentConfigSchema));
  if (parsed.errors.length === 0) parsed.errors = checkResources("agent", parsed.value);
  return parsed;
}

/** The part of an InferenceService that KServe's `getLoggerConfigs` reads. */
export interface InferenceServiceLoggerSource {
  spec?: { predictor?: { logger?: { storage?: unknown } | null } | null } | null;
}

/**
 * Parses the `logger` key (kserve `getLoggerConfigs`). When an InferenceService with a logger
 * spec is given, its storage replaces the ConfigMap's, with KServe's defaults for the key and
 * the service account.
 */
export function parseLoggerConfig(
  json: string | undefined,
  isvc?: InferenceServiceLoggerSource | null,
): Parsed<LoggerConfig> {
  const foldLogger = (raw: unknown): unknown => {
    const folded = foldKeys(raw, Object.keys(LoggerConfigSchema.shape));
    if (folded?.storage) folded.storage = foldKeys(folded.storage, STORAGE_FIELDS);
    return folded;
  };
  const parsed = parseKey("logger", json, LoggerConfigSchema, foldLogger);
  const isvcLogger = isvc?.spec?.predictor?.logger;
  if (isvcLogger) {
    const storage = LoggerStorageSchema.safeParse(foldKeys(isvcLogger.storage, STORAGE_FIELDS));
    parsed.value.storage = storage.success ? storage.data : null;
  }
  if (parsed.value.storage) {
    parsed.value.storage = {
      ...parsed.value.storage,
      key: parsed.value.storage.key || LoggerDefaultStorageKey,
      serviceAccountName: parsed.value.storage.serviceAccountName || LoggerDefaultServiceAccountName,
    };
  }
  if (parsed.errors.length === 0) parsed.errors = checkResources("logger", parsed.value);
  return parsed;
}

/** Parses the `batcher` key. The injector never reads it (KServe neither); it is validated. */
export function parseBatcherConfig(json: string | undefined): Parsed<BatcherConfig> {
  return parseKey("batcher", json, BatcherConfigSchema, foldWith(BatcherConfigSchema));
}

/** Parses our optional `agentInjector` key. */
export function parseAgentInjectorOptions(json: string | undefined): Parsed<AgentInjectorOptions> {
  return parseKey("agentInjector", json, AgentInjectorOptionsSchema, foldWith(AgentInjectorOptionsSchema));
}

/** Parses the ConfigMap's `data`, collecting the errors of every key. */
export function parseConfigMapData(data: Readonly<Record<string, string>>): Parsed<InjectorConfig> {
  const missing = ["agent", "logger"]
    .filter((key) => data[key] === undefined)
    .map((key) => `${key}: missing (the agent injector needs it)`);
  const agent = parseAgentConfig(data.agent);
  const logger = parseLoggerConfig(data.logger);
  const batcher = parseBatcherConfig(data.batcher);
  const agentInjector = parseAgentInjectorOptions(data.agentInjector);
  const value: InjectorConfig = deepFreeze({
    agent: agent.value,
    logger: logger.value,
    batcher: batcher.value,
    agentInjector: agentInjector.value,
  });
  const present = (errors: string[], key: string) => (data[key] === undefined ? [] : errors);
  return {
    value,
    errors: [
      ...missing,
      ...present(agent.errors, "agent"),
      ...present(logger.errors, "logger"),
      ...batcher.errors,
      ...agentInjector.errors,
    ],
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
