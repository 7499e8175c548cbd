/**
 * What is true of a FailoverRun wherever it is read — the controllers, the CLI, the report, the demo: when it is over.
 * Pure, so every reader agrees.
 */
import type { FailoverRunStatus } from "../crds/generated/failoverruns.js";

export type RunPhase = NonNullable<FailoverRunStatus["phase"]>;
export type FinalPhase = Extract<RunPhase, "Succeeded" | "Failed" | "RolledBack" | "Cancelled">;

const finalPhases: ReadonlySet<string> = new Set<FinalPhase>(["Succeeded", "Failed", "RolledBack", "Cancelled"]);

/** A run in one of these phases is over: nothing about it changes any more. */
export function isFinalPhase(phase: string | undefined): boolean {
  return finalPhases.has(phase ?? "Pending");
}
