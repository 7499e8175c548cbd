/**
 * Wiring of the DrillSchedule controller (the logic is in reconcile.ts): a schedule is reconciled when it changes,
 * when a run or the policy or a plan in its namespace changes (a drill's run moving on, a person's run that pre-empts
 * a drill, health that allows one), and at the times its reconcile asks for. Built when this replica starts leading
 * and torn down when it stops.
 */
import type { DrillSchedule } from "../../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { keyOf, WorkerPool, type Watched, type WorkerOptions } from "../worker.js";
import type { DrillDeps } from "./ports.js";
import { reconcileDrillSchedule } from "./reconcile.js";

export interface DrillScheduleControllerOptions extends DrillDeps, WorkerOptions {
  schedules: Watched<DrillSchedule>;
  policies: Watched<RegionPolicy>;
  plans: Watched<FailoverPlan>;
  runs: Watched<FailoverRun>;
}

export class DrillScheduleController {
  private readonly pool: WorkerPool;

  constructor(private readonly options: DrillScheduleControllerOptions) {
    this.pool = new WorkerPool(options);
  }

  start(): void {
    const { queue, schedules } = this.options;
    const enqueue = (s: DrillSchedule) => queue.add(keyOf(s));
    // Drills are few per namespace: waking all of a namespace's schedules is simpler than tracking who uses what.
    const wakeNamespace = (o: { metadata: { namespace?: string } }) => {
      for (const s of schedules.list()) if (s.metadata.namespace === o.metadata.namespace) enqueue(s);
    };
    this.pool.fedBy(
      schedules.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n) }),
      this.options.runs.addHandlers({ add: wakeNamespace, update: (_o, n) => wakeNamespace(n), delete: wakeNamespace }),
      this.options.policies.addHandlers({ add: wakeNamespace, update: (_o, n) => wakeNamespace(n) }),
      this.options.plans.addHandlers({ add: wakeNamespace, update: (_o, n) => wakeNamespace(n) }),
    );
    for (const s of schedules.list()) enqueue(s);
    this.pool.start((key) => reconcileDrillSchedule(key, this.options));
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }
}
