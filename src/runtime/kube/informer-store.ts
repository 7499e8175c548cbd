/**
 * The informer's cache: the objects by key, the handlers told of every change to them, and whether the first full
 * list has been applied (informer-loop.ts keeps it current; informer.ts is the public face).
 *
 * Handlers run synchronously as changes are applied; one that throws is logged and stops neither the informer nor the
 * other handlers.
 */
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";

export interface InformerHandlers<T> {
  add?: (obj: T) => void;
  update?: (oldObj: T, newObj: T) => void;
  delete?: (obj: T) => void;
}

export type InformerLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;

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

export class InformerStore<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private synced = false;
  private syncWaiters: (() => void)[] = [];

  /** `resourceName` names the resource in the log lines of handlers that throw. */
  constructor(
    private readonly resourceName: string,
    private readonly log: InformerLogger,
  ) {}

  /** Adds handlers; once synced, they first get add for every object already cached. Returns a remover. */
  addHandlers(handlers: InformerHandlers<T>): () => void {
    this.handlers.add(handlers);
    if (this.synced) for (const obj of this.cache.values()) this.call(handlers, "add", obj);
    return () => this.handlers.delete(handlers);
  }

  /** True once the first list has been applied (and ever after). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once hasSynced() is true (never, if no list is ever applied). */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /**
   * Makes the cache exactly `items` (a full list), emitting delete / add / update (update for every survivor), and
   * marks it synced.
   */
  replace(items: readonly T[]): void {
    const plan = planRelist(this.cache, items);
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
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  /** An ADDED or MODIFIED watch event. */
  upsert(obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    // A watch restarted from an older resourceVersion may replay what the cache already has.
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.cache.set(key, obj);
    if (old) this.emit("update", obj, old);
    else this.emit("add", obj);
  }

  /** A DELETED watch event. */
  remove(obj: T): void {
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
