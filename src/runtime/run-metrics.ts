/**
 * A finished run's measurements as histograms: observed once, by the controller that wrote the run's end, so a restart
 * or a change of leader never counts a run twice (the per-run last values are gauges from the caches instead, see
 * object-metrics.ts).
 */
import { parseTime } from "../core/time.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { Metrics } from "./metrics.js";

export function runFinishedMetrics(metrics: Pick<Metrics, "rto" | "rpo" | "stepDuration">) {
  return (run: FailoverRun): void => {
    const labels = {
      namespace: run.metadata.namespace ?? "",
      plan: run.spec.planRef.name,
      trigger: run.spec.trigger ?? "Manual",
    };
    const { rto, rpo, journal = [] } = run.status ?? {};
    if (rto?.seconds !== undefined) metrics.rto.observe(labels, rto.seconds);
    if (rpo?.seconds !== undefined) metrics.rpo.observe(labels, rpo.seconds);
    for (const step of journal) {
      const started = parseTime(step.startedAt);
      const finished = parseTime(step.finishedAt);
      if (started === undefined || finished === undefined || !step.kind) continue;
      metrics.stepDuration.observe({ kind: step.kind, state: step.state ?? "Unknown" }, (finished - started) / 1000);
    }
  };
}
