/**
 * How old a fencing record a RegionPolicy reconcile may act on (design 2a, "Mind the Route53 limits"). Every
 * controller of an AWS account shares one Route53 budget, so a policy where nothing is happening reads its record from
 * a zone listing up to `settledMs` old, and anything unsettled reads it at most `unsettledMs` old.
 * Safety never rests on this age: every move is a compare-and-swap on the record as read, which loses against any
 * change since. The age bounds how soon a controller that sees nothing amiss notices a move another controller made —
 * for the region that lost the epoch, how soon it fences itself — so whatever hints at a move reads at the short age:
 * a region some observer (any controller, Route53's checkers) finds failing, a run of the policy under way
 * here, a record this controller has not read yet or calls a move in progress, and an active region whose role state
 * has not followed its epoch yet. What says a move has just happened — a run here that just ended, a peer controller
 * that has read a newer epoch (its published status) — reads the record anew (readAnewBecause).
 */
import type { RegionPolicyStatus } from "../../crds/generated/regionpolicies.js";
import type { FencingRecord } from "./fencing.js";

export interface FenceReadAges {
  settledMs: number;
  unsettledMs: number;
}

export const fenceReadAgeDefaults: FenceReadAges = { settledMs: 30_000, unsettledMs: 5_000 };

export interface FenceReadFacts {
  status: RegionPolicyStatus | undefined;
  localRegion: string;
  runInProgress: boolean;
  /** the epochs the peer controllers last published */
  peerEpochs?: readonly number[];
  /** the record as just read, when there is one: a move it calls in progress unsettles the policy */
  record?: FencingRecord;
  /** when the newest finished run of the policy in this cluster ended */
  runFinishedAt?: number;
  now: number;
}

/**
 * Why the record must be read anew rather than from any listing, or undefined: it is known to have just moved. A run
 * here that ended within the short age swapped it after most listings taken while it ran; a peer that published a
 * newer epoch read a record newer than any this controller holds. Reading those from a cache would keep the status
 * (and what drills and peers read from it) on the old active region for up to an age after the move.
 */
export function readAnewBecause(facts: FenceReadFacts, ages: FenceReadAges): string | undefined {
  const { status, runFinishedAt, now } = facts;
  if (runFinishedAt !== undefined && now - runFinishedAt >= 0 && now - runFinishedAt < ages.unsettledMs) {
    return "a run of the policy has just ended";
  }
  if (status?.epoch === undefined) return undefined;
  const epoch = status.epoch;
  const newer = (facts.peerEpochs ?? []).find((e) => e > epoch);
  if (newer !== undefined) return `a peer has read epoch ${newer}`;
  return undefined;
}

/** Why the policy is not settled, or undefined when it is. */
export function unsettledBy(facts: FenceReadFacts): string | undefined {
  const { status, record, now } = facts;
  if (facts.runInProgress) return "a run is in progress";
  if (status?.epoch === undefined) return "no fencing record read yet";
  // Unknown is no evidence either way (not enough samples yet): only a failing observer hints at a move.
  const troubled = (status.regions ?? []).find(
    (r) => r.health === "Unhealthy" || (r.failingObservers ?? []).length > 0,
  );
  if (troubled) return `${troubled.name} is failing to some observer`;
  const busyUntil = record?.history?.busyUntil;
  if (busyUntil !== undefined && busyUntil > now) return "the record calls a move in progress";
  if (record && record.epoch !== status.epoch) return `the record moved to epoch ${record.epoch}`;
  if (status.activeRegion === facts.localRegion && status.activeRoleStateEpoch !== status.epoch) {
    return "this region's role state has not followed its epoch yet";
  }
  return undefined;
}

export function fenceReadAge(facts: FenceReadFacts, ages: FenceReadAges): number {
  if (readAnewBecause(facts, ages) !== undefined) return 0;
  return unsettledBy(facts) === undefined ? ages.settledMs : ages.unsettledMs;
}
