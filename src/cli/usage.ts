/** The help texts, one per command, and the error that prints one. */

const EXIT_CODES = `Exit codes:
  0  done (for inject: every object injected, or left unchanged with the reason on stderr)
  1  bad input, configuration or usage (the message says which)
  2  inject only: at least one pod would be refused (allowed: false); it is left out of the output`;

export const MAIN_USAGE = `kserve-agent-webhook: KServe's agent injection, as the webhook does it, on the command line.

Usage:
  kserve-agent-webhook review [--config FILE] < review.json
  kserve-agent-webhook inject -f FILE|- [-o yaml|json|patch] [-n NAMESPACE] [--config FILE]
  kserve-agent-webhook webhook-config --url URL [--ca-bundle FILE] [--name NAME] [...]
  kserve-agent-webhook help [COMMAND]

Run kserve-agent-webhook COMMAND --help for a command's options.

${EXIT_CODES}`;

export const REVIEW_USAGE = `Usage: kserve-agent-webhook review [--config FILE] < review.json

Reads an AdmissionReview (JSON) on standard input and prints the AdmissionReview the function
would answer, on the same code path as the HTTP function.

Options:
  --config FILE  an inferenceservice-config ConfigMap (YAML or JSON); default: the bundled one
  -h, --help     this help

Exit codes:
  0  the function would answer 200 (allowed, patched, or refused with allowed: false)
  1  the function would answer 400 (the message is printed as {"error": ...}), or bad usage`;

export const INJECT_USAGE = `Usage: kserve-agent-webhook inject -f FILE|- [-o yaml|json|patch] [-n NAMESPACE] [--config FILE]

Shows what the webhook does to pods, before a cluster does it. Reads YAML or JSON: one
document, a multi-document stream, or a List (kubectl get ... -o yaml). Each object may be:
  Pod                                  injected as the webhook would inject it
  Deployment, ReplicaSet, StatefulSet  injected into spec.template (the pods it will create),
                                       with the workload's namespace
  anything else                        passed through unchanged

To preview a real workload's pods:
  kubectl get deployment NAME -n NS -o yaml | kserve-agent-webhook inject -f -

Options:
  -f, --filename FILE  the input; - for standard input (--file works too)
  -o, --output FORMAT  yaml (default), json, or patch (the JSON Patch per object, in order)
  -n, --namespace NS   the namespace for objects that do not name one (the agent's --namespace)
  --config FILE        an inferenceservice-config ConfigMap (YAML or JSON); default: the bundled one
  -h, --help           this help

Why an object was left unchanged or refused goes to stderr; the objects go to stdout.

${EXIT_CODES}`;

export const WEBHOOK_CONFIG_USAGE = `Usage: kserve-agent-webhook webhook-config --url URL [options]

Prints the MutatingWebhookConfiguration that registers the function, ready for kubectl apply -f -:
pods, CREATE, only pods with the serving.kserve.io/inferenceservice label, failurePolicy Fail,
reinvocationPolicy IfNeeded, timeoutSeconds 10, admissionReviewVersions v1 and v1beta1.

Options:
  --url URL                 the function's HTTPS URL (required)
  --ca-bundle FILE          PEM CA certificates for the URL's server certificate; leave it out
                            for a public CA (a Cloud Functions URL)
  --name NAME               configuration and webhook name (default
                            agent-injector.kserve-agent-webhook.io); it must sort before
                            inferenceservice.serving.kserve.io, whose webhook would otherwise
                            inject KServe's agent first
  --exclude-namespace NS    a namespace left out (repeatable; default kube-system)
  --timeout SECONDS         the webhook's timeoutSeconds, 1 to 30 (default 10)
  --token-file FILE         also write the kube-apiserver's AdmissionConfiguration and the
                            kubeconfig that sends this bearer token to the URL's host
  --path-token-file FILE    put this token in the URL's last path segment instead, for API
                            servers that take no admission kubeconfig (managed clusters); the
                            function accepts it like a bearer token
  --kubeconfig-path PATH    where the API server will read that kubeconfig (the
                            AdmissionConfiguration's kubeConfigFile; default
                            /etc/kubernetes/kserve-agent-webhook/kubeconfig.yaml, or the file
                            in --output-dir)
  --output-dir DIR          with --token-file: write admission-configuration.yaml and
                            kubeconfig.yaml (mode 0600) there, and keep stdout to the
                            MutatingWebhookConfiguration; without it, all three are printed
  -h, --help                this help

Exit codes:
  0  printed (and written)
  1  bad input or usage (the message says which option)`;

export const USAGES: Readonly<Record<string, string>> = {
  review: REVIEW_USAGE,
  inject: INJECT_USAGE,
  "webhook-config": WEBHOOK_CONFIG_USAGE,
};

/** A mistake in the command line: printed with the command's usage, exit code 1. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    readonly usage: string = MAIN_USAGE,
  ) {
    super(message);
  }
}
