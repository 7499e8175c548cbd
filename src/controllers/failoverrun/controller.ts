/**
 * Wiring of the FailoverRun controller (the logic is in reconcile.ts): a run is reconciled when it changes (a new run,
 * an approval, a cancel) and when its policy changes (a waitFor on a signal's status, the kill switch lifted). Built
 * when this replica starts leading and torn down when it stops.
 */
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { runsOfPolicy } from "../../core/runs.js";
import { keyOf, WorkerPool, type Watched, type WorkerOptions } from "../worker.js";
import type { RunDeps } from "./ports.js";
import { reconcileFailoverRun } from "./reconcile.js";

export interface FailoverRunControllerOptions extends RunDeps, WorkerOptions {
  runs: Watched<FailoverRun>;
  policies: Watched<RegionPolicy>;
}

export class FailoverRunController {
  private readonly pool: WorkerPool;

  constructor(private readonly options: FailoverRunControllerOptions) {
    this.pool = new WorkerPool(options);
  }

  start(): void {
    const { queue, runs, policies } = this.options;
    const enqueue = (run: FailoverRun) => queue.add(keyOf(run));
    const runsOf = (policy: RegionPolicy) => {
      const namespace = policy.metadata.namespace ?? "";
      const inNamespace = runs.list().filter((run) => run.metadata.namespace === namespace);
      const plans = (plan: string) => this.options.store.plan(namespace, plan);
      for (const run of runsOfPolicy(inNamespace, policy.metadata.name ?? "", plans)) enqueue(run);
    };
    this.pool.fedBy(
      runs.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n) }),
      policies.addHandlers({ update: (_o, p) => runsOf(p) }),
    );
    for (const run of runs.list()) enqueue(run);
    this.pool.start((key) => reconcileFailoverRun(key, this.options));
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }
}
