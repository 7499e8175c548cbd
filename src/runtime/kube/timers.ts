/**
 * Time for the runtime's loops: a clock plus one-shot timers. The work queue, the leader elector and the informer take a
 * Timers so their unit tests move time by hand (ManualTimers) instead of sleeping.
 */

/** Cancels a timer; cancelling twice, or after it fired, does nothing. */
export type CancelTimer = () => void;

/** `now` has the shape of the core's Clock, so a Timers serves as one without this folder importing the core. */
export interface Timers {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now at the earliest. */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days); no caller here needs longer.
const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * Real time. The globals are looked up at call time, so vitest's fake timers drive this too.
 */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimer: (delayMs, callback) => {
    const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), maxTimerDelayMs));
    return () => clearTimeout(handle);
  },
};

/**
 * Real time that never steps: epoch milliseconds at process start plus a monotonic elapsed time. For comparisons that
 * must not be fooled when NTP or an operator steps the wall clock — leader election's deadlines above all (client-go
 * gets the same from the monotonic reading inside Go's time.Time). It drifts from the wall clock only as slowly as a
 * slewed clock does.
 */
export const monotonicTimers: Timers = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (delayMs, callback) => systemTimers.setTimer(delayMs, callback),
};

/** Resolves after `delayMs`, or at once when `signal` aborts (it never rejects: callers check the signal). */
export function sleep(timers: Timers, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      cancel();
      resolve();
    };
    const cancel = timers.setTimer(delayMs, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** An AbortSignal that aborts after `delayMs` on the given timers (AbortSignal.timeout only knows real time). */
export function timeoutSignal(timers: Timers, delayMs: number): { signal: AbortSignal; cancel: CancelTimer } {
  const controller = new AbortController();
  const cancel = timers.setTimer(delayMs, () => controller.abort(new Error(`timed out after ${delayMs} ms`)));
  return { signal: controller.signal, cancel };
}

interface ManualTimer {
  dueAt: number;
  seq: number;
  callback: () => void;
}

/**
 * Time that moves only when a test says so. Timers fire in due order (ties in the order they were set), each with
 * `now()` equal to its due time, so code under test sees a consistent clock.
 */
export class ManualTimers implements Timers {
  private current: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const timer: ManualTimer = { dueAt: this.current + Math.max(0, delayMs), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Timers set and not yet fired or cancelled. */
  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones those timers set). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue();
      if (!next || next.dueAt > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.dueAt);
      next.callback();
    }
    this.current = target;
  }

  /** Moves time to the next timer and fires it (and any due at the same instant); false when none is pending. */
  advanceToNext(): boolean {
    const next = this.nextDue();
    if (!next) return false;
    this.advance(Math.max(0, next.dueAt - this.current));
    return true;
  }

  private nextDue(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (!best || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
