/**
 * Wiring of the FailoverPlan controller (the logic is in reconcile.ts): a plan is evaluated when it is applied or its
 * spec changes, when its policy's spec changes (regions, signals, fencing), when a drill run of it finishes, and
 * then every interval. Status-only updates of the plan itself do not wake it: its own writes would loop. Built when
 * this replica starts leading and torn down when it stops.
 */
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { keyOf, WorkerPool, type Watched, type WorkerOptions } from "../worker.js";
import type { FailoverPlanDeps } from "./ports.js";
import { reconcileFailoverPlan } from "./reconcile.js";

export interface FailoverPlanControllerOptions extends FailoverPlanDeps, WorkerOptions {
  plans: Watched<FailoverPlan>;
  policies: Watched<RegionPolicy>;
  runs: Watched<FailoverRun>;
}

const specChanged = (old: { metadata: { generation?: number } }, o: { metadata: { generation?: number } }) =>
  old.metadata.generation !== o.metadata.generation;

export class FailoverPlanController {
  private readonly pool: WorkerPool;

  constructor(private readonly options: FailoverPlanControllerOptions) {
    this.pool = new WorkerPool(options);
  }

  start(): void {
    const { queue, plans, store } = this.options;
    const enqueue = (p: FailoverPlan) => queue.add(keyOf(p));
    const plansOf = (policy: RegionPolicy) => {
      for (const p of store.plansOf(policy.metadata.namespace ?? "", policy.metadata.name ?? "")) enqueue(p);
    };
    const drillFinished = (old: FailoverRun | undefined, run: FailoverRun) => {
      if (run.spec.trigger !== "Drill" || old?.status?.phase === run.status?.phase) return;
      const plan = store.plan(run.metadata.namespace ?? "", run.spec.planRef.name);
      if (plan) enqueue(plan);
    };
    this.pool.fedBy(
      plans.addHandlers({ add: enqueue, update: (old, p) => specChanged(old, p) && enqueue(p) }),
      this.options.policies.addHandlers({
        add: plansOf,
        update: (old, p) => specChanged(old, p) && plansOf(p),
        delete: plansOf,
      }),
      this.options.runs.addHandlers({ update: drillFinished }),
    );
    for (const p of plans.list()) enqueue(p);
    this.pool.start((key) => reconcileFailoverPlan(key, this.options));
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }
}
