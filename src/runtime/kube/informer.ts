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
 */
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import {
  isExpired,
  KubeApiError,
  listAll,
  watch,
  type ListResult,
  type ResourceRef,
  type WatchEvent,
} from "./list-watch.js";
import type { Logger } from "pino";
import { sleep, systemTimers, type CancelTimer, type Timers } from "./timers.js";

export type { ResourceRef } from "./list-watch.js";

export interface InformerHandlers<T> {
  add?: (obj: T) => void;
  update?: (oldObj: T, newObj: T) => void;
  delete?: (obj: T) => void;
}

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
  logger?: Pick<Logger, "debug" | "info" | "warn" | "error">;
}

/** Why a watch ended and the next one started. */
export type RestartReason = "closed" | "silent" | "expired" | "resync" | "error";

export interface InformerStats {
  lists: number;
  watches: number;
  restarts: Record<RestartReason, number>;
  /** The current run of consecutive failures (0 when healthy). */
  consecutiveFailures: number;
  lastError: string | undefined;
}

/** The cache key: "namespace/name", or "name" for cluster-scoped objects (as client-go's MetaNamespaceKeyFunc). */
export function objectKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name ?? "";
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** What a re-list changes in the cache: gone objects are deleted, new ones added, all others updated. */
export function planRelist<T extends KubernetesObject>(
  cache: ReadonlyMap<string, T>,
  items: readonly T[],
): { deleted: T[]; added: T[]; updated: [T, T][] } {
  const listed = new Map(items.map((item) => [objectKey(item), item] as const));
  const deleted = [...cache].filter(([key]) => !listed.has(key)).map(([, obj]) => obj);
  const added: T[] = [];
  const updated: [T, T][] = [];
  for (const [key, obj] of listed) {
    const old = cache.get(key);
    if (old) updated.push([old, obj]);
    else added.push(obj);
  }
  return { deleted, added, updated };
}

/** Exponential backoff with "equal jitter": between half and all of min(initial·2^(failures-1), max). */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(initialMs * 2 ** Math.max(0, failures - 1), maxMs);
  return ceiling / 2 + (ceiling / 2) * random();
}

const noop = () => undefined;
const silentLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** A watch that ends on its own faster than this without delivering anything counts as a failure (no hot loop). */
const minHealthyWatchMs = 1000;

export class Informer<T extends KubernetesObject> {
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly log: Pick<Logger, "debug" | "info" | "warn" | "error">;
  private readonly silenceTimeoutMs: number;
  private readonly resyncPeriodMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly listTimeoutMs: number;
  private readonly resourceName: string;

  private readonly cache = new Map<string, T>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private resourceVersion = "";
  private lastListAt = 0;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  private running: AbortController | undefined;
  private readonly counters: InformerStats = {
    lists: 0,
    watches: 0,
    restarts: { closed: 0, silent: 0, expired: 0, resync: 0, error: 0 },
    consecutiveFailures: 0,
    lastError: undefined,
  };

  constructor(private readonly options: InformerOptions) {
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? silentLogger;
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? 120_000;
    this.resyncPeriodMs = options.resyncPeriodMs ?? 600_000;
    this.backoffInitialMs = options.backoff?.initialMs ?? 800;
    this.backoffMaxMs = options.backoff?.maxMs ?? 30_000;
    this.listTimeoutMs = options.listTimeoutMs ?? 60_000;
    const { group, version, plural, namespace } = options.resource;
    this.resourceName = `${plural}.${group || "core"}/${version}${namespace === undefined ? "" : ` in ${namespace}`}`;
  }

  /** Adds handlers; once synced, they first get add for every object already cached. Returns a remover. */
  addHandlers(handlers: InformerHandlers<T>): () => void {
    this.handlers.add(handlers);
    if (this.synced) for (const obj of this.cache.values()) this.call(handlers, "add", obj);
    return () => this.handlers.delete(handlers);
  }

  start(): void {
    if (this.loop) return;
    const running = new AbortController();
    this.running = running;
    this.loop = this.run(running.signal);
  }

  async stop(): Promise<void> {
    this.running?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** True once the first list has been applied to the cache (and ever after). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once hasSynced() is true (never, if the informer is stopped before its first list succeeds). */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** An object by "namespace/name" ("name" when cluster-scoped). */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  stats(): InformerStats {
    return { ...this.counters, restarts: { ...this.counters.restarts } };
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
        }
        const reason = await this.watchOnce(signal);
        if (reason === undefined) break; // stopped
        this.counters.restarts[reason]++;
        if (reason === "expired" || reason === "resync") needList = true;
        if (reason === "silent") {
          this.log.warn(
            { resource: this.resourceName, silenceMs: this.silenceTimeoutMs },
            "watch went silent; restarting",
          );
        }
      } catch (error) {
        if (signal.aborted) break;
        this.counters.restarts.error++;
        this.counters.consecutiveFailures++;
        this.counters.lastError = error instanceof Error ? error.message : String(error);
        if (isExpired(error)) {
          // The resourceVersion is gone: only a fresh list helps, and waiting would not.
          needList = true;
          continue;
        }
        const delay = backoffDelay(
          this.counters.consecutiveFailures,
          this.backoffInitialMs,
          this.backoffMaxMs,
          this.random,
        );
        this.log.warn(
          {
            resource: this.resourceName,
            err: error,
            failures: this.counters.consecutiveFailures,
            retryInMs: Math.round(delay),
          },
          "list/watch failed; retrying",
        );
        await sleep(this.timers, delay, signal);
      }
    }
  }

  /** Lists everything and makes the cache exactly that, emitting delete / add / update (update for every survivor). */
  private async relist(signal: AbortSignal): Promise<void> {
    const timeout = new AbortController();
    const cancelTimeout = this.timers.setTimer(this.listTimeoutMs, () => timeout.abort(new Error("list timed out")));
    let result: ListResult<T>;
    try {
      result = await listAll<T>(
        this.options.kubeConfig,
        this.options.resource,
        {
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          pageSize: this.options.pageSize,
        },
        AbortSignal.any([signal, timeout.signal]),
      );
    } finally {
      cancelTimeout();
    }
    if (signal.aborted) return;
    const plan = planRelist(this.cache, result.items);
    for (const obj of plan.deleted) {
      this.cache.delete(objectKey(obj));
      this.emit("delete", obj);
    }
    for (const obj of plan.added) {
      this.cache.set(objectKey(obj), obj);
      this.emit("add", obj);
    }
    for (const [old, obj] of plan.updated) {
      this.cache.set(objectKey(obj), obj);
      this.emit("update", obj, old);
    }
    this.resourceVersion = result.resourceVersion;
    this.lastListAt = this.timers.now();
    this.counters.lists++;
    this.counters.consecutiveFailures = 0;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  /**
   * Runs one watch from the current resourceVersion. Returns why it ended (undefined when stopped); throws on a
   * failure that deserves a backoff.
   */
  private async watchOnce(signal: AbortSignal): Promise<RestartReason | undefined> {
    const controller = new AbortController();
    let ending: "silent" | "resync" | "expired" | undefined;
    let failure: KubeApiError | undefined;
    const end = (why: "silent" | "resync" | "expired") => {
      ending ??= why;
      controller.abort(new Error(`watch ended: ${why}`));
    };
    const onStop = () => controller.abort(new Error("informer stopped"));
    signal.addEventListener("abort", onStop, { once: true });

    let cancelSilence: CancelTimer = this.timers.setTimer(this.silenceTimeoutMs, () => end("silent"));
    const cancelResync =
      this.resyncPeriodMs > 0
        ? this.timers.setTimer(this.lastListAt + this.resyncPeriodMs - this.timers.now(), () => end("resync"))
        : noop;
    const startedAt = this.timers.now();
    let events = 0;
    this.counters.watches++;

    const onEvent = (event: WatchEvent<T>) => {
      if (controller.signal.aborted) return;
      events++;
      cancelSilence();
      cancelSilence = this.timers.setTimer(this.silenceTimeoutMs, () => end("silent"));
      if (event.type === "ERROR") {
        const status = event.object;
        if (status.code === 410) {
          end("expired");
        } else {
          failure = new KubeApiError(status.code ?? 500, status.reason, status.message ?? "watch ERROR event");
          controller.abort(failure);
        }
        return;
      }
      this.counters.consecutiveFailures = 0;
      const rv = event.object.metadata?.resourceVersion;
      if (event.type === "ADDED" || event.type === "MODIFIED") this.upsert(event.object);
      else if (event.type === "DELETED") this.remove(event.object);
      // Every event, bookmarks included, moves the resourceVersion the next watch starts from.
      if (rv) this.resourceVersion = rv;
    };

    try {
      await watch<T>(
        this.options.kubeConfig,
        this.options.resource,
        {
          resourceVersion: this.resourceVersion,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          allowWatchBookmarks: true,
          // client-go's reflector spreads its watches' server-side timeouts over 5–10 min.
          timeoutSeconds: Math.floor(300 * (1 + this.random())),
        },
        onEvent,
        controller.signal,
      );
      if (events === 0 && this.timers.now() - startedAt < minHealthyWatchMs) {
        throw new Error("watch ended at once without events");
      }
      return "closed";
    } catch (error) {
      if (signal.aborted) return undefined;
      if (ending) return ending;
      throw failure ?? error;
    } finally {
      cancelSilence();
      cancelResync();
      signal.removeEventListener("abort", onStop);
    }
  }

  private upsert(obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    // A watch restarted from an older resourceVersion may replay what the cache already has.
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.cache.set(key, obj);
    if (old) this.emit("update", obj, old);
    else this.emit("add", obj);
  }

  private remove(obj: T): void {
    const key = objectKey(obj);
    if (!this.cache.delete(key)) return;
    this.emit("delete", obj);
  }

  private emit(kind: "add" | "delete", obj: T): void;
  private emit(kind: "update", obj: T, old: T): void;
  private emit(kind: "add" | "update" | "delete", obj: T, old?: T): void {
    for (const handlers of this.handlers) this.call(handlers, kind, obj, old);
  }

  /** Runs one handler; a handler that throws is logged and must not stop the informer or the other handlers. */
  private call(handlers: InformerHandlers<T>, kind: "add" | "update" | "delete", obj: T, old?: T): void {
    try {
      if (kind === "add") handlers.add?.(obj);
      else if (kind === "delete") handlers.delete?.(obj);
      else handlers.update?.(old ?? obj, obj);
    } catch (error) {
      this.log.error({ resource: this.resourceName, key: objectKey(obj), err: error }, `${kind} handler threw`);
    }
  }
}
