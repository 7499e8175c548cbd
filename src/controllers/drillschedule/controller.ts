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
import { work, type Queue, type Watched } from "../worker.js";
import type { DrillDeps } from "./ports.js";
import { reconcileDrillSchedule } from "./reconcile.js";

export interface DrillScheduleControllerOptions extends DrillDeps {
  schedules: Watched<DrillSchedule>;
  policies: Watched<RegionPolicy>;
  plans: Watched<FailoverPlan>;
  runs: Watched<FailoverRun>;
  queue: Queue;
  workers: number;
  onReconciled?: (seconds: number, error: unknown) => void;
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;

export class DrillScheduleController {
  private readonly removers: (() => void)[] = [];
  private workers: Promise<void>[] = [];

  constructor(private readonly options: DrillScheduleControllerOptions) {}

  start(): void {
    const { queue, schedules } = this.options;
    const enqueue = (s: DrillSchedule) => queue.add(keyOf(s));
    // Drills are few per namespace: waking all of a namespace's schedules is simpler than tracking who uses what.
    const wakeNamespace = (o: { metadata: { namespace?: string } }) => {
      for (const s of schedules.list()) if (s.metadata.namespace === o.metadata.namespace) enqueue(s);
    };
    this.removers.push(
      schedules.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n) }),
      this.options.runs.addHandlers({ add: wakeNamespace, update: (_o, n) => wakeNamespace(n), delete: wakeNamespace }),
      this.options.policies.addHandlers({ add: wakeNamespace, update: (_o, n) => wakeNamespace(n) }),
      this.options.plans.addHandlers({ add: wakeNamespace, update: (_o, n) => wakeNamespace(n) }),
    );
    for (const s of schedules.list()) enqueue(s);
    this.workers = Array.from({ length: this.options.workers }, () =>
      work(queue, (key) => reconcileDrillSchedule(key, this.options), this.options.log, this.options.onReconciled),
    );
  }

  async stop(): Promise<void> {
    for (const remove of this.removers.splice(0)) remove();
    this.options.queue.shutDown();
    await Promise.all(this.workers);
  }
}
