import { hash } from "node:crypto";
import { ConfigError } from "./load.js";

/** 3 MiB, the API server's own request limit, plus room for the AdmissionReview envelope. */
export const DEFAULT_MAX_REQUEST_BYTES = 3 * 1024 * 1024 + 256 * 1024;

/** How the HTTP function guards itself, read once from the environment at cold start. */
export interface ServerSettings {
  /** SHA-256 digests of the accepted bearer tokens; empty only when unauthenticated is allowed. */
  readonly tokenDigests: readonly Buffer[];
  readonly allowUnauthenticated: boolean;
  readonly maxRequestBytes: number;
}

/**
 * SHA-256 of a token: equal-length values for a constant-time comparison. It runs on every
 * request, so the one-shot `crypto.hash`: `createHash().update().digest()` costs about 5 µs more
 * per call in the server (a Hash object and its stream machinery for 32 bytes).
 */
export function tokenDigest(token: string): Buffer {
  return hash("sha256", token, "buffer");
}

/**
 * Reads `WEBHOOK_TOKENS` (comma-separated, so a token can be rotated without downtime),
 * `WEBHOOK_ALLOW_UNAUTHENTICATED` and `MAX_REQUEST_BYTES`. Throws one {@link ConfigError} naming
 * every bad variable; never includes a token in it.
 */
export function loadServerSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const errors: string[] = [];
  const tokens = (env.WEBHOOK_TOKENS ?? "")
    .split(",")
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
  const allowRaw = env.WEBHOOK_ALLOW_UNAUTHENTICATED ?? "false";
  if (allowRaw !== "true" && allowRaw !== "false") {
    errors.push(
      `WEBHOOK_ALLOW_UNAUTHENTICATED: expected "true" or "false", found ${JSON.stringify(allowRaw)}`,
    );
  }
  const allowUnauthenticated = allowRaw === "true";
  if (tokens.length === 0 && !allowUnauthenticated) {
    errors.push(
      "WEBHOOK_TOKENS: no token configured; set it, or WEBHOOK_ALLOW_UNAUTHENTICATED=true for local use only",
    );
  }
  const maxRaw = env.MAX_REQUEST_BYTES;
  let maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
  if (maxRaw !== undefined && maxRaw !== "") {
    maxRequestBytes = Number(maxRaw);
    if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes <= 0) {
      errors.push(`MAX_REQUEST_BYTES: expected a positive whole number, found ${JSON.stringify(maxRaw)}`);
    }
  }
  if (errors.length > 0) throw new ConfigError(`invalid environment:\n  ${errors.join("\n  ")}`);
  return Object.freeze({
    tokenDigests: Object.freeze(tokens.map(tokenDigest)),
    allowUnauthenticated,
    maxRequestBytes,
  });
}
