/**
 * Samples waiting for their policy's next reconcile. Probes run on their own timers and only add here; the reconcile
 * drains a policy's samples into the evaluator, and puts them back if its status write fails, so none is lost.
 *
 * `add` also says whether the sample is worth a reconcile now. A signal's health moves only while a run of equal
 * outcomes is shorter than its threshold (failureThreshold failures, successThreshold passes): once the run is that
 * long, one more equal sample changes no count the status keeps and no verdict, so it waits for the policy's next
 * reconcile (at most 30 s away) instead of causing one. In steady state that turns a reconcile per sample into one per
 * requeue, which was most of the controller's CPU at a thousand policies.
 */
import type { TakenSample } from "./scheduler.js";

/** Per policy; beyond it the oldest go: a reconcile that far behind needs the recent samples, not the old ones. */
const maxPerPolicy = 1000;

export interface SettleThresholds {
  failureThreshold: number;
  successThreshold: number;
}

interface Run {
  ok: boolean;
  length: number;
}

export class SampleBuffer {
  private readonly byPolicy = new Map<string, TakenSample[]>();
  /** The run of equal outcomes each signal has had in this process, by policy and then signal. */
  private readonly runs = new Map<string, Map<string, Run>>();
  private readonly thresholds = new Map<string, SettleThresholds>();

  /** Records a sample; true when it may change the policy's evaluation (so its reconcile should come now). */
  add(sample: TakenSample): boolean {
    const list = this.byPolicy.get(sample.policyKey) ?? [];
    list.push(sample);
    if (list.length > maxPerPolicy) list.splice(0, list.length - maxPerPolicy);
    this.byPolicy.set(sample.policyKey, list);

    const runs = this.runs.get(sample.policyKey) ?? new Map<string, Run>();
    this.runs.set(sample.policyKey, runs);
    const key = `${sample.signal}\u0000${sample.region}`;
    const run = runs.get(key);
    const length = run?.ok === sample.ok ? run.length + 1 : 1;
    runs.set(key, { ok: sample.ok, length });
    const thresholds = this.thresholds.get(sample.policyKey);
    // Until the policy's reconcile has said its thresholds, every sample counts.
    if (!thresholds) return true;
    return length <= Math.max(1, sample.ok ? thresholds.successThreshold : thresholds.failureThreshold);
  }

  /** The policy's thresholds, from its spec: each reconcile says them again, so a changed spec counts at once. */
  settleAt(policyKey: string, thresholds: SettleThresholds): void {
    this.thresholds.set(policyKey, { ...thresholds });
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
    this.runs.delete(policyKey);
    this.thresholds.delete(policyKey);
  }
}
