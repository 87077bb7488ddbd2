import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify as toYaml } from "yaml";
import {
  orderingWarning,
  renderApiServerAuth,
  renderWebhookConfiguration,
  WebhookConfigError,
} from "../webhook-config.js";
import type { CliIo } from "./io.js";
import { UsageError, WEBHOOK_CONFIG_USAGE } from "./usage.js";

const ADMISSION_FILE = "admission-configuration.yaml";
const KUBECONFIG_FILE = "kubeconfig.yaml";

/**
 * `webhook-config`: the MutatingWebhookConfiguration on stdout; with `--token-file`, the
 * kube-apiserver's AdmissionConfiguration and kubeconfig too (written to `--output-dir`, or printed).
 */
export function runWebhookConfig(argv: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      "ca-bundle": { type: "string" },
      name: { type: "string" },
      "exclude-namespace": { type: "string", multiple: true },
      timeout: { type: "string" },
      "token-file": { type: "string" },
      "path-token-file": { type: "string" },
      "kubeconfig-path": { type: "string" },
      "output-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(`${WEBHOOK_CONFIG_USAGE}\n`);
    return 0;
  }
  if (!values.url)
    throw new UsageError("webhook-config needs --url URL (the function's https URL)", WEBHOOK_CONFIG_USAGE);
  const tokenFile = values["token-file"];
  const outputDir = values["output-dir"];
  if (!tokenFile && (outputDir || values["kubeconfig-path"])) {
    throw new UsageError("--output-dir and --kubeconfig-path go with --token-file", WEBHOOK_CONFIG_USAGE);
  }
  const pathTokenFile = values["path-token-file"];
  if (tokenFile && pathTokenFile) {
    throw new UsageError("--token-file and --path-token-file: choose one", WEBHOOK_CONFIG_USAGE);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  try {
    const configuration = renderWebhookConfiguration({
      url: values.url,
      caBundlePem: values["ca-bundle"] === undefined ? undefined : io.read(values["ca-bundle"]),
      name: values.name,
      excludedNamespaces: values["exclude-namespace"],
      timeoutSeconds: timeout,
      pathToken: pathTokenFile === undefined ? undefined : io.read(pathTokenFile),
    });
    if (pathTokenFile) io.err("note: the output holds the token in clientConfig.url\n");
    const warning = orderingWarning(configuration.metadata?.name ?? "");
    if (warning) io.err(`warning: ${warning}\n`);
    if (!tokenFile) {
      io.out(toYaml(configuration));
      return 0;
    }
    const kubeconfigPath =
      values["kubeconfig-path"] ?? (outputDir ? resolve(outputDir, KUBECONFIG_FILE) : undefined);
    const auth = renderApiServerAuth({ url: values.url, token: io.read(tokenFile), kubeconfigPath });
    if (outputDir) {
      const admissionPath = resolve(outputDir, ADMISSION_FILE);
      io.write(admissionPath, toYaml(auth.admissionConfiguration));
      io.write(resolve(outputDir, KUBECONFIG_FILE), toYaml(auth.kubeconfig), 0o600);
      io.out(toYaml(configuration));
      io.err(
        `wrote ${admissionPath} and ${resolve(outputDir, KUBECONFIG_FILE)} (it holds the token)\n` +
          `start kube-apiserver with --admission-control-config-file=${admissionPath}\n`,
      );
      return 0;
    }
    io.out(
      [
        `# MutatingWebhookConfiguration: kubectl apply -f\n${toYaml(configuration)}`,
        `# AdmissionConfiguration: kube-apiserver --admission-control-config-file\n${toYaml(auth.admissionConfiguration)}`,
        `# kubeconfig (holds the token): ${auth.kubeconfigPath}\n${toYaml(auth.kubeconfig)}`,
      ].join("---\n"),
    );
    io.err("note: the output holds the token; it is not for kubectl apply (use --output-dir to split it)\n");
    return 0;
  } catch (error) {
    if (error instanceof WebhookConfigError) throw new UsageError(error.message, WEBHOOK_CONFIG_USAGE);
    throw error;
  }
}
