/**
 * The CustomResourceDefinitions of switchyard.dev: the YAML files beside this one are the source of truth for the API
 * (schemas, CEL rules, defaults, printer columns); the TypeScript types in generated/ are derived from them.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const group = "switchyard.dev";
export const version = "v1alpha1";
export const apiVersion = `${group}/${version}`;

export const kinds = ["RegionPolicy", "FailoverPlan", "FailoverRun", "DrillSchedule"] as const;
export type Kind = (typeof kinds)[number];

export const plurals: Record<Kind, string> = {
  RegionPolicy: "regionpolicies",
  FailoverPlan: "failoverplans",
  FailoverRun: "failoverruns",
  DrillSchedule: "drillschedules",
};

const crdDir = dirname(fileURLToPath(import.meta.url));

export interface CrdDocument {
  apiVersion: string;
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; plural: string };
    versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[];
  };
}

export function crdPath(kind: Kind): string {
  return join(crdDir, `${plurals[kind]}.yaml`);
}

export function loadCrd(kind: Kind): CrdDocument {
  const crd = parse(readFileSync(crdPath(kind), "utf8")) as CrdDocument;
  if (crd.spec.names.kind !== kind) throw new Error(`${crdPath(kind)} defines ${crd.spec.names.kind}, not ${kind}`);
  return crd;
}

export function openApiSchema(kind: Kind): Record<string, unknown> {
  const served = loadCrd(kind).spec.versions.find((v) => v.name === version);
  if (!served) throw new Error(`${crdPath(kind)} has no ${version} version`);
  return served.schema.openAPIV3Schema;
}

interface SchemaNode {
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/**
 * The default the CRD declares at `path` in a kind's schema ("[]" steps into an array's items), so the code's own
 * defaults can be checked against it; throws when the path names no field.
 */
export function schemaDefault(kind: Kind, path: readonly string[]): unknown {
  let node = openApiSchema(kind) as SchemaNode;
  for (const key of path) {
    const next = key === "[]" ? node.items : node.properties?.[key];
    if (next === undefined) throw new Error(`no schema at ${path.join(".")}`);
    node = next;
  }
  return node.default;
}

/** Label on every FailoverRun naming the RegionPolicy it acts for, so runs of a policy can be selected. */
export const policyLabel = "switchyard.dev/policy";

/**
 * Annotation on a RegionPolicy: "true" is the automation kill switch (`switchyard pause`). While it is set the
 * controller decides nothing and starts no step of the policy's runs (invariant 6: paused means no external action);
 * a step already under way is left to finish. Metadata, not spec, so pausing never rewrites what the user declared.
 */
export const pausedAnnotation = "switchyard.dev/paused";

/** Annotation beside pausedAnnotation: why automation was paused, for the next person to look (`pause --reason`). */
export const pausedReasonAnnotation = "switchyard.dev/paused-reason";

export function isPaused(policy: { metadata?: { annotations?: Record<string, string> } }): boolean {
  return policy.metadata?.annotations?.[pausedAnnotation] === "true";
}

/** Label on every FailoverRun a DrillSchedule created, naming the schedule. */
export const drillScheduleLabel = "switchyard.dev/drill-schedule";

/**
 * Annotation on a DrillSchedule asking for a drill now (`switchyard drill now`): its value is an RFC 3339 time, the
 * request's identity; the controller starts one drill per distinct value, subject to suspend and concurrency.
 */
export const drillNowAnnotation = "switchyard.dev/drill-now";
