import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { type InjectorConfig, parseConfigMapData } from "./schema.js";

/**
 * The package's top directory: the nearest directory above this code that holds `package.json`.
 * This code runs from src/config/ (tests), dist/config/ (the CLI) and dist/function.mjs (the
 * function, bundled), so no one relative path fits all three. A few `existsSync` calls, once.
 */
function packageRoot(moduleUrl: string): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; ) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    // No package.json at all: the error comes when, and only if, the bundled config is read.
    if (parent === dir) return start;
    dir = parent;
  }
}

/** The bundled ConfigMap with KServe's release defaults. */
export const BUNDLED_CONFIG_PATH = join(
  packageRoot(import.meta.url),
  "config",
  "inferenceservice-config.yaml",
);

/** A configuration the function cannot start with; the message names every bad key. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads an `inferenceservice-config` ConfigMap manifest (YAML or JSON) and parses the keys the
 * injector reads. Throws one {@link ConfigError} naming each problem.
 */
export function loadInjectorConfig(path: string = BUNDLED_CONFIG_PATH): InjectorConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let manifest: unknown;
  try {
    manifest = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: not YAML or JSON (${(error as Error).message})`);
  }
  const data = configMapData(manifest);
  if (typeof data === "string") throw new ConfigError(`${path}: ${data}`);
  const parsed = parseConfigMapData(data);
  if (parsed.errors.length > 0) {
    throw new ConfigError(`invalid configuration in ${path}:\n  ${parsed.errors.join("\n  ")}`);
  }
  return parsed.value;
}

function configMapData(manifest: unknown): Record<string, string> | string {
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
    return "expected a ConfigMap manifest";
  }
  const { kind, data } = manifest as { kind?: unknown; data?: unknown };
  if (kind !== "ConfigMap") return `expected kind ConfigMap, found ${JSON.stringify(kind)}`;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return "data: expected a map of strings";
  }
  const bad = Object.entries(data).filter(([, value]) => typeof value !== "string");
  if (bad.length > 0) {
    return bad.map(([key]) => `data.${key}: expected a string (a JSON document)`).join("; ");
  }
  return data as Record<string, string>;
}

/** Loads the configuration named by `INFERENCESERVICE_CONFIG`, else the bundled one. */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env): InjectorConfig {
  return loadInjectorConfig(env.INFERENCESERVICE_CONFIG || BUNDLED_CONFIG_PATH);
}
