/**
 * A work queue with controller-runtime's semantics. Keys (such as "namespace/name") are queued, not events: a key is
 * queued at most once however often it is added, and it is never handed to two workers at once, so a reconcile always
 * sees the latest state and two reconciles of one object never race.
 *
 * - A key added while it waits in the queue stays queued once.
 * - A key added while a worker processes it is queued again, once, when the worker calls done(): the change that
 *   arrived meanwhile is not lost, and the worker holding it is not doubled.
 * - addAfter() and addRateLimited() queue later; a key waiting with an earlier due time keeps that time.
 * - shutDown() hands out nothing more: when leadership is lost the caller must stop writing, and the next leader
 *   re-lists everything anyway, so keys still queued are dropped rather than processed.
 */
import { controllerRateLimiter, type ControllerRateLimiterOptions, type RateLimiter } from "./rate-limiter.js";
import { systemTimers, type CancelTimer, type Timers } from "./timers.js";

/** Keys are compared by value (Map semantics), so only primitives make sense; objects would never de-duplicate. */
export type QueueKey = string | number;

export interface WorkQueueOptions<K extends QueueKey> extends ControllerRateLimiterOptions {
  timers?: Timers;
  /** Replaces the default MaxOf(per-key backoff, token bucket) built from the options above. */
  rateLimiter?: RateLimiter<K>;
}

interface Delayed {
  readyAt: number;
  cancel: CancelTimer;
}

export class WorkQueue<K extends QueueKey = string> {
  private readonly timers: Timers;
  private readonly rateLimiter: RateLimiter<K>;
  /** Keys ready to be handed out, in order; every key here is also in `dirty`. */
  private queue: K[] = [];
  private head = 0;
  /** Keys that need processing: queued, or added again while being processed. */
  private readonly dirty = new Set<K>();
  /** Keys handed out and not yet done(). */
  private readonly processing = new Set<K>();
  /** Keys waiting for addAfter()/addRateLimited() to come due. */
  private readonly delayed = new Map<K, Delayed>();
  /** Workers blocked in get() on an empty queue, oldest first. */
  private readonly getters: ((key: K | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.timers = options.timers ?? systemTimers;
    this.rateLimiter = options.rateLimiter ?? controllerRateLimiter<K>(options);
  }

  /** Queues `key` now, unless it is already queued (or queued to run again after its current processing). */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    // The worker holding it will requeue it in done(); queueing it now would hand it to a second worker.
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Queues `key` after `delayMs`. A key already waiting keeps whichever due time is earlier. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.timers.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    existing?.cancel();
    const cancel = this.timers.setTimer(delayMs, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { readyAt, cancel });
  }

  /** Queues `key` after the rate limiter's delay: call it when processing `key` failed. */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key, this.timers.now()));
  }

  /** Resets `key`'s backoff: call it when processing `key` succeeded. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** Failures of `key` since it was last forgotten. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key to process, waiting while the queue is empty; undefined once the queue is shut down. The caller owns
   * the key until it calls done(key).
   */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.dequeue();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `key` processed; if it was added meanwhile it is queued again now. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.shuttingDown) {
      if (this.processing.size === 0) this.resolveDrain();
      return;
    }
    if (this.dirty.has(key)) this.enqueue(key);
  }

  /** Keys queued and ready to be handed out (the queue-depth metric); delayed keys are not counted. */
  len(): number {
    return this.queue.length - this.head;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops the queue: adds are ignored, pending and future get() calls resolve undefined, delayed keys are dropped. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    this.queue = [];
    this.head = 0;
    this.dirty.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
    if (this.processing.size === 0) this.resolveDrain();
  }

  /** shutDown(), then resolves once every key already handed out has been marked done(). */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => {
      if (this.shuttingDown && this.processing.size === 0) resolve();
      else this.drainWaiters.push(resolve);
    });
    this.shutDown();
    return drained;
  }

  private enqueue(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      // Hand it over synchronously so the queue's state never shows a key as both waiting and taken.
      this.take(key);
      getter(key);
      return;
    }
    this.queue.push(key);
  }

  private dequeue(): K | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head++] as K;
    // Shift lazily: compact only when the consumed prefix dominates, keeping dequeue O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.take(key);
    return key;
  }

  private take(key: K): void {
    this.dirty.delete(key);
    this.processing.add(key);
  }

  private resolveDrain(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
