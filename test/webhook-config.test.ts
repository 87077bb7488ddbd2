import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { type CliIo, nodeIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { loadServerSettings } from "../src/config/env.js";
import { InferenceServiceLabel } from "../src/constants.js";
import { isAuthorized } from "../src/http/auth.js";
import {
  DEFAULT_WEBHOOK_NAME,
  KSERVE_WEBHOOK_CONFIGURATION_NAME,
  kubeconfigUserName,
  orderingWarning,
  renderApiServerAuth,
  renderWebhookConfiguration,
  sortsBefore,
  WebhookConfigError,
} from "../src/webhook-config.js";

const URL_ = "https://europe-west1-my-project.cloudfunctions.net/kserve-agent-webhook";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUY2E=\n-----END CERTIFICATE-----\n";

const scratch = mkdtempSync(join(tmpdir(), "webhook-config-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Throws with the validator's message when the object breaks the Kubernetes OpenAPI schema. */
function validate(object: unknown): void {
  new MutatingWebhookConfiguration(
    object as ConstructorParameters<typeof MutatingWebhookConfiguration>[0],
  ).validate();
}

/** Runs the command line in process, with real files and captured output. */
function run(argv: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const io: CliIo = {
    ...nodeIo,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  };
  return { code: main(argv, io), out, err };
}

describe("the MutatingWebhookConfiguration", () => {
  const configuration = renderWebhookConfiguration({ url: URL_ });
  const webhook = configuration.webhooks?.[0];

  it("validates against the Kubernetes schema", () => {
    expect(() => validate(configuration)).not.toThrow();
  });

  it("is checked by a validator that does catch mistakes", () => {
    const broken = structuredClone(configuration) as unknown as { webhooks: Record<string, unknown>[] };
    (broken.webhooks[0] as Record<string, unknown>).sideEffects = "Sometimes";
    expect(() => validate(broken)).toThrow(/sideEffects must be equal to one of the allowed values/);
    const missing = structuredClone(configuration) as unknown as { webhooks: Record<string, unknown>[] };
    delete (missing.webhooks[0] as Record<string, unknown>).admissionReviewVersions;
    expect(() => validate(missing)).toThrow(/admissionReviewVersions/);
  });

  it("says what the issue asks for, field by field", () => {
    expect(configuration.apiVersion).toBe("admissionregistration.k8s.io/v1");
    expect(configuration.kind).toBe("MutatingWebhookConfiguration");
    expect(configuration.metadata?.name).toBe(DEFAULT_WEBHOOK_NAME);
    expect(configuration.webhooks).toHaveLength(1);
    expect(webhook).toMatchObject({
      name: DEFAULT_WEBHOOK_NAME,
      admissionReviewVersions: ["v1", "v1beta1"],
      sideEffects: "None",
      reinvocationPolicy: "IfNeeded",
      failurePolicy: "Fail",
      timeoutSeconds: 10,
      clientConfig: { url: URL_ },
      rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
      objectSelector: { matchExpressions: [{ key: InferenceServiceLabel, operator: "Exists" }] },
      namespaceSelector: {
        matchExpressions: [
          { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] },
        ],
      },
    });
    // A public CA (a Cloud Functions URL): the API server's own trust roots, no caBundle.
    expect(webhook?.clientConfig).not.toHaveProperty("caBundle");
  });

  it("runs before KServe's own webhook, which would inject its agent first", () => {
    // The API server sorts configurations by name, byte by byte (Go's string <).
    expect(sortsBefore(DEFAULT_WEBHOOK_NAME, KSERVE_WEBHOOK_CONFIGURATION_NAME)).toBe(true);
    expect([KSERVE_WEBHOOK_CONFIGURATION_NAME, DEFAULT_WEBHOOK_NAME].sort()[0]).toBe(DEFAULT_WEBHOOK_NAME);
    expect(orderingWarning(DEFAULT_WEBHOOK_NAME)).toBeUndefined();
    expect(orderingWarning("zz-injector.example.com")).toMatch(
      /sorts after "inferenceservice\.serving\.kserve\.io"/,
    );
    // Upper case sorts before lower case in bytes; a name equal to KServe's does not run first.
    expect(sortsBefore("Z.a.b", "a.b.c")).toBe(true);
    expect(orderingWarning(KSERVE_WEBHOOK_CONFIGURATION_NAME)).toBeDefined();
  });

  it("carries a PEM CA bundle base64-encoded, and still validates", () => {
    const withCa = renderWebhookConfiguration({ url: URL_, caBundlePem: PEM });
    const caBundle = withCa.webhooks?.[0]?.clientConfig.caBundle ?? "";
    expect(Buffer.from(caBundle, "base64").toString("utf8")).toBe(PEM);
    expect(() => validate(withCa)).not.toThrow();
  });

  it("takes a name, more excluded namespaces and a timeout", () => {
    const custom = renderWebhookConfiguration({
      url: URL_,
      name: "agent.example.com",
      excludedNamespaces: ["kube-system", "kserve"],
      timeoutSeconds: 5,
    });
    expect(() => validate(custom)).not.toThrow();
    expect(custom.metadata?.name).toBe("agent.example.com");
    expect(custom.webhooks?.[0]?.name).toBe("agent.example.com");
    expect(custom.webhooks?.[0]?.namespaceSelector?.matchExpressions?.[0]?.values).toEqual([
      "kube-system",
      "kserve",
    ]);
    expect(custom.webhooks?.[0]?.timeoutSeconds).toBe(5);
    const none = renderWebhookConfiguration({ url: URL_, excludedNamespaces: [] });
    expect(none.webhooks?.[0]).not.toHaveProperty("namespaceSelector");
  });

  it.each([
    ["http://example.com/", /only calls https/],
    ["https://user:pw@example.com/", /user or password/],
    ["https://example.com/?a=b", /query/],
    ["https://example.com/#x", /fragment/],
    ["example.com", /not a URL/],
  ])("refuses the URL %s as the API server would", (url, message) => {
    expect(() => renderWebhookConfiguration({ url })).toThrow(WebhookConfigError);
    expect(() => renderWebhookConfiguration({ url })).toThrow(message);
  });

  it.each([
    [{ name: "injector" }, /--name: .* three or more parts/],
    [{ name: "Agent.Example.com" }, /--name/],
    [{ excludedNamespaces: ["Kube_System"] }, /--exclude-namespace/],
    [{ timeoutSeconds: 31 }, /--timeout: .*1 to 30/],
    [{ timeoutSeconds: 0 }, /--timeout/],
    [{ caBundlePem: "not a certificate" }, /--ca-bundle: expected PEM/],
  ])("refuses %o", (options, message) => {
    expect(() => renderWebhookConfiguration({ url: URL_, ...options })).toThrow(message);
  });
});

describe("the kube-apiserver's AdmissionConfiguration and kubeconfig", () => {
  it.each([
    [URL_, "europe-west1-my-project.cloudfunctions.net"],
    ["https://webhook.example.com:8443/mutate", "webhook.example.com:8443"],
    ["https://webhook.example.com:443", "webhook.example.com:443"],
    ["https://kserve-agent-webhook-abc123-ew.a.run.app", "kserve-agent-webhook-abc123-ew.a.run.app"],
    ["https://[::1]:9443/", "[::1]:9443"],
  ])("names the kubeconfig user for %s as %s", (url, user) => {
    expect(kubeconfigUserName(url)).toBe(user);
  });

  it("sends the token to the function's host and nowhere else", () => {
    const auth = renderApiServerAuth({
      url: URL_,
      token: "s3cret-token\n",
      kubeconfigPath: "/etc/k/kc.yaml",
    });
    expect(auth.admissionConfiguration).toEqual({
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "AdmissionConfiguration",
      plugins: [
        {
          name: "MutatingAdmissionWebhook",
          configuration: {
            apiVersion: "apiserver.config.k8s.io/v1",
            kind: "WebhookAdmissionConfiguration",
            kubeConfigFile: "/etc/k/kc.yaml",
          },
        },
      ],
    });
    expect(auth.kubeconfig).toEqual({
      apiVersion: "v1",
      kind: "Config",
      users: [{ name: "europe-west1-my-project.cloudfunctions.net", user: { token: "s3cret-token" } }],
    });
  });

  it("uses a token the deployed function accepts", () => {
    const auth = renderApiServerAuth({ url: URL_, token: "rotated-token" });
    const token = (auth.kubeconfig.users as { user: { token: string } }[])[0]?.user.token;
    const settings = loadServerSettings({ WEBHOOK_TOKENS: "old-token,rotated-token" });
    expect(isAuthorized(`Bearer ${token}`, settings.tokenDigests)).toBe(true);
  });

  it.each([
    ["", /empty/],
    ["a,b", /no comma/],
    ["two words", /no whitespace/],
  ])("refuses the token %j", (token, message) => {
    expect(() => renderApiServerAuth({ url: URL_, token })).toThrow(message);
  });
});

describe("kserve-agent-webhook webhook-config", () => {
  const tokenFile = join(scratch, "token");
  writeFileSync(tokenFile, "cli-token\n");

  it("prints a configuration that validates, ready for kubectl apply", () => {
    const result = run(["webhook-config", "--url", URL_]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    const printed = parseYaml(result.out);
    expect(() => validate(printed)).not.toThrow();
    expect(printed).toEqual(renderWebhookConfiguration({ url: URL_ }));
  });

  it("reads the CA bundle from a file, and repeatable namespace exclusions", () => {
    const caFile = join(scratch, "ca.pem");
    writeFileSync(caFile, PEM);
    const result = run([
      "webhook-config",
      "--url",
      URL_,
      "--ca-bundle",
      caFile,
      "--exclude-namespace",
      "kube-system",
      "--exclude-namespace",
      "istio-system",
    ]);
    expect(result.code).toBe(0);
    const printed = parseYaml(result.out);
    expect(() => validate(printed)).not.toThrow();
    expect(printed.webhooks[0].clientConfig.caBundle).toBe(Buffer.from(PEM).toString("base64"));
    expect(printed.webhooks[0].namespaceSelector.matchExpressions[0].values).toEqual([
      "kube-system",
      "istio-system",
    ]);
  });

  it("warns when --name would run after KServe's webhook", () => {
    const result = run(["webhook-config", "--url", URL_, "--name", "zz-agent.example.com"]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/^warning: "zz-agent\.example\.com" sorts after/);
  });

  it("with --token-file and --output-dir, writes the pair and keeps stdout applyable", () => {
    const dir = join(scratch, "apiserver");
    const result = run(["webhook-config", "--url", URL_, "--token-file", tokenFile, "--output-dir", dir]);
    expect(result.code).toBe(0);
    expect(() => validate(parseYaml(result.out))).not.toThrow();
    expect(result.out).not.toContain("cli-token");
    const admission = parseYaml(readFileSync(join(dir, "admission-configuration.yaml"), "utf8"));
    expect(admission.plugins[0].configuration.kubeConfigFile).toBe(join(dir, "kubeconfig.yaml"));
    const kubeconfig = parseYaml(readFileSync(join(dir, "kubeconfig.yaml"), "utf8"));
    expect(kubeconfig.users).toEqual([
      { name: "europe-west1-my-project.cloudfunctions.net", user: { token: "cli-token" } },
    ]);
    expect(statSync(join(dir, "kubeconfig.yaml")).mode & 0o777).toBe(0o600);
    expect(result.err).toMatch(/--admission-control-config-file=.*admission-configuration\.yaml/);
  });

  it("with --token-file alone, prints all three documents", () => {
    const result = run(["webhook-config", "--url", URL_, "--token-file", tokenFile]);
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(result.out).map((d) => ("toJS" in d ? d.toJS() : undefined));
    expect(docs.map((d) => d.kind)).toEqual([
      "MutatingWebhookConfiguration",
      "AdmissionConfiguration",
      "Config",
    ]);
    expect(() => validate(docs[0])).not.toThrow();
    expect(docs[1].plugins[0].configuration.kubeConfigFile).toBe(
      "/etc/kubernetes/kserve-agent-webhook/kubeconfig.yaml",
    );
    expect(result.err).toMatch(/holds the token/);
  });

  it.each([
    [[], /needs --url/],
    [["--url", "http://example.com"], /only calls https/],
    [["--url", URL_, "--output-dir", "x"], /go with --token-file/],
    [["--url", URL_, "--timeout", "soon"], /--timeout/],
    [["--url", URL_, "--bogus"], /Unknown option '--bogus'/],
  ])("exits 1 with the usage for %j", (args, message) => {
    const result = run(["webhook-config", ...args]);
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toMatch(message);
    expect(result.err).toContain("Usage: kserve-agent-webhook webhook-config");
  });

  it("names a token file it cannot read", () => {
    const result = run(["webhook-config", "--url", URL_, "--token-file", join(scratch, "absent")]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/ENOENT.*absent/);
  });
});

describe("webhook-config --path-token-file (managed control planes)", () => {
  const tokenFile = join(scratch, "path-token");
  writeFileSync(tokenFile, "0a1b2c3d4e5f\n");

  it("puts the token in the URL's last segment, which the function accepts", () => {
    const result = run(["webhook-config", "--url", `${URL_}/`, "--path-token-file", tokenFile]);
    expect(result.code).toBe(0);
    const printed = parseYaml(result.out);
    expect(() => validate(printed)).not.toThrow();
    const url: string = printed.webhooks[0].clientConfig.url;
    expect(url).toBe(`${URL_}/0a1b2c3d4e5f`);
    const settings = loadServerSettings({ WEBHOOK_TOKENS: "0a1b2c3d4e5f" });
    expect(isAuthorized(undefined, settings.tokenDigests, `${new URL(url).pathname}?timeout=10s`)).toBe(true);
    expect(isAuthorized(undefined, settings.tokenDigests, "/kserve-agent-webhook?timeout=10s")).toBe(false);
    expect(result.err).toMatch(/holds the token/);
  });

  it("refuses a token a URL would have to escape, and --token-file beside it", () => {
    const bad = join(scratch, "bad-path-token");
    writeFileSync(bad, "a/b");
    expect(run(["webhook-config", "--url", URL_, "--path-token-file", bad]).code).toBe(1);
    expect(() => renderWebhookConfiguration({ url: URL_, pathToken: "sp ace" })).toThrow(WebhookConfigError);
    const both = run([
      "webhook-config",
      "--url",
      URL_,
      "--path-token-file",
      tokenFile,
      "--token-file",
      tokenFile,
    ]);
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/choose one/);
  });
});
