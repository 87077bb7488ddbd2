import type { Pod } from "kubernetes-types/core/v1.js";
import type { InjectorConfig } from "../config/schema.js";
import { InferenceServiceLabel } from "../constants.js";
import { type InjectionStatus, injectAgent } from "../injector/inject-agent.js";
import { createPatch, type Operation } from "./patch.js";
import { describeIssue, PodMetadataSchema, PodSpecSchema } from "./schema.js";

/** What happens to one pod: nothing, a patch, a refusal, or a pod we cannot read. */
export type PodDecision =
  | { decision: "skip"; reason: string }
  | { decision: "patch"; patch: Operation[]; pod: Pod; status: InjectionStatus }
  | { decision: "deny"; reason: string }
  | { decision: "invalid"; error: string };

/**
 * Decides what to do with a pod being created, from its raw JSON object: the same path for the
 * HTTP function and the command line. `prefix` names the object in error messages.
 */
export function admitPod(
  object: Record<string, unknown>,
  config: InjectorConfig,
  namespace: string | undefined,
  prefix: string[] = ["request", "object"],
): PodDecision {
  const meta = PodMetadataSchema.safeParse(object);
  if (!meta.success) return { decision: "invalid", error: describeIssue(meta.error, prefix) };
  const labels = meta.data.metadata?.labels;
  if (!labels || !Object.hasOwn(labels, InferenceServiceLabel)) {
    return { decision: "skip", reason: `no ${InferenceServiceLabel} label` };
  }
  const spec = PodSpecSchema.safeParse(object);
  if (!spec.success) return { decision: "invalid", error: describeIssue(spec.error, prefix) };

  const pod = object as Pod;
  const injection = injectAgent(pod, config, { namespace });
  switch (injection.outcome) {
    case "unchanged":
      return { decision: "skip", reason: injection.reason };
    case "refused":
      return { decision: "deny", reason: injection.reason };
    case "injected":
      return {
        decision: "patch",
        patch: createPatch(object, injection.pod),
        pod: injection.pod,
        status: injection.status,
      };
  }
}
