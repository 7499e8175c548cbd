/**
 * List and watch any resource over HTTPS with a KubeConfig's credentials, returning the API server's JSON untouched.
 *
 * Why not client-node's Watch (dist/watch.js in @kubernetes/client-node 1.4.0): its AbortController is handed back
 * only once the response headers arrive, so a watch stuck while connecting cannot be cancelled; the 30 s
 * AbortSignal.timeout it builds is overwritten on the next line and never applies; and a line that fails to parse is
 * dropped silently, which would leave a cache wrong until the next re-list. Here every request takes an AbortSignal
 * from the start, and a bad line fails the watch so the informer re-lists. Lists are raw too, so list items and watch
 * objects have the same shape (client-node's typed list APIs turn timestamps into Dates, watch events do not).
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";

/** A resource by group/version/plural; namespace undefined means all namespaces (or a cluster-scoped resource). */
export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  namespace?: string;
}

export function resourcePath(ref: ResourceRef): string {
  const base = ref.group === "" ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const scope = ref.namespace === undefined ? "" : `/namespaces/${encodeURIComponent(ref.namespace)}`;
  return `${base}${scope}/${ref.plural}`;
}

/** An error answer of the API server (or a Status in a watch ERROR event). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

/** 410 Gone: the resourceVersion is older than the API server still remembers; only a re-list helps. */
export function isExpired(error: unknown): boolean {
  return error instanceof KubeApiError && error.statusCode === 410;
}

type Query = Record<string, string | number | boolean | undefined>;

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per page (limit/continue). */
  pageSize?: number;
}

/** Lists every object, page by page, with the resourceVersion to watch from. */
export async function listAll<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  ref: ResourceRef,
  options: ListOptions,
  signal: AbortSignal,
): Promise<ListResult<T>> {
  const items: T[] = [];
  let continueToken: string | undefined;
  for (;;) {
    const response = await send(kubeConfig, resourcePath(ref), signal, {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      limit: options.pageSize ?? 500,
      continue: continueToken,
    });
    const body = await readBody(response);
    const list = parseJson(body) as {
      apiVersion?: string;
      kind?: string;
      metadata?: { resourceVersion?: string; continue?: string };
      items?: T[] | null;
    };
    // Items of a list carry no apiVersion/kind on the wire; watch events do. Fill them in so both look alike.
    const kind = list.kind?.replace(/List$/, "");
    for (const item of list.items ?? []) items.push({ apiVersion: list.apiVersion, kind, ...item });
    continueToken = list.metadata?.continue || undefined;
    if (!continueToken) return { items, resourceVersion: list.metadata?.resourceVersion ?? "" };
  }
}

export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T }
  | { type: "ERROR"; object: { code?: number; reason?: string; message?: string } };

export interface WatchOptions {
  resourceVersion: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The API server ends the watch after this long (a normal end: watch again from the last resourceVersion). */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

/**
 * Streams watch events to `onEvent` until the server ends the watch (resolves) or the connection fails, `signal`
 * aborts, a line cannot be parsed or `onEvent` throws (rejects).
 */
export async function watch<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  ref: ResourceRef,
  options: WatchOptions,
  onEvent: (event: WatchEvent<T>) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await send(kubeConfig, resourcePath(ref), signal, {
    watch: true,
    resourceVersion: options.resourceVersion || undefined,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    timeoutSeconds: options.timeoutSeconds,
    allowWatchBookmarks: options.allowWatchBookmarks,
  });
  response.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    let buffered = "";
    let ended = false;
    response.on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === "") continue;
        try {
          onEvent(parseJson(line) as WatchEvent<T>);
        } catch (error) {
          // A line that is not JSON, or an event the consumer cannot apply: end the watch with that error rather
          // than throw from a stream callback (which would crash the process) or skip an event (a stale cache).
          response.destroy(error instanceof Error ? error : new Error(String(error)));
          return;
        }
      }
    });
    response.on("end", () => {
      ended = true;
      resolve();
    });
    response.on("error", reject);
    response.on("close", () => {
      if (!ended) reject(signal.aborted ? abortReason(signal) : new Error("watch connection closed before its end"));
    });
  });
}

/** One GET; resolves with a 200 response, rejects with a KubeApiError for any other status. */
async function send(kubeConfig: KubeConfig, path: string, signal: AbortSignal, query: Query): Promise<IncomingMessage> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(cluster.server.replace(/\/$/, "") + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const options: RequestOptions = { method: "GET", headers: { Accept: "application/json" } };
  // Credentials, CA and proxy exactly as client-node's own clients use them (a new agent per call: no shared sockets).
  await kubeConfig.applyToHTTPSOptions(options);
  signal.throwIfAborted();
  const request = url.protocol === "http:" ? httpRequest : httpsRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { ...options, signal }, resolve);
    req.on("error", reject);
    req.end();
  });
  if (response.statusCode === 200) return response;
  const body = await readBody(response).catch(() => "");
  throw statusError(response.statusCode ?? 0, body);
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => (body += chunk));
    response.on("end", () => resolve(body));
    response.on("error", reject);
  });
}

function statusError(statusCode: number, body: string): KubeApiError {
  try {
    const status = JSON.parse(body) as { reason?: string; message?: string };
    return new KubeApiError(statusCode, status.reason, status.message ?? `HTTP ${statusCode}`);
  } catch {
    return new KubeApiError(statusCode, undefined, `HTTP ${statusCode}: ${body.slice(0, 200)}`);
  }
}

function parseJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
