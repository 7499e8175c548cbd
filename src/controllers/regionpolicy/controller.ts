/**
 * Wiring of the RegionPolicy controller (the logic is in reconcile.ts): which changes wake which policy, the signal
 * probes feeding samples in, and the workers draining the queue. Built when this replica starts leading and torn
 * down when it stops, so a standby holds no queue, runs no probes and writes nothing.
 */
import { policiesOfRun } from "../../core/runs.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { SampleBuffer } from "../../signals/sample-buffer.js";
import { SignalScheduler } from "../../signals/scheduler.js";
import type { Probes } from "../../signals/probe.js";
import { work, type Queue, type Watched } from "../worker.js";
import { reconcileRegionPolicy } from "./reconcile.js";
import type { RegionPolicyDeps } from "./ports.js";

export interface RegionPolicyControllerOptions extends Omit<RegionPolicyDeps, "samples" | "signals"> {
  policies: Watched<RegionPolicy>;
  plans: Watched<FailoverPlan>;
  runs: Watched<FailoverRun>;
  probes: Probes;
  queue: Queue;
  workers: number;
  /** reconcile timing and errors, for metrics */
  onReconciled?: (seconds: number, error: unknown) => void;
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;

export class RegionPolicyController {
  private readonly samples = new SampleBuffer();
  private readonly scheduler: SignalScheduler;
  private readonly removers: (() => void)[] = [];
  private workers: Promise<void>[] = [];

  constructor(private readonly options: RegionPolicyControllerOptions) {
    this.scheduler = new SignalScheduler(options.probes, (sample) => {
      // A sample that cannot change the evaluation waits for the policy's next reconcile (sample-buffer.ts).
      if (this.samples.add(sample)) options.queue.add(sample.policyKey);
    });
  }

  start(): void {
    const { queue } = this.options;
    const enqueue = (policy: RegionPolicy) => queue.add(keyOf(policy));
    // Plans and runs name their policy; a change to either wakes that policy.
    const wake = (namespace: string | undefined, policy: string | undefined) => {
      if (namespace && policy) queue.add(`${namespace}/${policy}`);
    };
    // A run written by hand may carry no label: its plan names the policy, which must not wait for its requeue.
    const wakeFor = (run: FailoverRun) => {
      const namespace = run.metadata.namespace ?? "";
      for (const policy of policiesOfRun(run, (plan) => this.options.store.plan(namespace, plan))) {
        wake(namespace, policy);
      }
    };
    this.removers.push(
      this.options.policies.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue }),
      this.options.plans.addHandlers({
        add: (p) => wake(p.metadata.namespace, p.spec.regionPolicyRef.name),
        update: (_o, p) => wake(p.metadata.namespace, p.spec.regionPolicyRef.name),
        delete: (p) => wake(p.metadata.namespace, p.spec.regionPolicyRef.name),
      }),
      this.options.runs.addHandlers({
        add: wakeFor,
        update: (_o, r) => wakeFor(r),
        delete: wakeFor,
      }),
    );
    for (const policy of this.options.policies.list()) enqueue(policy);
    this.workers = Array.from({ length: this.options.workers }, () =>
      work(queue, (key) => this.reconcile(key), this.options.log, this.options.onReconciled),
    );
  }

  /** Stops taking work; resolves when the reconciles in flight have finished. */
  async stop(): Promise<void> {
    for (const remove of this.removers.splice(0)) remove();
    this.scheduler.stop();
    this.options.queue.shutDown();
    await Promise.all(this.workers);
  }

  signalCount(): number {
    return this.scheduler.size();
  }

  private reconcile(key: string) {
    return reconcileRegionPolicy(key, { ...this.options, samples: this.samples, signals: this.scheduler });
  }
}
