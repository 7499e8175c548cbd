/**
 * The decisions of leader election on a coordination.k8s.io/v1 Lease, as pure functions of what an elector has seen
 * and its own clock. The shell (leader-election.ts) reads and writes the Lease; everything that decides who leads is
 * here, so it can be tested, exhaustively and by property, without an API server.
 *
 * Safety rests on two rules, taken from client-go's leaderelection package:
 * 1. Expiry is judged on the *local* clock, from when this elector first saw the current version of the Lease
 *    (`observedAt`), never from the holder's renewTime: clocks of different machines need not agree, only tick at
 *    about the same rate.
 * 2. A leader counts its renew deadline from the moment it *sent* its last successful write, and renewDeadline is
 *    shorter than leaseDuration. Any other elector saw that write after it was sent, so it waits at least
 *    leaseDuration from a later instant, by which time the old leader has stopped leading.
 * Writes are compare-and-swap (replace with resourceVersion), so two electors acting on the same stale view cannot
 * both succeed.
 */

export interface LeaderElectionConfig {
  /** How long others wait, from when they saw the last renewal, before taking the Lease over. */
  leaseDurationSeconds: number;
  /** How long a leader keeps leading without a successful renewal. Shorter than the lease duration. */
  renewDeadlineSeconds: number;
  /** How often a leader renews and a candidate retries. */
  retryPeriodSeconds: number;
}

/** controller-runtime's defaults. */
export const defaultLeaderElectionConfig: Readonly<LeaderElectionConfig> = Object.freeze({
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
});

/** client-go's jitter on the candidates' retry period (JitterFactor 1.2): replicas started together spread out. */
export const retryJitterFactor = 1.2;

/** Fills in the defaults and refuses a configuration under which two leaders could overlap. */
export function leaderElectionConfig(partial: Partial<LeaderElectionConfig> = {}): LeaderElectionConfig {
  const config = { ...defaultLeaderElectionConfig, ...partial };
  const { leaseDurationSeconds: lease, renewDeadlineSeconds: renew, retryPeriodSeconds: retry } = config;
  if (!(retry > 0)) throw new Error(`retryPeriodSeconds must be > 0, got ${retry}`);
  // Rule 2 above: the old leader must stop before anyone else may start.
  if (!(lease > renew)) throw new Error(`leaseDurationSeconds (${lease}) must be greater than renewDeadlineSeconds`);
  // A leader must get more than one renewal attempt within its deadline (client-go checks the same).
  if (!(renew > retryJitterFactor * retry)) {
    throw new Error(`renewDeadlineSeconds (${renew}) must be greater than ${retryJitterFactor} × retryPeriodSeconds`);
  }
  return config;
}

/** The Lease's spec, with times as epoch milliseconds (informational: decisions never compare them to our clock). */
export interface LeaseRecord {
  /** "" when nobody holds the Lease (a leader released it). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number | undefined;
  renewTime: number | undefined;
  leaseTransitions: number;
}

/** A Lease as this elector saw it: the record, and when (local clock) this version of it was first seen. */
export interface ObservedLease {
  record: LeaseRecord;
  observedAt: number;
}

export type ElectorState = { leading: false } | { leading: true; renewedAt: number };

export const notLeading: ElectorState = Object.freeze({ leading: false });

export type LostReason =
  /** No successful renewal within the renew deadline (API server unreachable, slow, or conflicts). */
  | "RenewDeadlineExceeded"
  /** The Lease names another holder: someone took it over. */
  | "LeaseHeldByAnother"
  /** The Lease names no holder although we lead: someone released it for us. */
  | "LeaseReleased"
  /** The Lease object is gone. */
  | "LeaseDeleted";

export type LeaseDecision =
  /** Write `record` (create when there is no Lease, else replace); on success this elector leads. */
  | { action: "acquire"; record: LeaseRecord }
  /** Write `record` to extend the lease this elector holds. */
  | { action: "renew"; record: LeaseRecord }
  /** Another elector holds a valid lease; try again after the retry period. */
  | { action: "wait"; holder: string; expiresAt: number }
  /** Stop leading now: stop all writes. */
  | { action: "lost"; reason: LostReason; holder: string | undefined };

export interface DecisionInput {
  /** The Lease as last read; undefined when it does not exist. */
  observed: ObservedLease | undefined;
  identity: string;
  /** Local clock, epoch milliseconds. */
  now: number;
  config: LeaderElectionConfig;
  state: ElectorState;
}

const ms = (seconds: number) => seconds * 1000;

/** Whether this elector may act as the leader at `now`: it leads and its last renewal is within the deadline. */
export function isLeading(state: ElectorState, now: number, config: LeaderElectionConfig): boolean {
  return state.leading && now < state.renewedAt + ms(config.renewDeadlineSeconds);
}

/** When the observed Lease expires for this elector (local clock), using the duration its holder declared. */
export function leaseExpiresAt(observed: ObservedLease, config: LeaderElectionConfig): number {
  const declared = observed.record.leaseDurationSeconds;
  return observed.observedAt + ms(declared > 0 ? declared : config.leaseDurationSeconds);
}

/** What to do next, given the Lease as last read. */
export function decideLease(input: DecisionInput): LeaseDecision {
  const { observed, identity, now, config, state } = input;
  const record = observed?.record;

  if (state.leading) {
    if (!isLeading(state, now, config)) return lost("RenewDeadlineExceeded", record?.holderIdentity);
    if (!record) return lost("LeaseDeleted", undefined);
    if (record.holderIdentity === "") return lost("LeaseReleased", undefined);
    if (record.holderIdentity !== identity) return lost("LeaseHeldByAnother", record.holderIdentity);
    return {
      action: "renew",
      record: { ...record, leaseDurationSeconds: config.leaseDurationSeconds, renewTime: now },
    };
  }

  if (!record || !observed) return takeOver(input, 0);
  if (record.holderIdentity === identity) {
    // Ours already (we restarted, or stepped down after a slow renewal): nobody else has held it since, so this is
    // no transition. The compare-and-swap write still guards against a takeover we have not seen yet.
    return {
      action: "acquire",
      record: { ...record, leaseDurationSeconds: config.leaseDurationSeconds, renewTime: now },
    };
  }
  if (record.holderIdentity !== "") {
    const expiresAt = leaseExpiresAt(observed, config);
    if (now < expiresAt) return { action: "wait", holder: record.holderIdentity, expiresAt };
  }
  return takeOver(input, record.leaseTransitions + 1);
}

/** A Lease record naming this elector as a new holder from `now`. */
function takeOver({ identity, now, config }: DecisionInput, leaseTransitions: number): LeaseDecision {
  return {
    action: "acquire",
    record: {
      holderIdentity: identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions,
    },
  };
}

/**
 * The state after a write decided by decideLease() succeeded. `sentAt` is when the write was sent: the deadline counts
 * from then (rule 2). A write that took longer than the deadline to come back makes no leader.
 */
export function afterSuccessfulWrite(sentAt: number, now: number, config: LeaderElectionConfig): ElectorState {
  const state: ElectorState = { leading: true, renewedAt: sentAt };
  return isLeading(state, now, config) ? state : notLeading;
}

/**
 * The record a leader writes when it shuts down gracefully (client-go's ReleaseOnCancel): no holder, so a candidate
 * takes over on its next retry instead of waiting out the lease duration.
 */
export function releasedRecord(record: LeaseRecord, now: number): LeaseRecord {
  return {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: record.leaseTransitions,
  };
}

function lost(reason: LostReason, holder: string | undefined): LeaseDecision {
  return { action: "lost", reason, holder: holder === "" ? undefined : holder };
}
