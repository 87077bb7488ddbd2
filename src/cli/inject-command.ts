import { parseArgs } from "node:util";
import { stringify as toYaml } from "yaml";
import type { Operation } from "../admission/patch.js";
import { BUNDLED_CONFIG_PATH, loadInjectorConfig } from "../config/load.js";
import type { CliIo } from "./io.js";
import { describeObject, type KubeObject, previewObject, readDocuments } from "./objects.js";
import { INJECT_USAGE, UsageError } from "./usage.js";

const FORMATS = ["yaml", "json", "patch"] as const;
type Format = (typeof FORMATS)[number];

/** One object's result, kept in input order; refused objects have none. */
interface Result {
  readonly object: KubeObject;
  readonly patch: Operation[];
}

/** `inject`: the objects as the webhook would leave them (or their patches), reasons on stderr. */
export function runInject(argv: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      filename: { type: "string", short: "f" },
      file: { type: "string" },
      output: { type: "string", short: "o", default: "yaml" },
      namespace: { type: "string", short: "n" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(`${INJECT_USAGE}\n`);
    return 0;
  }
  const file = values.filename ?? values.file;
  if (!file) throw new UsageError("inject needs -f FILE (or -f - for standard input)", INJECT_USAGE);
  const format = values.output as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(
      `-o must be yaml, json or patch, not ${JSON.stringify(values.output)}`,
      INJECT_USAGE,
    );
  }
  const config = loadInjectorConfig(values.config ?? BUNDLED_CONFIG_PATH);
  const documents = readDocuments(io.read(file));

  let refused = false;
  let objectCount = 0;
  // Per document: the single result (or undefined when refused), or a List's kept items.
  const outputs: (KubeObject | undefined)[] = [];
  const results: Result[] = [];
  for (const document of documents) {
    const entries = document.type === "list" ? document.items : [document.object];
    const kept: KubeObject[] = [];
    for (const [at, object] of entries.entries()) {
      objectCount += 1;
      const path = document.type === "list" ? [...document.path, "items", String(at)] : [...document.path];
      const preview = previewObject(object, config, values.namespace, path);
      const where = `${path.join(".")} (${describeObject(object)})`;
      if (preview.outcome === "invalid") {
        io.err(`${preview.error}\n`);
        return 1;
      }
      if (preview.outcome === "refused") {
        io.err(`${where}: refused: ${preview.note}\n`);
        refused = true;
        continue;
      }
      io.err(`${where}: ${preview.outcome}: ${preview.note}\n`);
      kept.push(preview.object);
      results.push({ object: preview.object, patch: preview.outcome === "injected" ? preview.patch : [] });
    }
    outputs.push(document.type === "list" ? { ...document.list, items: kept } : kept[0]);
  }

  const present = outputs.filter((o): o is KubeObject => o !== undefined);
  if (format === "yaml") {
    io.out(present.map((o) => toYaml(o)).join("---\n"));
  } else if (format === "json") {
    if (present.length === 1) io.out(json(present[0]));
    else if (present.length > 1)
      io.out(json({ apiVersion: "v1", kind: "List", items: results.map((r) => r.object) }));
  } else if (objectCount === 1) {
    if (results[0]) io.out(json(results[0].patch));
  } else {
    io.out(json(results.map((r) => r.patch)));
  }
  return refused ? 2 : 0;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
