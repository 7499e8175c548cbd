/**
 * A resilient informer: a local cache of one resource kind kept current by list + watch, with add/update/delete
 * handlers. It does what client-node's informer leaves to its users (@kubernetes/client-node issues #596, #958, #2127,
 * #2432; its ListWatch in dist/cache.js stops for good on any error but 410):
 *
 * - any failure is retried with capped, jittered exponential backoff, for ever, until stop();
 * - 410 Gone (the resourceVersion is too old, e.g. after an API server restart) re-lists;
 * - a watch that has gone silent — no event at all, bookmarks included (they are requested) — for silenceTimeoutMs is
 *   dropped and started again from the last resourceVersion: a connection can die without either end noticing;
 * - every resyncPeriodMs the informer re-lists and emits update for every object, so a controller re-checks everything
 *   even if an event was somehow missed, and the cache is rebuilt from the source of truth.
 *
 * Handlers run synchronously as events are applied to the cache; they should only enqueue keys (see work-queue.ts).
 *
 * This file is the informer's face and its defaults; the cache and its handlers are informer-store.ts, the list-watch
 * loop informer-loop.ts.
 */
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { ResourceRef } from "./list-watch.js";
import { InformerStore, type InformerHandlers, type InformerLogger } from "./informer-store.js";
import { ListWatchLoop, type InformerStats } from "./informer-loop.js";
import { systemTimers, type Timers } from "./timers.js";

export type { ResourceRef } from "./list-watch.js";
export { objectKey, type InformerHandlers } from "./informer-store.js";
export type { InformerStats, RestartReason } from "./informer-loop.js";

export interface BackoffOptions {
  /** First retry delay. Default 800 ms (client-go's reflector). */
  initialMs?: number;
  /** Longest retry delay. Default 30 s. */
  maxMs?: number;
}

export interface InformerOptions {
  kubeConfig: KubeConfig;
  resource: ResourceRef;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Restart a watch that delivered no event for this long. The API server sends a bookmark about once a minute to a
   * watch that asked for them, so the default, 2 min, only fires on a watch that is really dead.
   */
  silenceTimeoutMs?: number;
  /** Re-list and emit update for every object this often; 0 turns it off. Default 10 min. */
  resyncPeriodMs?: number;
  backoff?: BackoffOptions;
  /** A list request that takes longer is abandoned and retried. Default 60 s. */
  listTimeoutMs?: number;
  pageSize?: number;
  timers?: Timers;
  /** [0, 1) source for backoff jitter and watch timeouts. */
  random?: () => number;
  logger?: InformerLogger;
}

const noop = () => undefined;
const silentLogger = { debug: noop, info: noop, warn: noop, error: noop };

export class Informer<T extends KubernetesObject> {
  private readonly store: InformerStore<T>;
  private readonly listWatch: ListWatchLoop<T>;
  private loop: Promise<void> | undefined;
  private running: AbortController | undefined;

  constructor(options: InformerOptions) {
    const { group, version, plural, namespace } = options.resource;
    const resourceName = `${plural}.${group || "core"}/${version}${namespace === undefined ? "" : ` in ${namespace}`}`;
    const log = options.logger ?? silentLogger;
    this.store = new InformerStore<T>(resourceName, log);
    this.listWatch = new ListWatchLoop<T>(
      {
        kubeConfig: options.kubeConfig,
        resource: options.resource,
        resourceName,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        pageSize: options.pageSize,
        silenceTimeoutMs: options.silenceTimeoutMs ?? 120_000,
        resyncPeriodMs: options.resyncPeriodMs ?? 600_000,
        backoffInitialMs: options.backoff?.initialMs ?? 800,
        backoffMaxMs: options.backoff?.maxMs ?? 30_000,
        listTimeoutMs: options.listTimeoutMs ?? 60_000,
        timers: options.timers ?? systemTimers,
        random: options.random ?? Math.random,
        log,
      },
      this.store,
    );
  }

  /** Adds handlers; once synced, they first get add for every object already cached. Returns a remover. */
  addHandlers(handlers: InformerHandlers<T>): () => void {
    return this.store.addHandlers(handlers);
  }

  start(): void {
    if (this.loop) return;
    const running = new AbortController();
    this.running = running;
    this.loop = this.listWatch.run(running.signal);
  }

  async stop(): Promise<void> {
    this.running?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** True once the first list has been applied to the cache (and ever after). */
  hasSynced(): boolean {
    return this.store.hasSynced();
  }

  /** Resolves once hasSynced() is true (never, if the informer is stopped before its first list succeeds). */
  waitForSync(): Promise<void> {
    return this.store.waitForSync();
  }

  /** An object by "namespace/name" ("name" when cluster-scoped). */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return this.store.list();
  }

  stats(): InformerStats {
    return this.listWatch.stats();
  }
}
