/**
 * metav1.Condition helpers with kubebuilder's meta.SetStatusCondition semantics: the list is keyed by type, and
 * lastTransitionTime moves only when status changes, so it answers "since when" rather than "when last checked" and an
 * unchanged status produces an unchanged object (no status write, no watch event).
 */
import type { RegionPolicyStatusCondition } from "../crds/generated/regionpolicies.js";
import { toRfc3339 } from "./time.js";

/** The same shape for every kind's status.conditions. */
export type Condition = RegionPolicyStatusCondition;
export type ConditionStatus = Condition["status"];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Returns a new list with the condition of update.type set. A new condition, or a status change, stamps
 * lastTransitionTime with `now`; otherwise the existing lastTransitionTime is kept while reason, message and
 * observedGeneration are refreshed. The input list is not modified, and the position of an existing condition is kept.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: number,
): Condition[] {
  const list = conditions ?? [];
  const existing = findCondition(list, update.type);
  const lastTransitionTime =
    existing !== undefined && existing.status === update.status ? existing.lastTransitionTime : toRfc3339(now);

  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime,
  };
  if (update.observedGeneration !== undefined) next.observedGeneration = update.observedGeneration;

  return existing === undefined ? [...list, next] : list.map((c) => (c === existing ? next : c));
}

/** Returns a new list without the condition of that type. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}
