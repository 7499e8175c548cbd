/**
 * The elector's Lease I/O: read, create, replace and release one coordination.k8s.io/v1 Lease, each call bounded in
 * time, and the Lease's wire form as a LeaseRecord (lease-decision.ts) and back. leader-election.ts decides when.
 */
import {
  IsomorphicFetchHttpLibrary,
  V1MicroTime,
  type ConfigurationOptions,
  type CoordinationV1Api,
  type HttpLibrary,
  type V1Lease,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { releasedRecord, type LeaseRecord } from "./lease-decision.js";
import { timeoutSignal, type Timers } from "./timers.js";

/** The three calls the elector makes; a CoordinationV1Api has them. */
export type LeaseApi = Pick<
  CoordinationV1Api,
  "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease"
>;

export type ElectionLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;

export interface LeaseClientOptions {
  api: LeaseApi;
  namespace: string;
  /** Name of the Lease. */
  name: string;
  timers: Timers;
  /** Every call gives up after this long (the renew deadline: an answer older than that is of no use). */
  requestTimeoutMs: number;
  log: ElectionLogger;
}

export class LeaseClient {
  private readonly http = new IsomorphicFetchHttpLibrary();

  constructor(private readonly options: LeaseClientOptions) {}

  /** The Lease, or undefined when there is none (404); throws on any other failure. */
  async read(signal: AbortSignal): Promise<V1Lease | undefined> {
    try {
      return await this.request(signal, (o) => this.options.api.readNamespacedLease(this.ref(), o));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Writes `record`: creates the Lease when `current` is undefined, else replaces `current` — compare-and-swap on its
   * resourceVersion, so a 409 means someone else wrote first.
   */
  write(current: V1Lease | undefined, record: LeaseRecord, signal: AbortSignal): Promise<V1Lease> {
    const body = this.leaseBody(current, record);
    return this.request(signal, (o) =>
      current === undefined
        ? this.options.api.createNamespacedLease({ namespace: this.options.namespace, body }, o)
        : this.options.api.replaceNamespacedLease({ ...this.ref(), body }, o),
    );
  }

  /**
   * Clears the holder if it is still `identity`, so a standby takes over on its next retry instead of after the lease
   * duration. Logs rather than throws: a release that fails only makes the successor wait.
   */
  async release(identity: string): Promise<void> {
    const { log, name, timers } = this.options;
    const signal = new AbortController().signal;
    for (let attempt = 1; attempt <= 2; attempt++) {
      // Read fresh: a renewal that was cut short by stop() may still have reached the API server.
      let lease: V1Lease | undefined;
      try {
        lease = await this.read(signal);
      } catch (error) {
        log.warn({ err: error, lease: name }, "could not read the Lease to release it");
        return;
      }
      if (!lease) return;
      const record = toLeaseRecord(lease);
      if (record.holderIdentity !== identity) return;
      try {
        await this.write(lease, releasedRecord(record, timers.now()), signal);
        log.info({ lease: name }, "released the leader Lease");
        return;
      } catch (error) {
        if (statusOf(error) === 409 && attempt === 1) continue; // changed under us: look again
        log.warn({ err: error, lease: name }, "could not release the leader Lease");
        return;
      }
    }
  }

  private leaseBody(current: V1Lease | undefined, record: LeaseRecord): V1Lease {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.options.name,
        namespace: this.options.namespace,
        // Replace is compare-and-swap on this version: a 409 means someone else won the race.
        resourceVersion: current?.metadata?.resourceVersion,
        labels: current?.metadata?.labels,
        annotations: current?.metadata?.annotations,
      },
      spec: {
        // Keep fields this elector does not manage (strategy, preferredHolder).
        ...current?.spec,
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        acquireTime: microTime(record.acquireTime),
        renewTime: microTime(record.renewTime),
        leaseTransitions: record.leaseTransitions,
      },
    };
  }

  private ref(): { name: string; namespace: string } {
    return { name: this.options.name, namespace: this.options.namespace };
  }

  /**
   * One API call that gives up when `signal` aborts or after requestTimeoutMs: a request hanging on a dead connection
   * must not hold a socket forever. client-node's generated APIs take no AbortSignal, so it is set on the request by a
   * thin HttpLibrary around the default one.
   */
  private async request<T>(signal: AbortSignal, call: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    const timeout = timeoutSignal(this.options.timers, this.options.requestTimeoutMs);
    const combined = AbortSignal.any([signal, timeout.signal]);
    const httpApi: HttpLibrary = {
      send: (context) => {
        context.setSignal(combined);
        return this.http.send(context);
      },
    };
    try {
      return await call({ httpApi });
    } finally {
      timeout.cancel();
    }
  }
}

/**
 * The spec of a Lease as a LeaseRecord. client-node 1.4 types acquireTime/renewTime as V1MicroTime (a Date) but hands
 * them back as the wire strings (its ObjectSerializer has no case for V1MicroTime), so both forms are accepted.
 */
export function toLeaseRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec;
  return {
    holderIdentity: spec?.holderIdentity ?? "",
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: parseTime(spec?.acquireTime),
    renewTime: parseTime(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

function parseTime(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/**
 * MicroTime must go out with six fractional digits: the API server rejects a plain Date's ".123Z" with 400 BadRequest.
 * client-node's V1MicroTime pads the digits, but TypeScript accepts any Date where V1MicroTime is expected.
 */
function microTime(epochMs: number | undefined): V1MicroTime | undefined {
  return epochMs === undefined ? undefined : new V1MicroTime(epochMs);
}

/** The HTTP status of a client-node ApiException, if the error is one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "number") {
    return error.code;
  }
  return undefined;
}
