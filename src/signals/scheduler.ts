/**
 * Runs every signal of every policy on its own timer, off the reconcile loop: each signal is sampled every
 * intervalSeconds (± jitter, so a thousand signals do not fire in the same millisecond), never twice at once, and every
 * sample is handed to `onSample`, which only records it and wakes the policy's reconcile.
 */
import { signalKey } from "../core/health/signal-health.js";
import type { RegionPolicySpecSignal } from "../crds/generated/regionpolicies.js";
import { sample, type Probes } from "./probe.js";

export interface TakenSample {
  policyKey: string;
  signal: string;
  region: string;
  ok: boolean;
  detail: string;
  /** when the sample was taken (start of the probe), epoch ms */
  at: number;
}

interface Running {
  spec: RegionPolicySpecSignal;
  fingerprint: string;
  timer?: NodeJS.Timeout;
  inFlight?: AbortController;
}

export interface SchedulerOptions {
  /** fraction of the interval by which a sample may come early or late */
  jitter?: number;
  random?: () => number;
  now?: () => number;
}

export class SignalScheduler {
  private readonly policies = new Map<string, { namespace: string; signals: Map<string, Running> }>();
  private stopped = false;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly probes: Probes,
    private readonly onSample: (sample: TakenSample) => void,
    options: SchedulerOptions = {},
  ) {
    this.jitter = options.jitter ?? 0.1;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Makes the running signals of one policy match its spec: new ones start, removed ones stop, changed ones restart. */
  sync(policyKey: string, namespace: string, signals: RegionPolicySpecSignal[]): void {
    if (this.stopped) return;
    const entry = this.policies.get(policyKey) ?? { namespace, signals: new Map<string, Running>() };
    entry.namespace = namespace;
    this.policies.set(policyKey, entry);
    const wanted = new Map(signals.map((s) => [signalKey(s.name, s.region), s]));
    for (const [key, running] of entry.signals) {
      const spec = wanted.get(key);
      if (!spec || JSON.stringify(spec) !== running.fingerprint) this.cancel(entry.signals, key);
    }
    for (const [key, spec] of wanted) {
      if (entry.signals.has(key)) continue;
      const running: Running = { spec, fingerprint: JSON.stringify(spec) };
      entry.signals.set(key, running);
      // The first sample comes within a fraction of the interval, not all at once after a restart.
      this.schedule(policyKey, running, this.random() * this.intervalMs(spec) * this.jitter);
    }
  }

  remove(policyKey: string): void {
    const entry = this.policies.get(policyKey);
    if (!entry) return;
    for (const key of [...entry.signals.keys()]) this.cancel(entry.signals, key);
    this.policies.delete(policyKey);
  }

  /** Number of signals being sampled, for a metric. */
  size(): number {
    let total = 0;
    for (const entry of this.policies.values()) total += entry.signals.size;
    return total;
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.policies.keys()]) this.remove(key);
  }

  private intervalMs(spec: RegionPolicySpecSignal): number {
    return (spec.intervalSeconds ?? 10) * 1000;
  }

  private cancel(signals: Map<string, Running>, key: string): void {
    const running = signals.get(key);
    if (!running) return;
    clearTimeout(running.timer);
    running.inFlight?.abort();
    signals.delete(key);
  }

  private schedule(policyKey: string, running: Running, delayMs: number): void {
    running.timer = setTimeout(() => void this.take(policyKey, running), delayMs);
    running.timer.unref?.();
  }

  private async take(policyKey: string, running: Running): Promise<void> {
    const entry = this.policies.get(policyKey);
    if (this.stopped || !entry || entry.signals.get(signalKey(running.spec.name, running.spec.region)) !== running)
      return;
    const controller = new AbortController();
    running.inFlight = controller;
    const at = this.now();
    const result = await sample(this.probes, running.spec, {
      signal: controller.signal,
      namespace: entry.namespace,
      policy: policyKey.slice(policyKey.indexOf("/") + 1),
    });
    running.inFlight = undefined;
    // A signal removed or changed while its probe ran is not reported: its spec is no longer the user's.
    if (controller.signal.aborted || entry.signals.get(signalKey(running.spec.name, running.spec.region)) !== running)
      return;
    this.onSample({ policyKey, signal: running.spec.name, region: running.spec.region, ...result, at });
    const interval = this.intervalMs(running.spec);
    const spread = (this.random() * 2 - 1) * interval * this.jitter;
    this.schedule(policyKey, running, Math.max(0, interval + spread));
  }
}
