import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * `function.yaml`, the one deploy descriptor: what `npm run deploy` hands to
 * `gcloud functions deploy`. Validated here with zod, with every problem named by its field.
 */

/** Node.js runtimes Cloud Functions (2nd gen) offers that this code runs on. */
export const RUNTIMES = ["nodejs20", "nodejs22"] as const;

/** Variables that `env` must not set, and why. */
const FORBIDDEN_ENV: Readonly<Record<string, string>> = {
  WEBHOOK_TOKENS: "a token belongs in Secret Manager: set secrets.WEBHOOK_TOKENS",
  WEBHOOK_ALLOW_UNAUTHENTICATED: "set authentication: none instead, knowing what it means (docs/deploy.md)",
  PORT: "set by Cloud Functions",
  K_SERVICE: "set by Cloud Functions",
  K_REVISION: "set by Cloud Functions",
  K_CONFIGURATION: "set by Cloud Functions",
  FUNCTION_TARGET: "set from entryPoint",
  FUNCTION_SIGNATURE_TYPE: "set by Cloud Functions",
};

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const SecretRef = z.strictObject({
  secret: z
    .string()
    .regex(
      /^(?:projects\/[^/\s]+\/secrets\/)?[A-Za-z0-9_-]{1,255}$/,
      "a Secret Manager secret id (letters, digits, _ and -), or projects/PROJECT/secrets/ID",
    ),
  version: z
    .union([z.string(), z.number()])
    .transform(String)
    .refine((v) => v === "latest" || /^[1-9][0-9]*$/.test(v), 'expected "latest" or a version number'),
});

const timeout = z
  .string()
  .regex(/^[1-9][0-9]*s$/, 'expected seconds, such as "10s"')
  .refine((value) => Number.parseInt(value, 10) <= 3600, "at most 3600s for an HTTP function");

export const FunctionSpecSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/,
        "lowercase letters, digits and hyphens, starting with a letter, at most 63 characters",
      ),
    project: z
      .string()
      .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "a Google Cloud project id")
      .optional(),
    region: z.string().regex(/^[a-z]+-[a-z]+[0-9]+$/, "a Cloud Functions region, such as europe-west1"),
    runtime: z.enum(RUNTIMES, { message: `expected one of ${RUNTIMES.join(", ")}` }),
    entryPoint: z.literal("mutatePods", {
      message: 'expected "mutatePods" (the function src/index.ts registers)',
    }),
    memory: z.string().regex(/^[1-9][0-9]*(?:k|M|G|Ki|Mi|Gi)[bB]?$/, 'expected a size, such as "512Mi"'),
    cpu: z
      .union([z.number().positive(), z.string().regex(/^(?:[0-9]+|[0-9]*\.[0-9]+|[0-9]+m)$/)], {
        message: 'expected a number of CPUs, such as 1, 0.5 or "2000m"',
      })
      .optional(),
    concurrency: z.number().int().min(1).max(1000).optional(),
    timeout,
    minInstances: z.number().int().min(0).default(1),
    maxInstances: z.number().int().min(1).default(10),
    serviceAccount: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+$/, "a service account email")
      .optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not a variable name"), envValue).default({}),
    authentication: z
      .enum(["token", "none"], {
        message: 'expected "token" (the API server sends a bearer token) or "none" (see docs/deploy.md)',
      })
      .default("token"),
    secrets: z.strictObject({ WEBHOOK_TOKENS: SecretRef }).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.maxInstances < spec.minInstances) {
      ctx.addIssue({ code: "custom", path: ["maxInstances"], message: "must not be below minInstances" });
    }
    if ((spec.concurrency ?? 1) > 1 && cpuCores(spec.cpu) < 1) {
      ctx.addIssue({
        code: "custom",
        path: ["concurrency"],
        message: "more than 1 needs cpu of at least 1 (a Cloud Functions rule)",
      });
    }
    if (spec.authentication === "token" && !spec.secrets) {
      ctx.addIssue({
        code: "custom",
        path: ["secrets"],
        message: "required: secrets.WEBHOOK_TOKENS, the Secret Manager secret with the accepted tokens",
      });
    }
    if (spec.authentication === "none" && spec.secrets) {
      ctx.addIssue({
        code: "custom",
        path: ["secrets"],
        message: "authentication: none checks no token; remove secrets, or set authentication: token",
      });
    }
    for (const name of Object.keys(spec.env)) {
      const why = FORBIDDEN_ENV[name];
      if (why) ctx.addIssue({ code: "custom", path: ["env", name], message: `not allowed: ${why}` });
    }
  });

function cpuCores(cpu: number | string | undefined): number {
  if (cpu === undefined) return 0;
  if (typeof cpu === "string" && cpu.endsWith("m")) return Number(cpu.slice(0, -1)) / 1000;
  return Number(cpu);
}

export type FunctionSpec = z.infer<typeof FunctionSpecSchema>;

/** A `function.yaml` that cannot be deployed; the message names every bad field. */
export class FunctionSpecError extends Error {
  override name = "FunctionSpecError";
}

/** Parses and validates the text of a `function.yaml`; `source` names it in errors. */
export function parseFunctionSpec(text: string, source = "function.yaml"): FunctionSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new FunctionSpecError(`${source}: not YAML (${(error as Error).message})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new FunctionSpecError(`${source}: expected a mapping of fields, such as name: and region:`);
  }
  const parsed = FunctionSpecSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new FunctionSpecError(`${source} is invalid:\n  ${problems.join("\n  ")}`);
}

/** Reads and validates a `function.yaml`. */
export function loadFunctionSpec(path: string): FunctionSpec {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new FunctionSpecError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return parseFunctionSpec(text, path);
}

/**
 * Whether a runtime's Node.js major version satisfies package.json's `engines.node`, for the
 * forms this project uses (`>=20`, `^20`, `20`, `20.x`, `>=20 <23`). Undefined: a range it does
 * not read, so the caller can say it did not check.
 */
export function runtimeSatisfiesEngines(runtime: string, engines: string): boolean | undefined {
  const major = Number(/^nodejs(\d+)$/.exec(runtime)?.[1]);
  if (!Number.isInteger(major)) return false;
  const parts = engines.trim().split(/\s+/);
  let known = true;
  const ok = parts.every((part) => {
    const m = /^(>=|<=|>|<|\^|~)?(\d+)(?:\.(?:\d+|x|\*))*$/.exec(part);
    if (!m) {
      known = false;
      return true;
    }
    const wanted = Number(m[2]);
    switch (m[1]) {
      case ">=":
        return major >= wanted;
      case ">":
        return major > wanted;
      case "<":
        return major < wanted;
      case "<=":
        return major <= wanted;
      default:
        return major === wanted;
    }
  });
  return known ? ok : undefined;
}
