/**
 * Wiring of the FailoverRun controller (the logic is in reconcile.ts): a run is reconciled when it changes (a new run,
 * an approval, a cancel) and when its policy changes (a waitFor on a signal's status, the kill switch lifted). Built
 * when this replica starts leading and torn down when it stops.
 */
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { runsOfPolicy } from "../../core/runs.js";
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
    const runsOf = (policy: RegionPolicy) => {
      const namespace = policy.metadata.namespace ?? "";
      const inNamespace = runs.list().filter((run) => run.metadata.namespace === namespace);
      const plans = (plan: string) => this.options.store.plan(namespace, plan);
      for (const run of runsOfPolicy(inNamespace, policy.metadata.name ?? "", plans)) enqueue(run);
    };
    this.removers.push(
      runs.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n) }),
      policies.addHandlers({ update: (_o, p) => runsOf(p) }),
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
