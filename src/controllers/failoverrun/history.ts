/**
 * A plan's run history, kept within spec.historyLimit once a run ends: which runs go is decided in the core
 * (src/core/plan/history.ts); this deletes them.
 */
import type { Logger } from "pino";
import { runsToPrune } from "../../core/plan/history.js";
import { planDefaults } from "../../core/plan/steps.js";
import { parseTime, toRfc3339Millis } from "../../core/time.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { RunDeps } from "./ports.js";

/** Keeps the plan's run history within spec.historyLimit; a failure here never touches the run that just ended. */
export async function pruneHistory(namespace: string, plan: FailoverPlan, deps: RunDeps, log: Logger): Promise<void> {
  const runs = deps.store.runsOfPlan(namespace, plan.metadata.name ?? "").map((r) => {
    const created = parseTime(r.metadata.creationTimestamp);
    return {
      name: r.metadata.name ?? "",
      ...(r.status?.phase ? { phase: r.status.phase } : {}),
      ...(r.status?.finishedAt ? { finishedAt: r.status.finishedAt } : {}),
      ...(created !== undefined ? { createdAt: toRfc3339Millis(created) } : {}),
    };
  });
  for (const name of runsToPrune(runs, plan.spec.historyLimit ?? planDefaults.historyLimit)) {
    try {
      await deps.store.deleteRun(namespace, name);
      log.info({ deleted: name }, "run history beyond the plan's historyLimit");
    } catch (error) {
      log.warn({ err: error, run: name }, "could not delete an old run; the next finished run tries again");
    }
  }
}
