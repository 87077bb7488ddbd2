import type { FunctionSpec } from "./function-spec.js";

/**
 * The `gcloud functions deploy` command for a {@link FunctionSpec}. Pure: the argv, without
 * `gcloud` itself, and a shell rendering of it to print. `scripts/deploy.mjs` runs it.
 */

/**
 * The arguments after `gcloud`. `--allow-unauthenticated` is on purpose: the kube-apiserver
 * cannot present a Google identity token, so IAM cannot authenticate it; the function checks the
 * bearer token from its kubeconfig instead (src/http/auth.ts), against WEBHOOK_TOKENS.
 */
export function gcloudDeployArgs(spec: FunctionSpec): string[] {
  const secret = spec.secrets?.WEBHOOK_TOKENS;
  // authentication: none is for API servers that cannot be given a token (managed clusters).
  const env = secret ? spec.env : { ...spec.env, WEBHOOK_ALLOW_UNAUTHENTICATED: "true" };
  return [
    "functions",
    "deploy",
    spec.name,
    "--gen2",
    "--trigger-http",
    "--allow-unauthenticated",
    `--entry-point=${spec.entryPoint}`,
    `--runtime=${spec.runtime}`,
    `--region=${spec.region}`,
    ...(spec.project ? [`--project=${spec.project}`] : []),
    "--source=.",
    `--memory=${spec.memory}`,
    ...(spec.cpu !== undefined ? [`--cpu=${spec.cpu}`] : []),
    ...(spec.concurrency !== undefined ? [`--concurrency=${spec.concurrency}`] : []),
    `--timeout=${spec.timeout}`,
    `--min-instances=${spec.minInstances}`,
    `--max-instances=${spec.maxInstances}`,
    ...(spec.serviceAccount ? [`--service-account=${spec.serviceAccount}`] : []),
    // function.yaml is the whole truth: a variable removed from it is removed from the function.
    envVarsFlag(env),
    secret ? `--set-secrets=WEBHOOK_TOKENS=${secret.secret}:${secret.version}` : "--clear-secrets",
  ];
}

/**
 * `--set-env-vars=K=V,...`, or `--clear-env-vars` when there are none. A value holding a comma
 * switches gcloud's list delimiter (`^@^K=V@K=V`, see `gcloud topic escaping`).
 */
export function envVarsFlag(env: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  if (pairs.length === 0) return "--clear-env-vars";
  if (!pairs.some((pair) => pair.includes(","))) return `--set-env-vars=${pairs.join(",")}`;
  const delimiter = ["@", "|", ";", "~", "#", "%"].find((d) => !pairs.some((pair) => pair.includes(d)));
  if (!delimiter) throw new Error("env: no delimiter left for gcloud's list escaping; simplify the values");
  return `--set-env-vars=^${delimiter}^${pairs.join(delimiter)}`;
}

/** One argument as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./^-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command as a shell line to copy, one flag per line. */
export function formatCommand(program: string, args: readonly string[]): string {
  const words = [program, ...args].map(shellQuote);
  const head = words.slice(0, 4).join(" ");
  return [head, ...words.slice(4).map((word) => `  ${word}`)].join(" \\\n");
}
