import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { review } from "../admission/review.js";
import type { ServerSettings } from "../config/env.js";
import type { InjectorConfig } from "../config/schema.js";
import type { LogSink, Severity } from "../log.js";
import { isAuthorized } from "./auth.js";

/** The request as the functions framework hands it over: headers, and the body it parsed. */
export interface WebhookRequest {
  readonly method: string;
  /** The path and query; never logged (it may carry the token). */
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: unknown;
  readonly rawBody?: Buffer;
}

export type WebhookResponse = Pick<ServerResponse, "writeHead" | "end">;

export interface HandlerDeps {
  readonly config: InjectorConfig;
  readonly settings: ServerSettings;
  readonly log: LogSink;
}

const JSON_HEADERS = { "Content-Type": "application/json" } as const;

/**
 * The HTTP edge of the webhook: cheap refusals first (method, token, content type, size), then
 * the AdmissionReview. Any path, any query string (the API server calls `<url>?timeout=10s`).
 */
export function createHandler({ config, settings, log }: HandlerDeps) {
  return function mutatePods(req: WebhookRequest, res: WebhookResponse): void {
    const started = performance.now();
    const refuse = (status: number, error: string, headers: Record<string, string> = {}) => {
      send(res, status, { error }, headers);
      log({
        severity: "WARNING",
        message: `refused: ${error}`,
        httpStatus: status,
        durationMs: since(started),
      });
    };

    if (req.method !== "POST") {
      refuse(405, "only POST is allowed", { Allow: "POST" });
      return;
    }
    if (
      !settings.allowUnauthenticated &&
      !isAuthorized(req.headers.authorization, settings.tokenDigests, req.url)
    ) {
      // Nothing else said: no hint of which part was wrong.
      res.writeHead(401, { "WWW-Authenticate": "Bearer" });
      res.end();
      log({
        severity: "WARNING",
        message: "refused: unauthenticated",
        httpStatus: 401,
        durationMs: since(started),
      });
      return;
    }
    if (!isJson(req.headers["content-type"])) {
      refuse(415, "Content-Type must be application/json");
      return;
    }
    const size = req.rawBody?.length ?? Number(req.headers["content-length"] ?? 0);
    if (size > settings.maxRequestBytes) {
      refuse(413, `body of ${size} bytes is over MAX_REQUEST_BYTES (${settings.maxRequestBytes})`);
      return;
    }

    let result: ReturnType<typeof review>;
    try {
      result = review(req.body, config);
    } catch (error) {
      // Never a stack trace in a response; the log has the message and the uid.
      send(res, 500, { error: "internal error" });
      log({
        severity: "ERROR",
        message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
        uid: uidOf(req.body),
        httpStatus: 500,
        durationMs: since(started),
      });
      return;
    }
    if (result.status === 400) {
      refuse(400, result.body.error);
      return;
    }
    send(res, 200, result.body);
    const { facts } = result;
    const severity: Severity = facts.decision === "deny" ? "WARNING" : "INFO";
    log({
      severity,
      message: `review ${facts.decision}`,
      ...facts,
      httpStatus: 200,
      durationMs: since(started),
    });
  };
}

function send(res: WebhookResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  // With its length known, Node writes the head and the body in one go; without it, a chunked
  // response costs more writes and framing on both ends.
  res.writeHead(status, { ...JSON_HEADERS, ...headers, "Content-Length": String(Buffer.byteLength(text)) });
  res.end(text);
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json";
}

function since(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function uidOf(body: unknown): string | undefined {
  const uid = (body as { request?: { uid?: unknown } } | null)?.request?.uid;
  return typeof uid === "string" ? uid.slice(0, 128) : undefined;
}
