import type { Probe } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import { agentReadinessProbe } from "../src/probes/agent-probe.js";
import { type Component, delegateReadiness } from "../src/probes/delegate.js";
import { istioAppProbers } from "../src/probes/istio.js";
import { rewriteQueueProxyProbe } from "../src/probes/queue-proxy.js";

const timing = { initialDelaySeconds: 5, timeoutSeconds: 7, periodSeconds: 11, failureThreshold: 4 };
const component = (readinessProbe?: Probe): Component => ({
  name: "kserve-container",
  readinessProbe,
  port: 8081,
  ports: [
    { name: "http", containerPort: 8081 },
    { name: "grpc", containerPort: 9000 },
  ],
});

describe("raw mode: the table, row by row", () => {
  it.each<[string, Probe | undefined, "tcpSocket" | "skip", string, string]>([
    [
      "httpGet, numeric port: unchanged",
      { httpGet: { path: "/v1/ready", port: 8081 }, ...timing },
      "tcpSocket",
      JSON.stringify({ httpGet: { path: "/v1/ready", port: 8081 }, ...timing }),
      "httpGet -> httpGet:8081",
    ],
    [
      "tcpSocket, numeric port: unchanged",
      { tcpSocket: { port: 8081 }, periodSeconds: 3 },
      "tcpSocket",
      '{"tcpSocket":{"port":8081},"periodSeconds":3}',
      "tcpSocket -> tcpSocket:8081",
    ],
    [
      "httpGet, named port: resolved on the component",
      { httpGet: { path: "/ready", port: "http" }, timeoutSeconds: 2 },
      "tcpSocket",
      '{"httpGet":{"path":"/ready","port":8081},"timeoutSeconds":2}',
      'httpGet -> httpGet:8081 (port "http")',
    ],
    [
      "tcpSocket, named port: resolved on the component",
      { tcpSocket: { port: "grpc" } },
      "tcpSocket",
      '{"tcpSocket":{"port":9000}}',
      'tcpSocket -> tcpSocket:9000 (port "grpc")',
    ],
    [
      "named port that does not exist: as exec",
      { httpGet: { path: "/ready", port: "nope" }, ...timing },
      "tcpSocket",
      JSON.stringify({ tcpSocket: { port: 8081 }, ...timing }),
      'httpGet(port "nope" not found) -> tcpSocket:8081',
    ],
    [
      "named port that does not exist, skip: as exec, so skip",
      { httpGet: { path: "/ready", port: "nope" } },
      "skip",
      "",
      'httpGet(port "nope" not found) -> skip',
    ],
    [
      "grpc: unchanged",
      { grpc: { port: 9000, service: "ready" }, periodSeconds: 5 },
      "tcpSocket",
      '{"grpc":{"port":9000,"service":"ready"},"periodSeconds":5}',
      "grpc -> grpc:9000",
    ],
    [
      "exec: tcpSocket on the component port, with the exec probe's timing",
      { exec: { command: ["cat", "/tmp/ready"] }, ...timing, successThreshold: 1 },
      "tcpSocket",
      JSON.stringify({ tcpSocket: { port: 8081 }, ...timing, successThreshold: 1 }),
      "exec -> tcpSocket:8081",
    ],
    ["exec, skip: the empty string", { exec: { command: ["true"] } }, "skip", "", "exec -> skip"],
    [
      "none: tcpSocket on the component port",
      undefined,
      "tcpSocket",
      '{"tcpSocket":{"port":8081}}',
      "none -> tcpSocket:8081",
    ],
    [
      "none, skip: still tcpSocket (skip is for exec)",
      undefined,
      "skip",
      '{"tcpSocket":{"port":8081}}',
      "none -> tcpSocket:8081",
    ],
  ])("%s", (_name, probe, execProbe, value, rule) => {
    const input = structuredClone(probe);
    const delegation = delegateReadiness(component(probe), { execProbe });
    const parse = (json: string) => (json === "" ? "" : JSON.parse(json));
    expect(parse(delegation.value)).toEqual(parse(value));
    expect(delegation.rule).toBe(rule);
    expect(probe, "the component's probe is never changed").toEqual(input);
  });

  it("a numeric string port counts as the number", () => {
    const delegation = delegateReadiness(component({ tcpSocket: { port: "8081" } }), {
      execProbe: "tcpSocket",
    });
    expect(JSON.parse(delegation.value)).toEqual({ tcpSocket: { port: 8081 } });
  });
});

describe("probes rewritten by Istio", () => {
  const rewritten: Probe = {
    httpGet: { path: "/app-health/kserve-container/readyz", port: 15020, scheme: "HTTP" },
    periodSeconds: 9,
    failureThreshold: 6,
  };
  const probers = istioAppProbers([
    {
      name: "ISTIO_KUBE_APP_PROBERS",
      value: JSON.stringify({
        "/app-health/kserve-container/readyz": {
          httpGet: { path: "/v1/models/m", port: 8081, scheme: "HTTP" },
          timeoutSeconds: 3,
        },
      }),
    },
  ]);

  it("delegates the original Istio recorded, with the kubelet's timing", () => {
    const delegation = delegateReadiness(component(rewritten), { execProbe: "tcpSocket" }, probers);
    expect(JSON.parse(delegation.value)).toEqual({
      httpGet: { path: "/v1/models/m", port: 8081, scheme: "HTTP" },
      periodSeconds: 9,
      failureThreshold: 6,
      timeoutSeconds: 3,
    });
    expect(delegation.rule).toBe("istio(httpGet) -> httpGet:8081");
    expect(agentReadinessProbe(rewritten, delegation).httpGet?.path).toBe("/v1/models/m");
  });

  it("without a record, delegates the probe as it is (pilot-agent answers it)", () => {
    const delegation = delegateReadiness(component(rewritten), { execProbe: "tcpSocket" }, {});
    expect(JSON.parse(delegation.value)).toEqual(rewritten);
  });

  it("unreadable ISTIO_KUBE_APP_PROBERS counts as no record", () => {
    expect(istioAppProbers([{ name: "ISTIO_KUBE_APP_PROBERS", value: "{not json" }])).toEqual({});
    expect(istioAppProbers([{ name: "ISTIO_KUBE_APP_PROBERS", value: "[1]" }])).toEqual({});
  });
});

describe("the agent's own readiness probe", () => {
  it("follows the delegated httpGet path and copies the component's timing", () => {
    const probe: Probe = { httpGet: { path: "/healthz", port: 8081 }, ...timing, successThreshold: 1 };
    const delegation = delegateReadiness(component(probe), { execProbe: "tcpSocket" });
    expect(agentReadinessProbe(probe, delegation)).toEqual({
      httpGet: {
        path: "/healthz",
        port: 9081,
        scheme: "HTTP",
        httpHeaders: [{ name: "K-Network-Probe", value: "queue" }],
      },
      ...timing,
      successThreshold: 1,
    });
  });

  it("keeps / and Kubernetes' defaults without a component probe", () => {
    const delegation = delegateReadiness(component(undefined), { execProbe: "tcpSocket" });
    expect(agentReadinessProbe(undefined, delegation)).toEqual({
      httpGet: {
        path: "/",
        port: 9081,
        scheme: "HTTP",
        httpHeaders: [{ name: "K-Network-Probe", value: "queue" }],
      },
    });
  });

  it("uses / for a tcp delegation of an exec probe, with the exec probe's timing", () => {
    const probe: Probe = { exec: { command: ["true"] }, timeoutSeconds: 30 };
    const delegation = delegateReadiness(component(probe), { execProbe: "tcpSocket" });
    expect(agentReadinessProbe(probe, delegation)).toMatchObject({
      httpGet: { path: "/" },
      timeoutSeconds: 30,
    });
  });
});

describe("queue-proxy mode: pointing the queue-proxy at the agent", () => {
  const agentProbe = {
    httpGet: {
      host: "127.0.0.1",
      port: 9081,
      path: "/",
      httpHeaders: [{ name: "K-Network-Probe", value: "queue" }],
    },
  };

  it("rewrites an object on the user port, keeping periodSeconds: 0", () => {
    const value = '{"tcpSocket":{"port":8080,"host":"127.0.0.1"},"successThreshold":1,"periodSeconds":0}';
    const rewrite = rewriteQueueProxyProbe(value, 8080);
    expect(JSON.parse(rewrite.value ?? "")).toEqual({ ...agentProbe, successThreshold: 1, periodSeconds: 0 });
    expect(rewrite.rule).toBe(":8080 -> agent:9081");
  });

  it("keeps a list a list and rewrites only the entries on the user port", () => {
    const sidecar = { httpGet: { path: "/", port: 8090, host: "127.0.0.1", scheme: "HTTP" } };
    const value = JSON.stringify([
      { httpGet: { path: "/", port: 8080, host: "127.0.0.1", scheme: "HTTP" } },
      sidecar,
    ]);
    const rewrite = rewriteQueueProxyProbe(value, 8080);
    expect(JSON.parse(rewrite.value ?? "")).toEqual([agentProbe, sidecar]);
    expect(rewrite.rule).toBe("1 of 2 entries :8080 -> agent:9081");
  });

  it("rewrites grpc entries on the user port too", () => {
    const rewrite = rewriteQueueProxyProbe('[{"grpc":{"port":8080}}]', 8080);
    expect(JSON.parse(rewrite.value ?? "")).toEqual([agentProbe]);
  });

  it.each([
    ["an object on another port", '{"tcpSocket":{"port":8090}}', "no probe on user port 8080: unchanged"],
    [
      "a list with no entry on the user port",
      '[{"tcpSocket":{"port":8090}}]',
      "no entry on user port 8080: unchanged",
    ],
    ["a value that is not JSON", "{oops", "SERVING_READINESS_PROBE is not JSON: unchanged"],
    ["no value", undefined, "no SERVING_READINESS_PROBE: unchanged"],
  ])("leaves %s alone, and says so", (_name, value, rule) => {
    expect(rewriteQueueProxyProbe(value, 8080)).toEqual({ value: undefined, rule });
  });
});

describe("a malformed Istio record", () => {
  const rewritten: Probe = { httpGet: { path: "/app-health/kserve-container/readyz", port: 15020 } };
  it.each([
    ["a path that is not a string", { httpGet: { path: 7, port: 8081 } }],
    ["no handler", { timeoutSeconds: 1 }],
    ["two handlers", { httpGet: { port: 8081 }, tcpSocket: { port: 8081 } }],
    ["a timing field that is not a number", { tcpSocket: { port: 8081 }, timeoutSeconds: "1" }],
    ["a port of the wrong type", { grpc: { port: "x" } }],
  ])("with %s counts as no record", (_name, record) => {
    const probers = { "/app-health/kserve-container/readyz": record as Probe };
    const delegation = delegateReadiness(component(rewritten), { execProbe: "tcpSocket" }, probers);
    expect(JSON.parse(delegation.value)).toEqual(rewritten);
  });
});
