/**
 * Wiring of the RegionPolicy controller (the logic is in reconcile.ts): which changes wake which policy, the signal
 * probes feeding samples in, and the workers draining the queue. Built when this replica starts leading and torn
 * down when it stops, so a standby holds no queue, runs no probes and writes nothing.
 */
import type { Logger } from "pino";
import { policyLabel } from "../../crds/definitions.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { SampleBuffer } from "../../signals/sample-buffer.js";
import { SignalScheduler } from "../../signals/scheduler.js";
import type { Probes } from "../../signals/probe.js";
import type { EventRecorder, PolicyObserver, SwitchyardStore } from "../ports.js";
import { reconcileRegionPolicy } from "./reconcile.js";

/** The parts of an informer this controller uses. */
export interface Watched<T> {
  addHandlers(handlers: { add?: (o: T) => void; update?: (old: T, o: T) => void; delete?: (o: T) => void }): () => void;
  list(): T[];
}

/** The parts of the work queue this controller uses. */
export interface Queue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  addRateLimited(key: string): void;
  forget(key: string): void;
  get(): Promise<string | undefined>;
  done(key: string): void;
  shutDown(): void;
}

export interface RegionPolicyControllerOptions {
  policies: Watched<RegionPolicy>;
  plans: Watched<FailoverPlan>;
  runs: Watched<FailoverRun>;
  store: SwitchyardStore;
  events: EventRecorder;
  observer: PolicyObserver;
  probes: Probes;
  queue: Queue;
  log: Logger;
  localRegion: string;
  workers: number;
  now: () => number;
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
      this.samples.add(sample);
      options.queue.add(sample.policyKey);
    });
  }

  start(): void {
    const { queue } = this.options;
    const enqueue = (policy: RegionPolicy) => queue.add(keyOf(policy));
    // Plans and runs name their policy; a change to either wakes that policy.
    const wake = (namespace: string | undefined, policy: string | undefined) => {
      if (namespace && policy) queue.add(`${namespace}/${policy}`);
    };
    this.removers.push(
      this.options.policies.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue }),
      this.options.plans.addHandlers({
        add: (p) => wake(p.metadata.namespace, p.spec.regionPolicyRef.name),
        update: (_o, p) => wake(p.metadata.namespace, p.spec.regionPolicyRef.name),
        delete: (p) => wake(p.metadata.namespace, p.spec.regionPolicyRef.name),
      }),
      this.options.runs.addHandlers({
        add: (r) => wake(r.metadata.namespace, r.metadata.labels?.[policyLabel]),
        update: (_o, r) => wake(r.metadata.namespace, r.metadata.labels?.[policyLabel]),
        delete: (r) => wake(r.metadata.namespace, r.metadata.labels?.[policyLabel]),
      }),
    );
    for (const policy of this.options.policies.list()) enqueue(policy);
    this.workers = Array.from({ length: this.options.workers }, () => this.work());
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

  private async work(): Promise<void> {
    const { queue, log } = this.options;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let failure: unknown;
      try {
        const result = await reconcileRegionPolicy(key, {
          store: this.options.store,
          events: this.options.events,
          samples: this.samples,
          signals: this.scheduler,
          observer: this.options.observer,
          log,
          localRegion: this.options.localRegion,
          now: this.options.now,
        });
        queue.forget(key);
        if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        failure = error;
        log.warn({ err: error, policy: key }, "reconcile failed; retrying with backoff");
        queue.addRateLimited(key);
      } finally {
        this.options.onReconciled?.((performance.now() - started) / 1000, failure);
        queue.done(key);
      }
    }
  }
}
