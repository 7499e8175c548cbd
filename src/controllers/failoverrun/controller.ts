/**
 * Wiring of the FailoverRun controller (the logic is in reconcile.ts): a run is reconciled when it changes (a new run,
 * an approval, a cancel) and when its policy changes (a waitFor on a signal's status, the kill switch lifted). Built
 * when this replica starts leading and torn down when it stops.
 */
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { policyLabel } from "../../crds/definitions.js";
import { work, type Queue, type Watched } from "../worker.js";
import type { RunDeps } from "./ports.js";
import { reconcileFailoverRun } from "./reconcile.js";

export interface FailoverRunControllerOptions extends RunDeps {
  runs: Watched<FailoverRun>;
  policies: Watched<RegionPolicy>;
  queue: Queue;
  workers: number;
  onReconciled?: (seconds: number, error: unknown) => void;
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;

export class FailoverRunController {
  private readonly removers: (() => void)[] = [];
  private workers: Promise<void>[] = [];

  constructor(private readonly options: FailoverRunControllerOptions) {}

  start(): void {
    const { queue, runs, policies } = this.options;
    const enqueue = (run: FailoverRun) => queue.add(keyOf(run));
    // A person's run carries no policy label: its plan names the policy.
    const belongsTo = (run: FailoverRun, policy: RegionPolicy) =>
      run.metadata.labels?.[policyLabel] === policy.metadata.name ||
      this.options.store.plan(run.metadata.namespace ?? "", run.spec.planRef.name)?.spec.regionPolicyRef.name ===
        policy.metadata.name;
    const runsOfPolicy = (policy: RegionPolicy) => {
      for (const run of runs.list()) {
        if (run.metadata.namespace === policy.metadata.namespace && belongsTo(run, policy)) enqueue(run);
      }
    };
    this.removers.push(
      runs.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n) }),
      policies.addHandlers({ update: (_o, p) => runsOfPolicy(p) }),
    );
    for (const run of runs.list()) enqueue(run);
    this.workers = Array.from({ length: this.options.workers }, () =>
      work(queue, (key) => reconcileFailoverRun(key, this.options), this.options.log, this.options.onReconciled),
    );
  }

  async stop(): Promise<void> {
    for (const remove of this.removers.splice(0)) remove();
    this.options.queue.shutDown();
    await Promise.all(this.workers);
  }
}
