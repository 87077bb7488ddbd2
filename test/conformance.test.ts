import { readdirSync, readFileSync } from "node:fs";
import type { Pod } from "kubernetes-types/core/v1.js";
import { describe, expect, it } from "vitest";
import {
  type InjectorConfig,
  parseAgentConfig,
  parseAgentInjectorOptions,
  parseBatcherConfig,
  parseLoggerConfig,
} from "../src/config/schema.js";
import { injectAgent } from "../src/injector/inject-agent.js";
import { normalize } from "./support/k8s-compare.js";

/**
 * KServe's own agent-injector tests (converted to JSON in test/conformance/kserve/), run as they
 * are compared in Go: spec only, zero values equal to absent, quantities by value, probes after
 * defaulting. The exec fixture is a deliberate deviation (see the README there and ours).
 */

const DIR = new URL("./conformance/kserve/", import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: fixtures are free-form JSON
type Fixture = any;
const fixtures: [string, Fixture][] = readdirSync(DIR)
  .filter((file) => file.endsWith(".json"))
  .map((file) => [file, JSON.parse(readFileSync(new URL(file, DIR), "utf8"))]);

/**
 * The injector's config as the Go test builds it: struct literals, not a ConfigMap. KServe's
 * fixtures give the logger no resources (the injector never reads them), so only the agent's
 * and the options' parse must be clean.
 */
function configOf(config: Record<string, unknown>): InjectorConfig {
  const json = (key: string) => (config[key] === undefined ? undefined : JSON.stringify(config[key]));
  const agent = parseAgentConfig(json("agent"));
  expect(agent.errors).toEqual([]);
  return {
    agent: agent.value,
    logger: parseLoggerConfig(json("logger")).value,
    batcher: parseBatcherConfig(json("batcher")).value,
    agentInjector: parseAgentInjectorOptions(undefined).value,
  };
}

function run(pod: Pod, config: Record<string, unknown>): Pod {
  const before = structuredClone(pod);
  const result = injectAgent(pod, configOf(config));
  expect(pod, "the input pod is never mutated").toEqual(before);
  expect(result.outcome).not.toBe("refused");
  return result.outcome === "injected" ? result.pod : pod;
}

function agentEnv(pod: Pod, name: string) {
  const agent = pod.spec?.containers.find((c) => c.name === "agent");
  return agent?.env?.find((e) => e.name === name);
}

describe("KServe conformance: inject-agent", () => {
  const cases = fixtures.filter(([, f]) => f.kind === "inject-agent");
  it("covers every inject-agent fixture", () => expect(cases.length).toBe(11));

  it.each(cases)("%s", (_file, fixture: Fixture) => {
    const out = run(fixture.pod, fixture.config);
    expect(normalize(out.spec)).toEqual(normalize(fixture.expected.spec));

    // A value copied from the queue-proxy stays byte-for-byte.
    const queueProxy = fixture.pod.spec.containers.find((c: { name: string }) => c.name === "queue-proxy");
    const copied = queueProxy?.env?.find((e: { name: string }) => e.name === "SERVING_READINESS_PROBE");
    if (copied) expect(agentEnv(out, "SERVING_READINESS_PROBE")?.value).toBe(copied.value);

    if (fixture.secondPass) {
      const again = injectAgent(out, configOf(fixture.secondPass.config));
      expect(again.outcome).toBe("unchanged");
    }
  });
});

describe("KServe conformance: config-parse", () => {
  const cases = fixtures.filter(([, f]) => f.kind === "config-parse");
  it("covers every config-parse fixture", () => expect(cases.length).toBe(6));

  it.each(cases)("%s", (_file, fixture: Fixture) => {
    const parsed = fixture.function.startsWith("getAgentConfigs")
      ? parseAgentConfig(fixture.configMapData.agent)
      : parseLoggerConfig(fixture.configMapData.logger, fixture.isvc);
    expect(parsed.errors.length > 0).toBe(fixture.expected.error);
    expect(parsed.value).toEqual(fixture.expected.config);
  });
});

describe("KServe conformance: readiness-probe-inheritance", () => {
  const drive = (fixture: Fixture): Pod => {
    const variant = fixture.injectorVariant;
    const pod = structuredClone(fixture.pod);
    pod.metadata.annotations = { ...pod.metadata.annotations, ...variant.addAnnotations };
    return run(pod, variant.config);
  };

  it("23 httpGet: the probe's JSON reaches the agent, and its path the agent's own probe", () => {
    const [, fixture] = fixtures.find(([file]) => file.startsWith("23-")) ?? [];
    const out = drive(fixture);
    const value = agentEnv(out, "SERVING_READINESS_PROBE")?.value ?? "";
    expect(JSON.parse(value)).toEqual(
      JSON.parse(fixture.expected.agentEnv.SERVING_READINESS_PROBE.injectorValue),
    );
    expect(normalize(out.spec)).toEqual(normalize(fixture.injectorVariant.expectedSpec));
  });

  it("25 exec: deliberate deviation, the agent gets a TCP probe on the component port", () => {
    const [, fixture] = fixtures.find(([file]) => file.startsWith("25-")) ?? [];
    // KServe leaves SERVING_READINESS_PROBE unset, and the agent (which requires it) exits.
    expect(fixture.expected.agentEnv.SERVING_READINESS_PROBE.present).toBe(false);
    const out = drive(fixture);
    expect(agentEnv(out, "SERVING_READINESS_PROBE")?.value).toBe('{"tcpSocket":{"port":8080}}');
    // Everything else matches KServe's expected spec.
    const expected = structuredClone(fixture.injectorVariant.expectedSpec);
    expected.containers[1].env = [{ name: "SERVING_READINESS_PROBE", value: '{"tcpSocket":{"port":8080}}' }];
    expect(normalize(out.spec)).toEqual(normalize(expected));
    // The user's exec probe stays on the user's container for the kubelet.
    expect(out.spec?.containers[0]?.readinessProbe).toEqual({ exec: { command: ["echo", "hello"] } });
  });
});

describe("the comparator itself", () => {
  const spec = {
    volumes: [{ name: "model-dir", emptyDir: {} }],
    containers: [{ name: "agent", args: ["--a", "1"], resources: { limits: { memory: "1Gi" } } }],
  };
  it("treats zero values as absent and quantities by value", () => {
    const same = structuredClone(spec) as Record<string, unknown>;
    (same.containers as Record<string, unknown>[])[0] = {
      ...spec.containers[0],
      env: [],
      resources: { limits: { memory: "1073741824" } },
      readinessProbe: undefined,
    };
    expect(normalize(same)).toEqual(normalize(spec));
  });
  it("still tells apart order, values and a missing emptyDir", () => {
    const reordered = { ...spec, containers: [{ ...spec.containers[0], args: ["1", "--a"] }] };
    expect(normalize(reordered)).not.toEqual(normalize(spec));
    const noEmptyDir = { ...spec, volumes: [{ name: "model-dir" }] };
    expect(normalize(noEmptyDir)).not.toEqual(normalize(spec));
  });
});
