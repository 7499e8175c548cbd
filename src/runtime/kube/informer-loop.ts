/**
 * The informer's list-watch loop: list, then watch from the list's resourceVersion, for ever, until stopped; every
 * list and watch event is applied to an InformerStore. Why a watch ended decides what comes next (informer.ts says
 * the rules): a re-list after 410 Gone or at a resync, the same resourceVersion after a silent or closed watch, a
 * capped, jittered backoff after a failure.
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
import type { InformerLogger, InformerStore } from "./informer-store.js";
import { sleep, type CancelTimer, type Timers } from "./timers.js";

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

/** What the loop lists and watches, and how: InformerOptions with every default filled in. */
export interface LoopSettings {
  kubeConfig: KubeConfig;
  resource: ResourceRef;
  /** How the log lines name the resource. */
  resourceName: string;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  pageSize: number | undefined;
  silenceTimeoutMs: number;
  resyncPeriodMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  listTimeoutMs: number;
  timers: Timers;
  random: () => number;
  log: InformerLogger;
}

/** Exponential backoff with "equal jitter": between half and all of min(initial·2^(failures-1), max). */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(initialMs * 2 ** Math.max(0, failures - 1), maxMs);
  return ceiling / 2 + (ceiling / 2) * random();
}

const noop = () => undefined;

/** A watch that ends on its own faster than this without delivering anything counts as a failure (no hot loop). */
const minHealthyWatchMs = 1000;

export class ListWatchLoop<T extends KubernetesObject> {
  private resourceVersion = "";
  private lastListAt = 0;
  private readonly counters: InformerStats = {
    lists: 0,
    watches: 0,
    restarts: { closed: 0, silent: 0, expired: 0, resync: 0, error: 0 },
    consecutiveFailures: 0,
    lastError: undefined,
  };

  constructor(
    private readonly settings: LoopSettings,
    private readonly store: InformerStore<T>,
  ) {}

  stats(): InformerStats {
    return { ...this.counters, restarts: { ...this.counters.restarts } };
  }

  /** Lists and watches until `signal` aborts; never throws. */
  async run(signal: AbortSignal): Promise<void> {
    const { log, resourceName } = this.settings;
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
          log.warn(
            { resource: resourceName, silenceMs: this.settings.silenceTimeoutMs },
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
        const { backoffInitialMs, backoffMaxMs, random } = this.settings;
        const delay = backoffDelay(this.counters.consecutiveFailures, backoffInitialMs, backoffMaxMs, random);
        log.warn(
          {
            resource: resourceName,
            err: error,
            failures: this.counters.consecutiveFailures,
            retryInMs: Math.round(delay),
          },
          "list/watch failed; retrying",
        );
        await sleep(this.settings.timers, delay, signal);
      }
    }
  }

  /** Lists everything and makes the cache exactly that. */
  private async relist(signal: AbortSignal): Promise<void> {
    const { timers } = this.settings;
    const timeout = new AbortController();
    const cancelTimeout = timers.setTimer(this.settings.listTimeoutMs, () =>
      timeout.abort(new Error("list timed out")),
    );
    let result: ListResult<T>;
    try {
      result = await listAll<T>(
        this.settings.kubeConfig,
        this.settings.resource,
        {
          labelSelector: this.settings.labelSelector,
          fieldSelector: this.settings.fieldSelector,
          pageSize: this.settings.pageSize,
        },
        AbortSignal.any([signal, timeout.signal]),
      );
    } finally {
      cancelTimeout();
    }
    if (signal.aborted) return;
    this.store.replace(result.items);
    this.resourceVersion = result.resourceVersion;
    this.lastListAt = timers.now();
    this.counters.lists++;
    this.counters.consecutiveFailures = 0;
  }

  /**
   * Runs one watch from the current resourceVersion. Returns why it ended (undefined when stopped); throws on a
   * failure that deserves a backoff.
   */
  private async watchOnce(signal: AbortSignal): Promise<RestartReason | undefined> {
    const { timers, silenceTimeoutMs, resyncPeriodMs } = this.settings;
    const controller = new AbortController();
    let ending: "silent" | "resync" | "expired" | undefined;
    let failure: KubeApiError | undefined;
    const end = (why: "silent" | "resync" | "expired") => {
      ending ??= why;
      controller.abort(new Error(`watch ended: ${why}`));
    };
    const onStop = () => controller.abort(new Error("informer stopped"));
    signal.addEventListener("abort", onStop, { once: true });

    let cancelSilence: CancelTimer = timers.setTimer(silenceTimeoutMs, () => end("silent"));
    const cancelResync =
      resyncPeriodMs > 0 ? timers.setTimer(this.lastListAt + resyncPeriodMs - timers.now(), () => end("resync")) : noop;
    const startedAt = timers.now();
    let events = 0;
    this.counters.watches++;

    const onEvent = (event: WatchEvent<T>) => {
      if (controller.signal.aborted) return;
      events++;
      cancelSilence();
      cancelSilence = timers.setTimer(silenceTimeoutMs, () => end("silent"));
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
      if (event.type === "ADDED" || event.type === "MODIFIED") this.store.upsert(event.object);
      else if (event.type === "DELETED") this.store.remove(event.object);
      // Every event, bookmarks included, moves the resourceVersion the next watch starts from.
      if (rv) this.resourceVersion = rv;
    };

    try {
      await watch<T>(
        this.settings.kubeConfig,
        this.settings.resource,
        {
          resourceVersion: this.resourceVersion,
          labelSelector: this.settings.labelSelector,
          fieldSelector: this.settings.fieldSelector,
          allowWatchBookmarks: true,
          // client-go's reflector spreads its watches' server-side timeouts over 5–10 min.
          timeoutSeconds: Math.floor(300 * (1 + this.settings.random())),
        },
        onEvent,
        controller.signal,
      );
      if (events === 0 && timers.now() - startedAt < minHealthyWatchMs) {
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
}
