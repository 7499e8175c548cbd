/** Builders for the scheduler's tests: a spec with defaults resolved, and instants written as UTC text. */
import type { DrillScheduleSpec } from "../../crds/generated/drillschedules.js";
import { toRfc3339 } from "../time.js";
import { resolveDrillSpec, type ResolvedDrillSpec } from "./spec.js";

export const at = (iso: string): number => Date.parse(iso);
export const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : toRfc3339(ms));

export function resolved(spec: Partial<DrillScheduleSpec> & Pick<DrillScheduleSpec, "schedule">): ResolvedDrillSpec {
  const result = resolveDrillSpec({ planRef: { name: "checkout" }, ...spec });
  if (!result.ok) throw new Error(result.message);
  return result.value;
}
