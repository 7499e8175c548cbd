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

/** A queue key: "namespace/name". */
export const keyOf = (o: { metadata: { namespace?: string; name?: string } }) =>
  `${o.metadata.namespace}/${o.metadata.name}`;

/** What a controller's options say about its queue and the workers draining it. */
export interface WorkerOptions {
  queue: Queue;
  workers: number;
  log: Logger;
  onReconciled?: (seconds: number, error: unknown) => void;
}

/**
 * The running half every controller has: the informer handlers that feed its queue and the workers that drain it.
 * stop() removes the handlers first (no new keys), then shuts the queue down and waits for the reconciles in flight.
 */
export class WorkerPool {
  private readonly removers: (() => void)[] = [];
  private workers: Promise<void>[] = [];

  constructor(private readonly options: WorkerOptions) {}

  /** Keeps the removers of handlers added to informers, for stop(). */
  fedBy(...removers: (() => void)[]): void {
    this.removers.push(...removers);
  }

  start(reconcile: Reconcile): void {
    const { queue, log, onReconciled } = this.options;
    this.workers = Array.from({ length: this.options.workers }, () => work(queue, reconcile, log, onReconciled));
  }

  async stop(): Promise<void> {
    for (const remove of this.removers.splice(0)) remove();
    this.options.queue.shutDown();
    await Promise.all(this.workers);
  }
}
