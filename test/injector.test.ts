import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { loadInjectorConfig } from "../src/config/load.js";
import type { AgentInjectorOptions, InjectorConfig, LoggerConfig } from "../src/config/schema.js";
import { type Injection, injectAgent } from "../src/injector/inject-agent.js";

const bundled = loadInjectorConfig();
const configWith = (
  options: Partial<AgentInjectorOptions> = {},
  logger: Partial<LoggerConfig> = {},
): InjectorConfig => ({
  ...bundled,
  logger: { ...bundled.logger, ...logger },
  agentInjector: { ...bundled.agentInjector, ...options },
});

const LOGGER = { "internal.serving.kserve.io/logger": "true" };
const PULLER = {
  "internal.serving.kserve.io/agent": "true",
  "internal.serving.kserve.io/modelDir": "/mnt/models",
  "internal.serving.kserve.io/configVolumeName": "modelconfig-m-0",
  "internal.serving.kserve.io/configMountPath": "/mnt/configs",
};

function pod(containers: Container[], annotations: Record<string, string> = LOGGER, name = "m-1"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      labels: { "serving.kserve.io/inferenceservice": "m", component: "predictor", endpoint: "default" },
      annotations,
    },
    spec: { containers },
  };
}

function injected(result: Injection) {
  if (result.outcome !== "injected") throw new Error(`expected an injection, got ${JSON.stringify(result)}`);
  const agent = result.pod.spec?.containers.find((c) => c.name === "agent");
  if (!agent) throw new Error("no agent container");
  const env = (name: string) => agent.env?.find((e) => e.name === name);
  return { ...result, agent, env };
}

const sidecar: Container = { name: "log-shipper", readinessProbe: { exec: { command: ["true"] } } };
const kserve: Container = {
  name: "kserve-container",
  ports: [{ containerPort: 8085, name: "http" }],
  readinessProbe: { httpGet: { path: "/v2/health/ready", port: "http" }, timeoutSeconds: 4 },
  securityContext: { runAsNonRoot: true },
};
const transformer: Container = {
  name: "transformer-container",
  ports: [{ containerPort: 8090 }],
  readinessProbe: { tcpSocket: { port: 8090 } },
  securityContext: { runAsUser: 1000 },
};

describe("the component container", () => {
  it("is kserve-container even when a sidecar comes first: its probe, port and securityContext", () => {
    const { agent, env } = injected(injectAgent(pod([sidecar, kserve]), bundled));
    expect(JSON.parse(env("SERVING_READINESS_PROBE")?.value ?? "")).toEqual({
      httpGet: { path: "/v2/health/ready", port: 8085 },
      timeoutSeconds: 4,
    });
    expect(agent.args?.slice(-2)).toEqual(["--component-port", "8085"]);
    expect(agent.securityContext).toEqual({ runAsNonRoot: true });
    expect(agent.readinessProbe).toMatchObject({
      httpGet: { path: "/v2/health/ready", port: 9081 },
      timeoutSeconds: 4,
    });
  });

  it("is transformer-container when present", () => {
    const { agent, env, status } = injected(injectAgent(pod([kserve, transformer]), bundled));
    expect(env("SERVING_READINESS_PROBE")?.value).toBe('{"tcpSocket":{"port":8090}}');
    expect(agent.args?.slice(-2)).toEqual(["--component-port", "8090"]);
    expect(agent.securityContext).toEqual({ runAsUser: 1000 });
    expect(status.component).toBe("transformer-container");
  });

  it("is the first container otherwise, with its first port", () => {
    const first: Container = { name: "custom", ports: [{ containerPort: 7000 }] };
    const { agent, env } = injected(injectAgent(pod([first, sidecar]), bundled));
    expect(agent.args?.slice(-2)).toEqual(["--component-port", "7000"]);
    expect(env("SERVING_READINESS_PROBE")?.value).toBe('{"tcpSocket":{"port":7000}}');
  });

  it("copies the securityContext, never shares it", () => {
    const input = pod([kserve]);
    const { agent } = injected(injectAgent(input, bundled));
    expect(agent.securityContext).not.toBe(input.spec?.containers[0]?.securityContext);
  });
});

describe("raw mode", () => {
  it("never changes the user's own probes", () => {
    const withAll: Container = {
      ...kserve,
      livenessProbe: { exec: { command: ["live"] } },
      startupProbe: { httpGet: { path: "/start", port: "http" } },
    };
    const input = pod([withAll]);
    const before = structuredClone(input);
    const { pod: out } = injected(injectAgent(input, bundled));
    expect(out.spec?.containers[0]).toBe(input.spec?.containers[0]);
    expect(input).toEqual(before);
  });
});

describe("queue-proxy mode", () => {
  const queueProxy: Container = {
    name: "queue-proxy",
    env: [
      { name: "USER_PORT", value: "8085" },
      {
        name: "SERVING_READINESS_PROBE",
        value: '{"tcpSocket":{"port":8085,"host":"127.0.0.1"},"periodSeconds":0}',
      },
    ],
  };

  it("copies the queue-proxy's env to the agent and moves USER_PORT to 9081 (KServe parity)", () => {
    const { agent, pod: out, status } = injected(injectAgent(pod([kserve, queueProxy]), bundled));
    expect(agent.env).toEqual(queueProxy.env);
    expect(out.spec?.containers[1]?.env).toEqual([{ name: "USER_PORT", value: "9081" }, queueProxy.env?.[1]]);
    expect(status).toMatchObject({ mode: "queue-proxy", queueProxyProbe: "unchanged" });
  });

  it('with queueProxyProbe "agent", points the queue-proxy probe at the agent', () => {
    const {
      pod: out,
      agent,
      status,
    } = injected(injectAgent(pod([kserve, queueProxy]), configWith({ queueProxyProbe: "agent" })));
    const value = out.spec?.containers[1]?.env?.find((e) => e.name === "SERVING_READINESS_PROBE")?.value;
    expect(JSON.parse(value ?? "")).toEqual({
      httpGet: {
        host: "127.0.0.1",
        port: 9081,
        path: "/",
        httpHeaders: [{ name: "K-Network-Probe", value: "queue" }],
      },
      periodSeconds: 0,
    });
    // The agent still probes the model server, with Knative's own probe.
    expect(agent.env?.find((e) => e.name === "SERVING_READINESS_PROBE")?.value).toBe(
      queueProxy.env?.[1]?.value,
    );
    expect(status.queueProxyProbe).toBe(":8085 -> agent:9081");
  });

  it("gives the agent a delegated probe when the queue-proxy has none", () => {
    const bare: Container = { name: "queue-proxy", env: [{ name: "USER_PORT", value: "8085" }] };
    const { env, status } = injected(injectAgent(pod([kserve, bare]), bundled));
    expect(JSON.parse(env("SERVING_READINESS_PROBE")?.value ?? "")).toMatchObject({
      httpGet: { port: 8085 },
    });
    expect(status.readiness).toMatch(/^queue-proxy has none: /);
  });
});

describe("identity of controller-created pods", () => {
  it.each([
    ["raw", [kserve]],
    ["queue-proxy", [kserve, { name: "queue-proxy", env: [{ name: "USER_PORT", value: "8085" }] }]],
  ])("%s: a pod without a name gets POD_NAME from the downward API", (_mode, containers) => {
    const { agent, env } = injected(injectAgent(pod(containers as Container[], LOGGER, ""), bundled));
    expect(env("POD_NAME")).toEqual({
      name: "POD_NAME",
      valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
    });
    const args = agent.args ?? [];
    expect(args[args.indexOf("--source-uri") + 1]).toBe("$(POD_NAME)");
  });

  it("a pod with a name keeps KServe's behaviour", () => {
    const { agent, env } = injected(injectAgent(pod([kserve]), bundled));
    expect(env("POD_NAME")).toBeUndefined();
    const args = agent.args ?? [];
    expect(args[args.indexOf("--source-uri") + 1]).toBe("m-1");
  });

  it("a puller-only pod without a name gets no POD_NAME (no logger, no source URI)", () => {
    const { env } = injected(injectAgent(pod([kserve], PULLER, ""), bundled));
    expect(env("POD_NAME")).toBeUndefined();
  });
});

describe("arguments and volumes", () => {
  it("orders logger arguments as KServe does, with every optional one", () => {
    const logger: Partial<LoggerConfig> = {
      storage: { path: "/logs", parameters: { format: "json" }, key: "k", serviceAccountName: "sa" },
      marshallerUrl: "http://localhost:9083/marshal",
      batchSize: 10,
      batchInterval: "5s",
      caCertFile: "ca.crt",
      caBundle: "bundle",
      tlsSkipVerify: true,
    };
    const annotations = {
      ...LOGGER,
      "internal.serving.kserve.io/logger-metadata-headers": "A,B",
      "internal.serving.kserve.io/logger-metadata-annotations": "team,missing",
      team: "ml",
    };
    const { agent, pod: out } = injected(injectAgent(pod([kserve], annotations), configWith({}, logger)));
    expect(agent.args).toEqual([
      ...["--log-url", "http://default-broker", "--source-uri", "m-1", "--log-mode", "all"],
      ...[
        "--inference-service",
        "m",
        "--namespace",
        "ns",
        "--endpoint",
        "default",
        "--component",
        "predictor",
      ],
      ...["--log-store-path", "/logs", "--log-store-format", "json"],
      ...[
        "--log-marshaller-url",
        "http://localhost:9083/marshal",
        "--log-batch-size",
        "10",
        "--log-batch-interval",
        "5s",
      ],
      ...["--metadata-headers", "A,B", "--metadata-annotations", "team=ml"],
      ...["--logger-ca-cert-file", "ca.crt", "--logger-tls-skip-verify", "true", "--component-port", "8085"],
    ]);
    expect(out.spec?.volumes).toEqual([
      { name: "agent-ca-bundle", configMap: { name: "bundle", optional: true } },
    ]);
    expect(agent.volumeMounts).toEqual([
      { name: "agent-ca-bundle", mountPath: "/etc/tls/logger", readOnly: true },
    ]);
  });

  it("puts puller, batcher, logger arguments in that order, and uses the request namespace", () => {
    const annotations = {
      ...PULLER,
      "internal.serving.kserve.io/batcher": "true",
      "internal.serving.kserve.io/batcher-max-latency": "50",
      ...LOGGER,
    };
    const { agent } = injected(
      injectAgent(pod([kserve], annotations), bundled, { namespace: "from-request" }),
    );
    const args = agent.args ?? [];
    expect(args.slice(0, 8)).toEqual([
      ...["--enable-puller", "--config-dir", "/mnt/configs", "--model-dir", "/mnt/models"],
      ...["--enable-batcher", "--max-latency", "50"],
    ]);
    expect(args[args.indexOf("--namespace") + 1]).toBe("from-request");
  });

  it("mounts the model dir into kserve-container and the agent, the model config into the agent", () => {
    const { agent, pod: out, status } = injected(injectAgent(pod([sidecar, kserve], PULLER), bundled));
    expect(out.spec?.volumes).toEqual([
      { name: "model-dir", emptyDir: {} },
      { name: "model-config", configMap: { name: "modelconfig-m-0" } },
    ]);
    expect(out.spec?.containers[1]?.volumeMounts).toEqual([{ name: "model-dir", mountPath: "/mnt/models" }]);
    expect(out.spec?.containers[0]?.volumeMounts).toBeUndefined();
    expect(agent.volumeMounts).toEqual([
      { name: "model-dir", mountPath: "/mnt/models" },
      { name: "model-config", mountPath: "/mnt/configs" },
    ]);
    expect(status.volumes).toEqual(["model-dir", "model-config"]);
  });

  it("does not mount the model dir twice into a container that already mounts /mnt/models", () => {
    const mounted: Container = {
      ...kserve,
      volumeMounts: [{ name: "kserve-provision-location", mountPath: "/mnt/models" }],
    };
    const { pod: out } = injected(injectAgent(pod([mounted], PULLER), bundled));
    expect(out.spec?.containers[0]?.volumeMounts).toEqual(mounted.volumeMounts);
  });

  it.each([["internal.serving.kserve.io/modelDir"], ["internal.serving.kserve.io/configVolumeName"]])(
    "refuses a puller pod without %s, naming it",
    (missing) => {
      const annotations: Record<string, string> = { ...PULLER };
      delete annotations[missing];
      const result = injectAgent(pod([kserve], annotations), bundled);
      expect(result).toEqual({
        outcome: "refused",
        reason: `annotation internal.serving.kserve.io/agent needs annotation ${missing}`,
      });
    },
  );
});

describe("status annotation and idempotency", () => {
  it("records what was done, compactly", () => {
    const exec: Container = { ...kserve, readinessProbe: { exec: { command: ["true"] } } };
    const { pod: out } = injected(injectAgent(pod([exec], PULLER), bundled));
    const raw = out.metadata?.annotations?.["serving.kserve.io/agent-injection-status"] ?? "";
    expect(raw.length).toBeLessThan(1024);
    expect(JSON.parse(raw)).toEqual({
      component: "kserve-container",
      mode: "raw",
      probe: "exec",
      readiness: "exec -> tcpSocket:8085",
      volumes: ["model-dir", "model-config"],
    });
  });

  it("is left out with statusAnnotation: false", () => {
    const input = pod([kserve]);
    const { pod: out } = injected(injectAgent(input, configWith({ statusAnnotation: false })));
    expect(out.metadata).toBe(input.metadata);
  });

  it("a pod that already has an agent is left alone, even after other changes", () => {
    const { pod: out } = injected(injectAgent(pod([kserve]), bundled));
    const touched = {
      ...out,
      spec: { ...out.spec, containers: [{ name: "istio-proxy" }, ...(out.spec?.containers ?? [])] },
    };
    expect(injectAgent(touched, bundled)).toEqual({
      outcome: "unchanged",
      reason: "agent container already present",
    });
  });

  it("a pod without a trigger annotation is left alone", () => {
    expect(injectAgent(pod([kserve], {}), bundled).outcome).toBe("unchanged");
  });
});

describe("an init container named agent", () => {
  it("is refused with the reason, never a pod with two containers named agent", () => {
    const input: Pod = {
      ...pod([kserve]),
      spec: { containers: [kserve], initContainers: [{ name: "agent" }] },
    };
    expect(injectAgent(input, bundled)).toEqual({
      outcome: "refused",
      reason: "an init container is already named agent",
    });
  });
});
