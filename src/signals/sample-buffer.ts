/**
 * Samples waiting for their policy's next reconcile. Probes run on their own timers and only add here; the reconcile
 * drains a policy's samples into the evaluator, and puts them back if its status write fails, so none is lost.
 */
import type { TakenSample } from "./scheduler.js";

/** Per policy; beyond it the oldest go: a reconcile that far behind needs the recent samples, not the old ones. */
const maxPerPolicy = 1000;

export class SampleBuffer {
  private readonly byPolicy = new Map<string, TakenSample[]>();

  add(sample: TakenSample): void {
    const list = this.byPolicy.get(sample.policyKey) ?? [];
    list.push(sample);
    if (list.length > maxPerPolicy) list.splice(0, list.length - maxPerPolicy);
    this.byPolicy.set(sample.policyKey, list);
  }

  drain(policyKey: string): TakenSample[] {
    const list = this.byPolicy.get(policyKey) ?? [];
    this.byPolicy.delete(policyKey);
    return list;
  }

  /** Puts drained samples back in front of any that arrived meanwhile. */
  restore(policyKey: string, samples: TakenSample[]): void {
    if (samples.length === 0) return;
    const newer = this.byPolicy.get(policyKey) ?? [];
    this.byPolicy.set(policyKey, [...samples, ...newer].slice(-maxPerPolicy));
  }

  forget(policyKey: string): void {
    this.byPolicy.delete(policyKey);
  }
}
