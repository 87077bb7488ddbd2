import type { Pod } from "kubernetes-types/core/v1.js";
import { parseAllDocuments } from "yaml";
import { admitPod, type PodDecision } from "../admission/admit.js";
import { createPatch, type Operation } from "../admission/patch.js";
import type { InjectorConfig } from "../config/schema.js";

/**
 * The `inject` preview's input: Kubernetes objects read from YAML or JSON, and what the webhook
 * would do to each, through the same {@link admitPod} the HTTP function calls.
 */

export type KubeObject = Record<string, unknown>;

/** One top-level document: an object, or a List (`kubectl get ... -o yaml`) of them. */
export type InputDocument =
  | { readonly type: "object"; readonly object: KubeObject; readonly path: readonly string[] }
  | {
      readonly type: "list";
      readonly list: KubeObject;
      readonly items: readonly KubeObject[];
      readonly path: readonly string[];
    };

/** Input that is not a Kubernetes object; the message names the document. */
export class InputError extends Error {
  override name = "InputError";
}

/** Controllers whose `spec.template` is the pod they create. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set(["Deployment", "ReplicaSet", "StatefulSet"]);

export const isObject = (value: unknown): value is KubeObject =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Reads every document of a YAML stream (JSON is YAML too); empty documents are skipped. */
export function readDocuments(text: string): InputDocument[] {
  const documents: InputDocument[] = [];
  for (const [index, doc] of parseAllDocuments(text).entries()) {
    const name = `document ${index + 1}`;
    const error = doc.errors[0];
    if (error) throw new InputError(`${name}: ${error.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new InputError(`${name}: expected a Kubernetes object`);
    if (isList(value)) {
      const items = value.items as unknown[];
      items.forEach((item, at) => {
        if (!isObject(item)) throw new InputError(`${name}.items.${at}: expected a Kubernetes object`);
      });
      documents.push({ type: "list", list: value, items: items as KubeObject[], path: [name] });
    } else {
      documents.push({ type: "object", object: value, path: [name] });
    }
  }
  if (documents.length === 0) throw new InputError("the input holds no object");
  return documents;
}

function isList(value: KubeObject): boolean {
  return typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items);
}

/** What the webhook would do to one object. */
export type ObjectPreview =
  | {
      readonly outcome: "injected";
      readonly object: KubeObject;
      readonly patch: Operation[];
      readonly note: string;
    }
  | { readonly outcome: "unchanged"; readonly object: KubeObject; readonly note: string }
  | { readonly outcome: "refused"; readonly note: string }
  | { readonly outcome: "invalid"; readonly error: string };

/**
 * Previews one object: a Pod as the webhook sees it; a Deployment, ReplicaSet or StatefulSet
 * through its pod template (the template's metadata, the workload's namespace); anything else
 * unchanged. `namespace` stands in for the request's namespace when the object names none.
 */
export function previewObject(
  object: KubeObject,
  config: InjectorConfig,
  namespace: string | undefined,
  path: readonly string[],
): ObjectPreview {
  const kind = object.kind;
  const ownNamespace = (object.metadata as { namespace?: unknown } | undefined)?.namespace;
  const ns = typeof ownNamespace === "string" && ownNamespace !== "" ? ownNamespace : namespace;
  if (kind === undefined || kind === "Pod") {
    return fromDecision(admitPod(object, config, ns, [...path]), object, (pod) => pod as KubeObject);
  }
  if (typeof kind !== "string" || !WORKLOAD_KINDS.has(kind)) {
    return {
      outcome: "unchanged",
      object,
      note: `kind ${String(kind)} is not a Pod or a workload with a pod template`,
    };
  }
  const spec = object.spec;
  const template = isObject(spec) ? spec.template : undefined;
  if (!isObject(spec) || !isObject(template)) {
    return { outcome: "invalid", error: `${[...path, "spec", "template"].join(".")}: expected an object` };
  }
  const pod: KubeObject = {
    ...(template.metadata !== undefined ? { metadata: template.metadata } : {}),
    spec: template.spec,
  };
  const decision = admitPod(pod, config, ns, [...path, "spec", "template"]);
  return fromDecision(decision, object, (mutated) => ({
    ...object,
    spec: { ...spec, template: { ...template, metadata: mutated.metadata, spec: mutated.spec } },
  }));
}

/** The preview for a decision on `object`'s pod; `wrap` puts a mutated pod back in its place. */
function fromDecision(
  decision: PodDecision,
  object: KubeObject,
  wrap: (pod: Pod) => KubeObject,
): ObjectPreview {
  switch (decision.decision) {
    case "invalid":
      return { outcome: "invalid", error: decision.error };
    case "deny":
      return { outcome: "refused", note: decision.reason };
    case "skip":
      return { outcome: "unchanged", object, note: decision.reason };
    case "patch": {
      const mutated = wrap(decision.pod);
      return {
        outcome: "injected",
        object: mutated,
        patch: createPatch(object, mutated),
        note: statusNote(decision.status),
      };
    }
  }
}

function statusNote(status: { mode: string; readiness: string }): string {
  return `${status.mode}: ${status.readiness}`;
}

/** `Deployment models/sklearn-iris-predictor`, for messages. */
export function describeObject(object: KubeObject): string {
  const meta = isObject(object.metadata) ? object.metadata : {};
  const name = [meta.name, meta.generateName].find((n) => typeof n === "string" && n !== "") ?? "(no name)";
  const ns = typeof meta.namespace === "string" && meta.namespace !== "" ? `${meta.namespace}/` : "";
  return `${typeof object.kind === "string" ? object.kind : "object"} ${ns}${String(name)}`;
}
