import { z } from "zod";

/**
 * The AdmissionReview contract (admission.k8s.io/v1 and v1beta1), validated for exactly the
 * fields we read. Parsed values are used for decisions only; the pod itself is always the raw
 * `request.object`, so fields our types do not know survive into the patch base.
 *
 * Each exported schema is `z.compile`d once, at cold start (about 5 ms for the three): zod
 * generates a validator that runs two to four times faster than its interpreter and falls back to
 * the interpreter whenever the input is invalid, so the errors and their messages are zod's own.
 * See docs/performance.md.
 */

const plainObject = z.custom<Record<string, unknown>>(
  (value) => value !== null && typeof value === "object" && !Array.isArray(value),
  { message: "expected an object" },
);

const admissionReview = z.object({
  apiVersion: z.enum(["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]),
  kind: z.literal("AdmissionReview"),
  request: z.object({
    uid: z.string().min(1),
    kind: z.object({ group: z.string().optional(), version: z.string().optional(), kind: z.string() }),
    operation: z.string(),
    namespace: z.string().optional(),
    object: plainObject,
    dryRun: z.boolean().optional(),
  }),
});

export const AdmissionReviewSchema = z.compile(admissionReview);

export type AdmissionReviewRequest = z.infer<typeof admissionReview>;

const stringMap = z.record(z.string(), z.string()).nullish();

const podMetadata = z.object({
  metadata: z
    .object({
      name: z.string().nullish(),
      generateName: z.string().nullish(),
      namespace: z.string().nullish(),
      labels: stringMap,
      annotations: stringMap,
    })
    .nullish(),
});

/** The pod metadata that decides whether there is anything to do. */
export const PodMetadataSchema = z.compile(podMetadata);

const port = z.union([z.number().int(), z.string()]);
const seconds = z.number().int().nullish();
const ProbeFields = z.object({
  httpGet: z.object({ port: port.nullish(), path: z.string().nullish() }).nullish(),
  tcpSocket: z.object({ port: port.nullish() }).nullish(),
  grpc: z.object({ port: z.number().int() }).nullish(),
  exec: plainObject.nullish(),
  initialDelaySeconds: seconds,
  timeoutSeconds: seconds,
  periodSeconds: seconds,
  successThreshold: seconds,
  failureThreshold: seconds,
});

const ContainerFields = z.object({
  name: z.string(),
  ports: z.array(z.object({ containerPort: z.number().int(), name: z.string().nullish() })).nullish(),
  env: z.array(z.object({ name: z.string(), value: z.string().nullish() })).nullish(),
  readinessProbe: ProbeFields.nullish(),
  securityContext: plainObject.nullish(),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })).nullish(),
});

const podSpec = z.object({
  spec: z.object({
    containers: z.array(ContainerFields),
    initContainers: z.array(z.object({ name: z.string() })).nullish(),
    volumes: z.array(z.object({ name: z.string() })).nullish(),
  }),
});

/** The pod spec fields the injector reads. */
export const PodSpecSchema = z.compile(podSpec);

/** The same schemas run by zod's interpreter: what the compiled ones are tested against. */
export const interpretedSchemas = {
  AdmissionReviewSchema: admissionReview,
  PodMetadataSchema: podMetadata,
  PodSpecSchema: podSpec,
} as const;

/** `path: message` for the first problem zod found, with `prefix` before the path. */
export function describeIssue(error: z.ZodError, prefix: string[] = []): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const path = [...prefix, ...issue.path.map(String)].join(".");
  return `${path || "body"}: ${issue.message}`;
}
