import type { InjectorConfig } from "../config/schema.js";
import { MAX_NESTING_DEPTH, nestedDeeperThan } from "../json-depth.js";
import { admitPod } from "./admit.js";
import { encodePatch } from "./patch.js";
import { AdmissionReviewSchema, describeIssue } from "./schema.js";

/** The AdmissionReview we answer with. */
export interface AdmissionReviewResponse {
  apiVersion: string;
  kind: "AdmissionReview";
  response: {
    uid: string;
    allowed: boolean;
    patchType?: "JSONPatch";
    patch?: string;
    status?: { code: number; message: string };
  };
}

/** Facts about one review for the log line: never the pod itself. */
export interface ReviewFacts {
  uid: string;
  namespace?: string | undefined;
  pod?: string | undefined;
  decision: "patch" | "skip" | "deny";
  reason: string;
  dryRun?: boolean | undefined;
}

/** The whole answer to a request body: a 400 with an error, or a 200 with a review. */
export type ReviewResult =
  | { status: 400; body: { error: string } }
  | { status: 200; body: AdmissionReviewResponse; facts: ReviewFacts };

/**
 * Answers one AdmissionReview body (already parsed from JSON). Pure, apart from the CPU it uses:
 * dry-run requests get the same answer, since the injection has no side effects.
 */
export function review(body: unknown, config: InjectorConfig): ReviewResult {
  if (nestedDeeperThan(body)) {
    return { status: 400, body: { error: `body: nested deeper than ${MAX_NESTING_DEPTH} levels` } };
  }
  const parsed = AdmissionReviewSchema.safeParse(body);
  if (!parsed.success) return { status: 400, body: { error: describeIssue(parsed.error) } };
  const { apiVersion, kind, request } = parsed.data;
  const object = request.object;
  const meta = object.metadata as { name?: unknown; generateName?: unknown } | null | undefined;
  const podName = typeof meta?.name === "string" && meta.name ? meta.name : meta?.generateName;
  // Log lines stay short whatever a caller sends.
  const uid = clip(request.uid);
  const namespace = clip(request.namespace);
  const pod = typeof podName === "string" ? clip(podName) : undefined;
  const dryRun = request.dryRun;
  // Built member by member, not spread: this runs for every review. The members' order is the
  // order of the JSON the API server reads and of the log line.
  const answer = (
    response: AdmissionReviewResponse["response"],
    decision: ReviewFacts["decision"],
    reason: string,
  ): ReviewResult => ({
    status: 200,
    body: { apiVersion, kind, response },
    facts: { uid, namespace, pod, dryRun, decision, reason },
  });
  const allowed = { uid: request.uid, allowed: true } as const;

  if (request.kind.kind !== "Pod" || (request.kind.group ?? "") !== "") {
    return answer(allowed, "skip", `not a Pod (${request.kind.kind})`);
  }
  if (request.operation !== "CREATE") {
    return answer(allowed, "skip", `operation ${request.operation}`);
  }
  const decision = admitPod(object, config, request.namespace);
  switch (decision.decision) {
    case "invalid":
      return { status: 400, body: { error: decision.error } };
    case "skip":
      return answer(allowed, "skip", decision.reason);
    case "deny":
      return answer(
        { uid: request.uid, allowed: false, status: { code: 400, message: decision.reason } },
        "deny",
        decision.reason,
      );
    case "patch": {
      const patch = encodePatch(decision.patch);
      if (patch === undefined) return answer(allowed, "skip", "nothing to change");
      return answer(
        { uid: request.uid, allowed: true, patchType: "JSONPatch", patch },
        "patch",
        `${decision.status.mode}: ${decision.status.readiness}`,
      );
    }
  }
}

function clip<T extends string | undefined>(value: T): T {
  return (value !== undefined && value.length > 253 ? `${value.slice(0, 253)}…` : value) as T;
}
