/**
 * The worker loop every controller shares: take a key, reconcile it, then forget its backoff and requeue it after the
 * time the reconcile asked for — or, on an error, requeue it with per-key backoff. A key is never reconciled by two
 * workers at once (the queue guarantees it).
 */
import type { Logger } from "pino";

/** The parts of the work queue a controller uses. */
export interface Queue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  addRateLimited(key: string): void;
  forget(key: string): void;
  get(): Promise<string | undefined>;
  done(key: string): void;
  shutDown(): void;
}

/** The parts of an informer a controller uses. */
export interface Watched<T> {
  addHandlers(handlers: { add?: (o: T) => void; update?: (old: T, o: T) => void; delete?: (o: T) => void }): () => void;
  list(): T[];
}

export type Reconcile = (key: string) => Promise<{ requeueAfterMs?: number }>;

export async function work(
  queue: Queue,
  reconcile: Reconcile,
  log: Logger,
  onReconciled?: (seconds: number, error: unknown) => void,
): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const started = performance.now();
    let failure: unknown;
    try {
      const result = await reconcile(key);
      queue.forget(key);
      if (result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      failure = error;
      log.warn({ err: error, key }, "reconcile failed; retrying with backoff");
      queue.addRateLimited(key);
    } finally {
      onReconciled?.((performance.now() - started) / 1000, failure);
      queue.done(key);
    }
  }
}
