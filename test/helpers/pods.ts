import fc from "fast-check";
import * as k from "../../src/constants.js";

/**
 * fast-check arbitraries for the pods the kube-apiserver sends a KServe agent injector: legal
 * but odd names and keys, containers in any order, optional members missing or null, every
 * probe form (including Istio's rewrite and Knative's queue-proxy env, object or list).
 */

type Json = Record<string, unknown>;

/** Null, absent, or present: how optional members arrive. */
function maybe<T>(arb: fc.Arbitrary<T>, weight = 3): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight, arbitrary: arb },
  );
}

/** An object without its undefined members, so "absent" really is absent. */
function compact(record: Json): Json {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** An RFC 1123 label: container, volume and ConfigMap names. */
export const dnsLabel: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/),
  fc.constantFrom("a", "0", "9lives", "x-0", "z".repeat(63), "a--b"),
);

/** An RFC 1123 subdomain: pod names, key prefixes. */
const dnsSubdomain = fc
  .array(dnsLabel, { minLength: 1, maxLength: 3 })
  .map((labels) => labels.join("."))
  .filter((name) => name.length <= 253);

const qualifiedName = fc.tuple(
  fc.option(dnsSubdomain, { nil: undefined }),
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/),
    fc.constantFrom("constructor", "toString", "hasOwnProperty", "valueOf"),
  ),
);

/** Legal label and annotation keys, `/` included. */
const legalKey = qualifiedName.map(([prefix, name]) => (prefix ? `${prefix}/${name}` : name));

/** Keys a JSON map can hold that stress JSON Pointer escaping and prototypes. */
const oddKey = fc.constantFrom(
  "a~b",
  "~0",
  "~1",
  "x/y~0z",
  "example.com/a~1b",
  "a//b",
  "/",
  "~",
  "__proto__",
  "constructor",
  "prototype",
);

const labelValue = fc.oneof(
  fc.constant(""),
  fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/),
);

/** A map built with own data properties only, so `__proto__` is a key like any other. */
function mapOf(entries: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const portName = fc.oneof(
  fc.constantFrom("http", "h2c", "grpc", "metrics", "user-port", "http1", "a1"),
  fc.stringMatching(/^[a-z]([-a-z0-9]{0,8}[a-z0-9])?$/).filter((name) => !name.includes("--")),
);
const portNumber = fc.oneof(
  fc.constantFrom(1, 80, 8080, 8012, 8090, 9081, 15020, 65535),
  fc.integer({ min: 1, max: 65535 }),
);

const containerPorts = fc
  .uniqueArray(fc.record({ containerPort: portNumber, name: fc.option(portName, { nil: undefined }) }), {
    maxLength: 4,
    selector: (port) => port.containerPort,
  })
  .map((ports) => {
    const seen = new Set<string>();
    return ports.map((port) => {
      const named = port.name !== undefined && !seen.has(port.name);
      if (named) seen.add(port.name as string);
      return compact({
        containerPort: port.containerPort,
        name: named ? port.name : undefined,
        protocol: "TCP",
      });
    });
  });

interface Timing {
  readonly liveness: boolean;
}

function timing({ liveness }: Timing) {
  return fc.record(
    {
      initialDelaySeconds: maybe(fc.integer({ min: 0, max: 300 })),
      timeoutSeconds: maybe(fc.integer({ min: 1, max: 60 })),
      periodSeconds: maybe(fc.integer({ min: 1, max: 60 })),
      successThreshold: maybe(liveness ? fc.constant(1) : fc.integer({ min: 1, max: 3 })),
      failureThreshold: maybe(fc.integer({ min: 1, max: 10 })),
    },
    { requiredKeys: [] },
  );
}

/** A probe port: a number, a name the container declares, or a name it does not. */
function probePort(ports: readonly Json[]) {
  const names = ports.map((port) => port.name).filter((name): name is string => typeof name === "string");
  return fc.oneof(
    { weight: 2, arbitrary: portNumber },
    { weight: 3, arbitrary: names.length > 0 ? fc.constantFrom(...names) : portNumber },
    { weight: 1, arbitrary: fc.constantFrom("nope", "unknown-port") },
  );
}

/** Every probe form Kubernetes accepts, plus Istio's rewrite for `container`. */
export function probe(container: string, ports: readonly Json[], options: Timing) {
  const handler = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        httpGet: fc
          .record({
            path: fc.option(fc.constantFrom("/", "/ready", "/v1/models/m", "/a~b/c"), { nil: undefined }),
            port: probePort(ports),
          })
          .map(compact),
      }),
    },
    { weight: 3, arbitrary: fc.record({ tcpSocket: probePort(ports).map((port) => ({ port })) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        grpc: fc
          .record({ port: portNumber, service: fc.option(fc.constant("ready"), { nil: undefined }) })
          .map(compact),
      }),
    },
    { weight: 2, arbitrary: fc.record({ exec: fc.constant({ command: ["cat", "/tmp/ready"] }) }) },
    {
      weight: 3,
      arbitrary: fc.constant({
        // Istio's rewrite of this container's probe (istio `app_probe.go`).
        httpGet: { path: `/app-health/${container}/readyz`, port: k.IstioStatusPort, scheme: "HTTP" },
      }),
    },
  );
  return fc.tuple(handler, timing(options)).map(([h, t]) => compact({ ...h, ...t }));
}

/** What Istio records in `ISTIO_KUBE_APP_PROBERS`: the original, ports resolved to numbers. */
const istioRecord = fc
  .oneof(
    fc.record({
      httpGet: fc.record({ path: fc.constant("/ready"), port: portNumber, scheme: fc.constant("HTTP") }),
    }),
    fc.record({ tcpSocket: fc.record({ port: portNumber }) }),
    fc.record({ grpc: fc.record({ port: portNumber }) }),
  )
  .chain((handler) =>
    fc
      .option(fc.integer({ min: 1, max: 30 }), { nil: undefined })
      .map((timeoutSeconds) => compact({ ...handler, timeoutSeconds })),
  );

const volumeName = fc.oneof(
  fc.constantFrom("kserve-provision-location", k.ModelDirVolumeName, k.ModelConfigVolumeName, "cache"),
  dnsLabel,
);
const mountPath = fc.constantFrom(
  k.ModelDir,
  k.ModelConfigDir,
  "/data",
  "/var/run/secrets/x",
  "/tmp",
  "/etc/tls/logger",
);

interface ContainerContext {
  readonly volumes: readonly string[];
}

/** Mounts of declared volumes, at distinct paths. */
function mounts({ volumes }: ContainerContext) {
  if (volumes.length === 0) return fc.constant(undefined);
  return fc
    .uniqueArray(
      fc.record({
        name: fc.constantFrom(...volumes),
        mountPath,
        readOnly: fc.option(fc.boolean(), { nil: undefined }),
      }),
      {
        maxLength: 3,
        selector: (mount) => mount.mountPath,
      },
    )
    .map((list) => list.map(compact));
}

const envVar = fc.oneof(
  fc.record({
    name: fc.constantFrom("PORT", "MODEL_NAME", "A_B", "K_REVISION"),
    value: fc.string({ maxLength: 12 }),
  }),
  fc.constant({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }),
  fc.constant({ name: "EMPTY", value: null }),
);

const securityContext = maybe(
  fc.constantFrom(
    {},
    { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    { runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
  ),
);

/** A user container: the component, a transformer, or any other. */
function userContainer(name: string, context: ContainerContext) {
  return containerPorts.chain((ports) =>
    fc
      .record(
        {
          image: fc.constantFrom("kserve/sklearnserver:v0.15.0", "busybox"),
          ports: fc.oneof(
            { weight: 4, arbitrary: fc.constant(ports.length > 0 ? ports : undefined) },
            { weight: 1, arbitrary: fc.constantFrom(null, []) },
          ),
          env: maybe(fc.array(envVar, { maxLength: 3 })),
          readinessProbe: maybe(probe(name, ports, { liveness: false }), 6),
          livenessProbe: maybe(probe(name, ports, { liveness: true })),
          startupProbe: maybe(probe(name, ports, { liveness: true })),
          securityContext,
          volumeMounts: maybe(mounts(context)),
          args: fc.option(fc.constant(["--http_port=8080"]), { nil: undefined }),
        },
        { requiredKeys: [] },
      )
      .map((fields) => compact({ name, ...fields })),
  );
}

/** A Knative probe in the queue-proxy's env: host 127.0.0.1, port a number or a numeric string. */
function knativeProbe(port: number) {
  const onPort = fc.constantFrom<number | string>(port, String(port));
  return fc
    .tuple(
      fc.oneof(
        onPort.map((p) => ({ tcpSocket: { port: p, host: "127.0.0.1" } })),
        onPort.map((p) => ({ httpGet: { path: "/", port: p, host: "127.0.0.1", scheme: "HTTP" } })),
      ),
      fc.record(
        {
          periodSeconds: fc.constantFrom(0, 1, 10),
          successThreshold: fc.constant(1),
          timeoutSeconds: fc.constantFrom(1, 5),
        },
        { requiredKeys: [] },
      ),
    )
    .map(([handler, t]) => ({ ...handler, ...t }));
}

/** `SERVING_READINESS_PROBE` as Knative writes it: one probe, or a list (multi-container probing). */
function servingReadinessProbe(userPort: number) {
  return fc.oneof(
    knativeProbe(userPort).map((p) => JSON.stringify(p)),
    fc
      .tuple(knativeProbe(userPort), fc.array(knativeProbe(8090), { maxLength: 2 }), fc.boolean())
      .map(([main, others, first]) => JSON.stringify(first ? [main, ...others] : [...others, main])),
    knativeProbe(userPort + 1 > 65535 ? 1 : userPort + 1).map((p) => JSON.stringify(p)),
  );
}

/** Knative's queue-proxy: env in any order, with or without USER_PORT and the readiness probe. */
function queueProxy(userPort: number) {
  return fc
    .tuple(
      fc.option(servingReadinessProbe(userPort), { nil: undefined }),
      fc.boolean(),
      fc.boolean(),
      fc.nat(),
    )
    .map(([readiness, withUserPort, multi, seed]) => {
      const env: Json[] = [
        { name: "SERVING_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "QUEUE_SERVING_PORT", value: "8012" },
        ...(withUserPort ? [{ name: k.UserPortEnv, value: String(userPort) }] : []),
        ...(readiness === undefined ? [] : [{ name: k.ServingReadinessProbeEnv, value: readiness }]),
        { name: "ENABLE_MULTI_CONTAINER_PROBES", value: String(multi) },
      ];
      return {
        name: k.QueueProxyContainerName,
        image: "knative/queue:v1",
        ports: [{ name: "http-queueadm", containerPort: 8022, protocol: "TCP" }],
        env: rotate(env, seed),
        readinessProbe: {
          httpGet: { port: 8012, httpHeaders: [{ name: "K-Network-Probe", value: "queue" }] },
          periodSeconds: 10,
        },
      };
    });
}

/** Istio's sidecar, recording the originals of the rewritten probes of `containers`. */
function istioProxy(containers: readonly string[]) {
  return fc
    .tuple(
      fc.array(fc.option(istioRecord, { freq: 5, nil: undefined }), {
        minLength: containers.length,
        maxLength: containers.length,
      }),
      fc.constantFrom("record", "record", "record", "none", "garbage"),
    )
    .map(([records, form]) => {
      const probers: Json = {};
      containers.forEach((name, i) => {
        if (records[i] === undefined) return;
        probers[`/app-health/${name}/readyz`] = records[i];
        probers[`/app-health/${name}/livez`] = records[i];
      });
      const value =
        form === "record" ? JSON.stringify(probers) : form === "garbage" ? "{not json" : undefined;
      return compact({
        name: k.IstioProxyContainerName,
        image: "istio/proxyv2:1.22.0",
        ports: [{ name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" }],
        env: value === undefined ? undefined : [{ name: k.IstioKubeAppProbersEnv, value }],
        readinessProbe: { httpGet: { path: "/healthz/ready", port: 15021 }, periodSeconds: 15 },
      });
    });
}

/**
 * A deep copy made of plain objects and arrays, as JSON.parse makes them: fast-check builds some
 * records without a prototype, and every key stays an own data property (`__proto__` included).
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, member] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: plain(member),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const n = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(n), ...list.slice(0, n)];
}

/** The trigger and option annotations KServe sets, each present or not. */
const kserveAnnotations = fc
  .record({
    logger: fc.boolean(),
    batcher: fc.boolean(),
    puller: fc.boolean(),
    modelDir: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    configVolume: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    sinkUrl: fc.option(fc.constantFrom("http://message-dumper.models.svc", "https://sink.example/a?b=c"), {
      nil: undefined,
    }),
    mode: fc.option(fc.constantFrom("all", "request", "response"), { nil: undefined }),
    metadataAnnotations: fc.option(fc.constantFrom("a/b,missing", "constructor", "team"), { nil: undefined }),
    batchSize: fc.option(fc.constantFrom("32", "1"), { nil: undefined }),
    configVolumeName: dnsLabel,
    staleStatus: fc.boolean(),
  })
  .map((a) => {
    const out: [string, string][] = [];
    if (a.logger) out.push([k.LoggerInternalAnnotationKey, "true"]);
    if (a.batcher) out.push([k.BatcherInternalAnnotationKey, "true"]);
    if (a.puller) out.push([k.AgentShouldInjectAnnotationKey, "true"]);
    if (a.modelDir) out.push([k.AgentModelDirAnnotationKey, k.ModelDir]);
    if (a.configVolume) out.push([k.AgentModelConfigVolumeNameAnnotationKey, a.configVolumeName]);
    if (a.sinkUrl) out.push([k.LoggerSinkUrlInternalAnnotationKey, a.sinkUrl]);
    if (a.mode) out.push([k.LoggerModeInternalAnnotationKey, a.mode]);
    if (a.metadataAnnotations)
      out.push([k.LoggerMetadataAnnotationsInternalAnnotationKey, a.metadataAnnotations]);
    if (a.batchSize) out.push([k.BatcherMaxBatchSizeInternalAnnotationKey, a.batchSize]);
    if (a.staleStatus) out.push([k.AgentInjectionStatusAnnotationKey, '{"stale":true}']);
    return out;
  });

/** How the containers of a pod are named and ordered. */
interface Layout {
  /** Which container the agent fronts: kserve-container, transformer-container, or the first. */
  readonly component: "kserve" | "transformer" | "sidecar-first" | "unnamed";
  readonly queueProxy: boolean;
  readonly istio: boolean;
  readonly existingAgent: boolean;
  readonly others: readonly string[];
  readonly order: number;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  component: fc.constantFrom("kserve", "transformer", "sidecar-first", "unnamed"),
  queueProxy: fc.boolean(),
  istio: fc.boolean(),
  existingAgent: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  others: fc.uniqueArray(dnsLabel, { maxLength: 3 }),
  order: fc.nat(),
});

const RESERVED = new Set<string>([
  k.InferenceServiceContainerName,
  k.TransformerContainerName,
  k.QueueProxyContainerName,
  k.IstioProxyContainerName,
  k.AgentContainerName,
  "storage-initializer",
]);

/** The container names of a pod, KServe's and the mesh's among others, in any order. */
function containerNames(layout: Layout): string[] {
  const others = layout.others.filter((n) => !RESERVED.has(n));
  const names = [...others];
  if (layout.component !== "unnamed" || others.length === 0) names.push(k.InferenceServiceContainerName);
  if (layout.component === "transformer") names.push(k.TransformerContainerName);
  if (layout.queueProxy) names.push(k.QueueProxyContainerName);
  if (layout.istio) names.push(k.IstioProxyContainerName);
  if (layout.existingAgent) names.push(k.AgentContainerName);
  const rotated = rotate(names, layout.order);
  const first = others[0];
  // A sidecar ahead of kserve-container, as a mesh or a user can put it.
  if (layout.component === "sidecar-first" && first) return [first, ...rotated.filter((n) => n !== first)];
  return rotated;
}

const podName = fc.oneof(
  dnsSubdomain,
  fc.constantFrom("a", "0", "sklearn-iris-predictor-00001-deployment-7c9d5b8f4-x2x9q"),
);

/** Options for {@link pod}. */
export interface PodOptions {
  /** Whether the pod carries the InferenceService label (else it is always skipped). */
  readonly isvcLabel?: fc.Arbitrary<boolean>;
}

/** A pod as the kube-apiserver sends it in an AdmissionReview for CREATE. */
export function pod(options: PodOptions = {}): fc.Arbitrary<Json> {
  return fc
    .record({
      layout,
      volumes: maybe(fc.uniqueArray(volumeName, { maxLength: 4 })),
      name: fc.oneof(podName, fc.constant(""), fc.constant(undefined), fc.constant(null)),
      namespace: maybe(fc.constantFrom("models", "", "kserve-test")),
      isvcLabel: options.isvcLabel ?? fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
      isvc: fc.constantFrom("sklearn-iris", "a", "x.y"),
      labels: fc.array(fc.tuple(fc.oneof(legalKey, oddKey), labelValue), { maxLength: 4 }),
      annotations: fc.array(fc.tuple(fc.oneof(legalKey, oddKey), fc.string({ maxLength: 20 })), {
        maxLength: 4,
      }),
      kserve: kserveAnnotations,
      typeMeta: fc.boolean(),
      extras: fc.record(
        {
          restartPolicy: fc.constant("Always"),
          serviceAccountName: fc.constant("default"),
          nodeSelector: fc.constant({ "kubernetes.io/os": "linux" }),
          initContainers: fc.constant([
            { name: "storage-initializer", image: "kserve/storage-initializer:v0.15.0" },
          ]),
        },
        { requiredKeys: [] },
      ),
    })
    .chain((parts) => {
      const names = containerNames(parts.layout);
      const componentName =
        names.find((n) => n === k.TransformerContainerName) ??
        names.find((n) => n === k.InferenceServiceContainerName) ??
        names[0];
      const userNames = names.filter(
        (n) =>
          n !== k.QueueProxyContainerName && n !== k.IstioProxyContainerName && n !== k.AgentContainerName,
      );
      const context = { volumes: parts.volumes ?? [] };
      return fc
        .tuple(fc.tuple(...userNames.map((n) => userContainer(n, context))), istioProxy(userNames))
        .chain(([users, istio]) => {
          const component = users.find((c) => c.name === componentName);
          const firstPort = (component?.ports as Json[] | null | undefined)?.[0]?.containerPort;
          const userPort = typeof firstPort === "number" ? firstPort : k.InferenceServiceDefaultHttpPort;
          return queueProxy(userPort).map((qp) => {
            const byName = new Map<string, Json>(users.map((c) => [c.name as string, c]));
            byName.set(k.QueueProxyContainerName, qp);
            byName.set(k.IstioProxyContainerName, istio);
            byName.set(k.AgentContainerName, { name: k.AgentContainerName, image: "kserve/agent:v0.15.0" });
            return names.map((n) => byName.get(n) as Json);
          });
        })
        .map((containers) => {
          const labels = [
            ...parts.labels,
            ...(parts.isvcLabel ? [[k.InferenceServiceLabel, parts.isvc] as const] : []),
          ];
          const volumes = parts.volumes?.map((name) => ({ name, emptyDir: {} })) ?? parts.volumes;
          const metadata = compact({
            name: parts.name,
            generateName: parts.name ? undefined : "sklearn-iris-predictor-5d8f7c9b6-",
            namespace: parts.namespace,
            labels: mapOf(labels),
            annotations: mapOf([...parts.annotations, ...parts.kserve]),
          });
          return plain(
            compact({
              apiVersion: parts.typeMeta ? "v1" : undefined,
              kind: parts.typeMeta ? "Pod" : undefined,
              metadata,
              spec: compact({ ...parts.extras, containers, volumes }),
            }),
          ) as Json;
        });
    });
}
