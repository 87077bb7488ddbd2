import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { foldKeys } from "../src/config/go-json.js";
import { ConfigError, loadConfigFromEnv, loadInjectorConfig } from "../src/config/load.js";
import { isQuantity, quantityValue } from "../src/config/quantity.js";
import { parseAgentInjectorOptions, parseConfigMapData } from "../src/config/schema.js";

const dir = mkdtempSync(join(tmpdir(), "kaw-config-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const agent =
  '{"image":"a:1","cpuRequest":"100m","cpuLimit":"1","memoryRequest":"200Mi","memoryLimit":"1Gi"}';

describe("Go's case-insensitive JSON keys", () => {
  it("binds folded keys, prefers the exact one, ignores unknown ones", () => {
    expect(foldKeys({ Image: "x", CPUREQUEST: "1", other: 2 }, ["image", "cpuRequest"])).toEqual({
      image: "x",
      cpuRequest: "1",
    });
    expect(foldKeys({ image: "exact", IMAGE: "folded" }, ["image"])).toEqual({ image: "exact" });
    expect(foldKeys({ IMAGE: "folded", image: "exact" }, ["image"])).toEqual({ image: "exact" });
    expect(foldKeys([1], ["image"])).toBeUndefined();
  });
});

describe("Kubernetes quantities", () => {
  it.each(["1", "100m", "1.5", ".5", "1Gi", "200Mi", "1e3", "+2", "500k", "1E"])("%s is one", (q) =>
    expect(isQuantity(q)).toBe(true),
  );
  it.each(["", "200mc", "1 Gi", "Gi", "1gi", "abc", "1.2.3"])("%j is not", (q) =>
    expect(isQuantity(q)).toBe(false),
  );
  it("compares by value", () => {
    expect(quantityValue("1Gi")).toBe(1073741824);
    expect(quantityValue("100m")).toBeCloseTo(0.1);
    expect(quantityValue("2e3")).toBe(2000);
  });
});

describe("the ConfigMap", () => {
  it("loads the bundled release defaults", () => {
    const config = loadInjectorConfig();
    expect(config.agent.image).toMatch(/^kserve\/agent:/);
    expect(config.agentInjector).toEqual({
      execProbe: "tcpSocket",
      queueProxyProbe: "unchanged",
      statusAnnotation: true,
    });
    expect(Object.isFrozen(config.agent)).toBe(true);
  });

  it("reads a JSON manifest named by INFERENCESERVICE_CONFIG", () => {
    const path = file(
      "cm.json",
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        data: { agent, logger: agent.replace("a:1", "l:1") },
      }),
    );
    const config = loadConfigFromEnv({ INFERENCESERVICE_CONFIG: path });
    expect(config.agent.image).toBe("a:1");
    expect(config.logger.image).toBe("l:1");
  });

  it("names every bad key in one error", () => {
    const path = file(
      "bad.yaml",
      [
        "apiVersion: v1",
        "kind: ConfigMap",
        "data:",
        `  agent: '${agent.replace("200Mi", "200mc")}'`,
        `  logger: '${agent.replace('"1Gi"', '"lots"')}'`,
        "  batcher: '{not json'",
        `  agentInjector: '{"execProbe":"maybe"}'`,
      ].join("\n"),
    );
    let message = "";
    try {
      loadInjectorConfig(path);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('agent.memoryRequest: "200mc" is not a valid Kubernetes quantity');
    expect(message).toContain('logger.memoryLimit: "lots" is not a valid Kubernetes quantity');
    expect(message).toContain("batcher: not valid JSON");
    expect(message).toContain("agentInjector.execProbe:");
  });

  it("says what is wrong with the manifest itself", () => {
    expect(() => loadInjectorConfig(file("s.yaml", "kind: Secret\ndata: {}"))).toThrow(
      /expected kind ConfigMap/,
    );
    expect(() => loadInjectorConfig(join(dir, "missing.yaml"))).toThrow(/cannot read .*ENOENT/);
    expect(() => loadInjectorConfig(file("n.yaml", "kind: ConfigMap\ndata:\n  agent: 3"))).toThrow(
      /data.agent: expected a string/,
    );
  });

  it("requires the agent and logger keys, and validates agentInjector options", () => {
    expect(parseConfigMapData({}).errors).toEqual([
      "agent: missing (the agent injector needs it)",
      "logger: missing (the agent injector needs it)",
    ]);
    expect(parseAgentInjectorOptions('{"QueueProxyProbe":"agent","statusAnnotation":false}').value).toEqual({
      execProbe: "tcpSocket",
      queueProxyProbe: "agent",
      statusAnnotation: false,
    });
    expect(parseAgentInjectorOptions('{"statusAnnotation":"no"}').errors[0]).toMatch(
      /^agentInjector.statusAnnotation: /,
    );
  });
});
