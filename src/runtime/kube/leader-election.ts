/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-node ships none). This file is the elector's loop: it
 * campaigns, keeps time and calls back; every decision comes from lease-decision.ts, and the Lease is read and written
 * through lease-client.ts.
 *
 * Contract for the caller: do leader-only work (any write) only between onStartedLeading and onStoppedLeading, and
 * check isLeader() before each write. onStoppedLeading fires at the renew deadline at the latest, which is before any
 * other replica can take the Lease over; on a graceful stop the Lease is released only after onStoppedLeading has
 * finished, so the successor never overlaps with the caller's last writes.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { V1Lease } from "@kubernetes/client-node";
import {
  afterSuccessfulWrite,
  decideLease,
  isLeading,
  leaderElectionConfig,
  notLeading,
  retryJitterFactor,
  type ElectorState,
  type LeaderElectionConfig,
  type LeaseRecord,
  type LostReason,
  type ObservedLease,
} from "./lease-decision.js";
import { LeaseClient, statusOf, toLeaseRecord, type ElectionLogger, type LeaseApi } from "./lease-client.js";
import { monotonicTimers, sleep, type CancelTimer, type Timers } from "./timers.js";

export type { ElectionLogger, LeaseApi } from "./lease-client.js";

export interface LeaderElectorOptions {
  coordinationApi: LeaseApi;
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** Unique per process (see defaultIdentity()); two processes with one identity would both lead. */
  identity: string;
  config?: Partial<LeaderElectionConfig>;
  /** Called when this process becomes leader; `signal` aborts when the term ends. */
  onStartedLeading: (signal: AbortSignal) => void;
  /** Called when the term ends; the caller must stop all writes. release() waits for the returned promise. */
  onStoppedLeading: () => void | Promise<void>;
  logger?: ElectionLogger;
  /** Default: monotonicTimers. */
  timers?: Timers;
  /** [0, 1) source for the candidates' retry jitter. */
  random?: () => number;
}

const noop = () => undefined;
const silentLogger: ElectionLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** controller-runtime's identity: hostname plus a random suffix, so a restarted pod never reuses its predecessor's. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export class LeaderElector {
  private readonly lease: LeaseClient;
  private readonly config: LeaderElectionConfig;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly log: ElectionLogger;

  private state: ElectorState = notLeading;
  /** The Lease as last read or written, as the decisions see it. */
  private observed: ObservedLease | undefined;
  private observedRecordJson: string | undefined;
  private campaign: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private term: AbortController | undefined;
  private cancelDeadline: CancelTimer | undefined;
  /** The last onStoppedLeading; nobody campaigns again before it has finished. */
  private stepDown: Promise<void> = Promise.resolve();
  /** Counts ended terms, so a write that was in flight when a term ended cannot revive it. */
  private endedTerms = 0;
  /** Why this replica cannot take part in the election at all (RBAC, a missing namespace), until an attempt works. */
  private problem: string | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.config = leaderElectionConfig(options.config);
    // Monotonic: a wall-clock step must neither extend a term nor cut a lease short.
    this.timers = options.timers ?? monotonicTimers;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? silentLogger;
    this.lease = new LeaseClient({
      api: options.coordinationApi,
      namespace: options.namespace,
      name: options.name,
      timers: this.timers,
      requestTimeoutMs: this.config.renewDeadlineSeconds * 1000,
      log: this.log,
    });
    if (!options.identity) throw new Error("leader election needs a non-empty identity");
  }

  /** Starts campaigning in the background. */
  start(): void {
    if (this.loop) return;
    const campaign = new AbortController();
    this.campaign = campaign;
    this.loop = this.run(campaign.signal);
  }

  /**
   * Whether this process may act as leader right now. Checked against the clock, not only the loop's state, so it
   * turns false at the renew deadline even if the event loop was too busy to run the deadline timer.
   */
  isLeader(): boolean {
    return isLeading(this.state, this.timers.now(), this.config);
  }

  /**
   * Why this replica cannot campaign, if it cannot: the Lease is forbidden to it or its namespace does not exist.
   * Such a replica would never act, so it is not ready (main.ts turns this into /readyz). Retried like any failure:
   * fixing the RBAC or creating the namespace clears it on the next attempt.
   */
  configurationProblem(): string | undefined {
    return this.problem;
  }

  /**
   * Stops campaigning without releasing the Lease — what a crash looks like to the others: they take over once the
   * lease duration has passed. Ends the term (onStoppedLeading) if leading.
   */
  async stop(): Promise<void> {
    this.campaign?.abort();
    await this.loop;
    this.loop = undefined;
    this.stopLeading("Stopped", undefined);
    await this.stepDown;
  }

  /**
   * Graceful shutdown (client-go's ReleaseOnCancel): stops, waits for onStoppedLeading, then clears the holder so a
   * standby takes over on its next retry instead of after the lease duration.
   */
  async release(): Promise<void> {
    await this.stop();
    await this.lease.release(this.options.identity);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const retryMs = this.config.retryPeriodSeconds * 1000;
    while (!signal.aborted) {
      await this.stepDown;
      try {
        await this.attempt(signal);
      } catch (error) {
        // attempt() handles API errors; this is a bug, but the loop must outlive it or nobody would ever lead.
        this.log.error({ err: error }, "leader election attempt failed unexpectedly");
        this.checkDeadline();
      }
      // A leader renews every retry period; candidates add jitter so replicas started together do not move in step.
      const delay = this.state.leading ? retryMs : retryMs * (1 + retryJitterFactor * this.random());
      await sleep(this.timers, delay, signal);
    }
  }

  private async attempt(signal: AbortSignal): Promise<void> {
    let lease: V1Lease | undefined;
    try {
      lease = await this.lease.read(signal);
    } catch (error) {
      if (signal.aborted) return;
      if (!this.misconfigured("read", error))
        this.log.warn({ err: error, lease: this.options.name }, "could not read the leader Lease");
      this.checkDeadline();
      return;
    }
    if (signal.aborted) return;
    this.observe(lease);

    const decision = decideLease({
      observed: this.observed,
      identity: this.options.identity,
      now: this.timers.now(),
      config: this.config,
      state: this.state,
    });
    switch (decision.action) {
      case "wait":
        this.problem = undefined;
        return;
      case "lost":
        this.stopLeading(decision.reason, decision.holder);
        return;
      case "acquire":
      case "renew":
        await this.write(lease, decision.record, signal);
        return;
    }
  }

  private async write(current: V1Lease | undefined, record: LeaseRecord, signal: AbortSignal): Promise<void> {
    // The deadline counts from the moment the write leaves, not when it returns (lease-decision.ts, rule 2).
    const sentAt = this.timers.now();
    const endedTermsBefore = this.endedTerms;
    let written: V1Lease;
    try {
      written = await this.lease.write(current, record, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (statusOf(error) === 409) {
        // Optimistic concurrency: another elector wrote first. The next read shows who.
        this.log.debug({ lease: this.options.name }, "the leader Lease changed under us");
      } else if (!this.misconfigured("write", error)) {
        this.log.warn({ err: error, lease: this.options.name }, "could not write the leader Lease");
      }
      this.checkDeadline();
      return;
    }
    if (signal.aborted) return;
    this.problem = undefined;
    this.observe(written);
    // The term ended while the write was out (deadline): the next attempt, after onStoppedLeading has finished,
    // starts a new one. Until then the Lease names us, so nobody else can take it.
    if (this.endedTerms !== endedTermsBefore) return;
    const next = afterSuccessfulWrite(sentAt, this.timers.now(), this.config);
    if (!next.leading) {
      this.checkDeadline();
    } else if (this.state.leading) {
      this.state = next;
      this.armDeadline();
    } else {
      this.startLeading(next, record);
    }
  }

  /**
   * Records a failure that retrying alone will not cure (403: no RBAC for Leases there; 404 on a write: no such
   * namespace) and says so once, in one plain line, rather than as a warning per retry.
   */
  private misconfigured(operation: "read" | "write", error: unknown): boolean {
    const status = statusOf(error);
    const where = `Lease ${this.options.namespace}/${this.options.name}`;
    let problem: string | undefined;
    if (status === 401 || status === 403)
      problem = `not allowed to ${operation} the ${where} (HTTP ${status}): check the RBAC for leases in namespace ${this.options.namespace}`;
    else if (status === 404 && operation === "write")
      problem = `cannot create the ${where}: namespace ${this.options.namespace} does not exist`;
    if (!problem) return false;
    if (problem !== this.problem)
      this.log.error(
        { lease: this.options.name },
        `this replica cannot take part in leader election and will never act: ${problem}`,
      );
    this.problem = problem;
    return true;
  }

  private startLeading(state: ElectorState, record: LeaseRecord): void {
    this.state = state;
    const term = new AbortController();
    this.term = term;
    this.armDeadline();
    this.log.info(
      { lease: this.options.name, identity: this.options.identity, transitions: record.leaseTransitions },
      "became leader",
    );
    try {
      this.options.onStartedLeading(term.signal);
    } catch (error) {
      this.log.error({ err: error }, "onStartedLeading threw");
    }
  }

  private stopLeading(reason: LostReason | "Stopped", holder: string | undefined): void {
    if (!this.state.leading) return;
    this.state = notLeading;
    this.endedTerms++;
    this.cancelDeadline?.();
    this.cancelDeadline = undefined;
    this.term?.abort();
    this.term = undefined;
    const fields = { lease: this.options.name, identity: this.options.identity, reason, holder };
    if (reason === "Stopped") this.log.info(fields, "stopped leading");
    else this.log.warn(fields, "lost leadership");
    const callback = this.options.onStoppedLeading;
    this.stepDown = (async () => {
      try {
        await callback();
      } catch (error) {
        this.log.error({ err: error }, "onStoppedLeading failed");
      }
    })();
  }

  /** Steps down when the renew deadline has passed (called after every failure and by the deadline timer). */
  private checkDeadline(): void {
    if (this.state.leading && !this.isLeader()) this.stopLeading("RenewDeadlineExceeded", undefined);
  }

  /** A timer at the renew deadline, so stepping down does not wait for a request that hangs. */
  private armDeadline(): void {
    this.cancelDeadline?.();
    if (!this.state.leading) return;
    const delay = this.state.renewedAt + this.config.renewDeadlineSeconds * 1000 - this.timers.now();
    this.cancelDeadline = this.timers.setTimer(delay, () => {
      // A timer may fire a hair early by the clock it is compared with; then it is simply set again.
      if (this.isLeader()) this.armDeadline();
      else this.checkDeadline();
    });
  }

  /**
   * Records what was read or written. Expiry counts from when this version of the record was first seen, as in
   * client-go, which compares the record rather than the resourceVersion: edits to labels do not extend a lease.
   */
  private observe(lease: V1Lease | undefined): void {
    if (!lease) {
      this.observed = undefined;
      this.observedRecordJson = undefined;
      return;
    }
    const record = toLeaseRecord(lease);
    const json = JSON.stringify(record);
    if (json === this.observedRecordJson) return;
    const previousHolder = this.observed?.record.holderIdentity;
    this.observed = { record, observedAt: this.timers.now() };
    this.observedRecordJson = json;
    if (record.holderIdentity !== previousHolder && record.holderIdentity !== this.options.identity) {
      this.log.info({ lease: this.options.name, holder: record.holderIdentity || undefined }, "leader Lease holder");
    }
  }
}
