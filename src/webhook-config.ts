import type {
  MutatingWebhookConfiguration,
  RuleWithOperations,
} from "kubernetes-types/admissionregistration/v1.js";
import { InferenceServiceLabel } from "./constants.js";

/**
 * What registers the function with the kube-apiserver: the MutatingWebhookConfiguration, and for
 * control planes you configure yourself, the AdmissionConfiguration + kubeconfig pair that makes
 * the API server send the bearer token (kubernetes.io, "Authenticate API servers").
 */

/**
 * KServe's own pod-mutating configuration. Its pod mutator injects the agent too, unless an
 * `agent` container is already there (kserve `agent_injector.go`): ours must run first.
 */
export const KSERVE_WEBHOOK_CONFIGURATION_NAME = "inferenceservice.serving.kserve.io";

/**
 * The default configuration (and webhook) name. The API server runs mutating configurations
 * sorted by name, byte-wise, and each one's webhooks in the order listed (kube-apiserver
 * `mutating_webhook_manager.go`, `sort.SliceStable(..., ByName)`): "agent-…" < "inferenceservice…".
 */
export const DEFAULT_WEBHOOK_NAME = "agent-injector.kserve-agent-webhook.io";

/**
 * Namespaces left out by default: the control plane's. KServe's own namespace is not: the
 * objectSelector already skips every pod without the InferenceService label, which KServe's
 * controller pods do not carry, and an InferenceService created there should get its agent.
 */
export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = ["kube-system"];

/**
 * Pods, on creation. kubernetes-types 1.30 leaves out the fields RuleWithOperations embeds from
 * Rule (`resources`, `scope`), so they are added to its type here.
 */
const POD_CREATE_RULE: RuleWithOperations & { resources: string[]; scope: "Namespaced" } = {
  operations: ["CREATE"],
  apiGroups: [""],
  apiVersions: ["v1"],
  resources: ["pods"],
  scope: "Namespaced",
};

/** The API server's own limit for `timeoutSeconds` is 1 to 30. */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** Where the kube-apiserver reads the kubeconfig from, unless told otherwise. */
export const DEFAULT_KUBECONFIG_PATH = "/etc/kubernetes/kserve-agent-webhook/kubeconfig.yaml";

/** Input the API server would reject, or that would not do what was asked. */
export class WebhookConfigError extends Error {
  override name = "WebhookConfigError";
}

export interface WebhookConfigOptions {
  /** The function's HTTPS URL (`gcloud functions describe NAME --format='value(url)'`). */
  readonly url: string;
  /** PEM text of the CA that signed the URL's certificate; omit for a public CA. */
  readonly caBundlePem?: string | undefined;
  readonly name?: string | undefined;
  readonly excludedNamespaces?: readonly string[] | undefined;
  readonly timeoutSeconds?: number | undefined;
  /**
   * A token to carry as the URL's last path segment, for API servers that cannot be given an
   * admission kubeconfig (managed control planes). The function accepts it like a bearer token.
   */
  readonly pathToken?: string | undefined;
}

const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** True when the API server calls configuration `a` before configuration `b` (Go's byte order). */
export function sortsBefore(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

/** Why a configuration name would hand the pod to KServe's injector first; undefined when it is fine. */
export function orderingWarning(name: string): string | undefined {
  if (sortsBefore(name, KSERVE_WEBHOOK_CONFIGURATION_NAME)) return undefined;
  return (
    `${JSON.stringify(name)} sorts after ${JSON.stringify(KSERVE_WEBHOOK_CONFIGURATION_NAME)}: ` +
    "KServe's webhook would inject its own agent first, and this one would find the agent there and do nothing"
  );
}

/** The URL rules the API server applies to `clientConfig.url` (https, no user, query or fragment). */
export function checkWebhookUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookConfigError(`--url: not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "https:")
    throw new WebhookConfigError("--url: the API server only calls https URLs");
  if (parsed.username || parsed.password)
    throw new WebhookConfigError("--url: must not hold a user or password");
  if (parsed.search || url.includes("?")) throw new WebhookConfigError("--url: must not have a query");
  if (parsed.hash || url.includes("#")) throw new WebhookConfigError("--url: must not have a fragment");
  return parsed;
}

/** The MutatingWebhookConfiguration that sends InferenceService pods' creation to the function. */
export function renderWebhookConfiguration(options: WebhookConfigOptions): MutatingWebhookConfiguration {
  checkWebhookUrl(options.url);
  const name = options.name ?? DEFAULT_WEBHOOK_NAME;
  // A webhook's name must have three or more DNS segments; the configuration's, a DNS subdomain.
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name) || name.split(".").length < 3) {
    throw new WebhookConfigError(`--name: ${JSON.stringify(name)} is not a DNS name of three or more parts`);
  }
  const excluded = options.excludedNamespaces ?? DEFAULT_EXCLUDED_NAMESPACES;
  for (const namespace of excluded) {
    if (!DNS_LABEL.test(namespace)) {
      throw new WebhookConfigError(
        `--exclude-namespace: ${JSON.stringify(namespace)} is not a namespace name`,
      );
    }
  }
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw new WebhookConfigError("--timeout: the API server allows 1 to 30 seconds");
  }
  const caBundle = options.caBundlePem === undefined ? undefined : encodeCaBundle(options.caBundlePem);
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name, labels: { "app.kubernetes.io/name": "kserve-agent-webhook" } },
    webhooks: [
      {
        name,
        admissionReviewVersions: ["v1", "v1beta1"],
        clientConfig: {
          url: withPathToken(options.url, options.pathToken),
          ...(caBundle ? { caBundle } : {}),
        },
        rules: [POD_CREATE_RULE],
        matchPolicy: "Equivalent",
        objectSelector: { matchExpressions: [{ key: InferenceServiceLabel, operator: "Exists" }] },
        ...(excluded.length > 0
          ? {
              namespaceSelector: {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...excluded] },
                ],
              },
            }
          : {}),
        sideEffects: "None",
        // Called again when a later webhook (KServe's, Istio's) changes the pod; injection is idempotent.
        reinvocationPolicy: "IfNeeded",
        // A pod that should have had the agent is not created without it.
        failurePolicy: "Fail",
        timeoutSeconds,
      },
    ],
  };
}

function encodeCaBundle(pem: string): string {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new WebhookConfigError("--ca-bundle: expected PEM certificates (-----BEGIN CERTIFICATE-----)");
  }
  return Buffer.from(pem, "utf8").toString("base64");
}

/**
 * The kubeconfig `users` entry name the API server looks up for a URL: its host, with the port
 * when one is written (kubernetes.io: https://www.example.com:8443 -> www.example.com:8443).
 * Taken from the text, as Go's url.Parse keeps it, not from WHATWG's normalised host.
 */
export function kubeconfigUserName(url: string): string {
  checkWebhookUrl(url);
  const authority = /^https:\/\/([^/?#]+)/i.exec(url)?.[1];
  if (!authority) throw new WebhookConfigError("--url: no host");
  return authority;
}

/** A token as the function accepts it in WEBHOOK_TOKENS: no comma (the list separator), no space. */
export function checkToken(raw: string): string {
  const token = raw.trim();
  if (token === "") throw new WebhookConfigError("--token-file: the file is empty");
  if (/[\s,]/.test(token)) {
    throw new WebhookConfigError(
      "--token-file: a token must hold no comma and no whitespace (one token per file)",
    );
  }
  return token;
}

/**
 * A token that can stand as a URL path segment as it is: RFC 3986 unreserved characters only,
 * so no proxy or framework rewrites it on the way to the function.
 */
export function checkPathToken(raw: string): string {
  const token = raw.trim();
  if (token === "") throw new WebhookConfigError("--path-token-file: the file is empty");
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) {
    throw new WebhookConfigError(
      "--path-token-file: a path token must use only letters, digits and . _ ~ - (try openssl rand -hex 32)",
    );
  }
  return token;
}

function withPathToken(url: string, token: string | undefined): string {
  if (token === undefined) return url;
  return `${url.replace(/\/+$/, "")}/${checkPathToken(token)}`;
}

export interface ApiServerAuth {
  /** For kube-apiserver `--admission-control-config-file`. */
  readonly admissionConfiguration: Record<string, unknown>;
  /** The file `kubeConfigFile` names: one user, for the function's host only. */
  readonly kubeconfig: Record<string, unknown>;
  /** Where the API server reads `kubeconfig` from. */
  readonly kubeconfigPath: string;
}

/**
 * The AdmissionConfiguration + kubeconfig pair: the API server then sends
 * `Authorization: Bearer <token>` to the function's host, and to no other webhook.
 */
export function renderApiServerAuth(options: {
  url: string;
  token: string;
  kubeconfigPath?: string | undefined;
}): ApiServerAuth {
  const user = kubeconfigUserName(options.url);
  const token = checkToken(options.token);
  const kubeconfigPath = options.kubeconfigPath ?? DEFAULT_KUBECONFIG_PATH;
  return {
    kubeconfigPath,
    admissionConfiguration: {
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "AdmissionConfiguration",
      plugins: [
        {
          name: "MutatingAdmissionWebhook",
          configuration: {
            apiVersion: "apiserver.config.k8s.io/v1",
            kind: "WebhookAdmissionConfiguration",
            kubeConfigFile: kubeconfigPath,
          },
        },
      ],
    },
    kubeconfig: {
      apiVersion: "v1",
      kind: "Config",
      users: [{ name: user, user: { token } }],
    },
  };
}
