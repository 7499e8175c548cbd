/**
 * A plan's run history, kept within spec.historyLimit once a run ends: which runs go is decided in the core
 * (src/core/plan/history.ts); this deletes them.
 */
import type { Logger } from "pino";
import { runsToPrune } from "../../core/plan/history.js";
import { planDefaults } from "../../core/plan/steps.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { RunDeps } from "./ports.js";

/** Keeps the plan's run history within spec.historyLimit; a failure here never touches the run that just ended. */
export async function pruneHistory(namespace: string, plan: FailoverPlan, deps: RunDeps, log: Logger): Promise<void> {
  const runs = deps.store.runsOfPlan(namespace, plan.metadata.name ?? "").map((r) => ({
    name: r.metadata.name ?? "",
    ...(r.status?.phase ? { phase: r.status.phase } : {}),
    ...(r.status?.finishedAt ? { finishedAt: r.status.finishedAt } : {}),
    ...(r.metadata.creationTimestamp ? { createdAt: new Date(r.metadata.creationTimestamp).toISOString() } : {}),
  }));
  for (const name of runsToPrune(runs, plan.spec.historyLimit ?? planDefaults.historyLimit)) {
    try {
      await deps.store.deleteRun(namespace, name);
      log.info({ deleted: name }, "run history beyond the plan's historyLimit");
    } catch (error) {
      log.warn({ err: error, run: name }, "could not delete an old run; the next finished run tries again");
    }
  }
}
