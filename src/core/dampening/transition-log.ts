/**
 * The system's dampening (invariant 5), read from and written into the fencing record. The record is the one
 * linearizable log of transitions: every change of the active region swaps it, whichever controller makes the move.
 * Carrying hold-down, flap penalty, suppression and "a move is in progress" in it lets every controller reach the same
 * answer; kept in one controller's status, they bound only that controller's moves (a failover by one region's
 * controller and a failback by another's would never see each other).
 */
import type { FencingRecord, Mover, TransitionHistory } from "../plan/fencing.js";
import { secondsToMs, toRfc3339 } from "../time.js";
import { decayedValue, recordFlap, suppression, type PenaltyConfig, type PenaltyState } from "./flap-penalty.js";

export interface SystemDampening {
  /** When the current epoch began; undefined when the record carries no history (an old or a seeded record). */
  lastTransitionAt?: number;
  /** The policy's flap penalty decayed to `now`. */
  penalty: number;
  suppressed: boolean;
  /** When the suppression ends if nothing else moves (epoch ms). */
  suppressedUntil?: number;
  /** The move that began this epoch is still under way (its run has not finished), until `until` at the latest. */
  moveInProgress?: { run?: string; until: number };
}

const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

function penaltyState(history: TransitionHistory): PenaltyState {
  const state: PenaltyState = { value: history.penalty, updatedAt: history.since };
  return history.suppressedSince === undefined ? state : { ...state, suppressedSince: history.suppressedSince };
}

export function systemDampening(record: FencingRecord | undefined, cfg: PenaltyConfig, now: number): SystemDampening {
  const history = record?.history;
  if (history === undefined) return { penalty: 0, suppressed: false };
  const state = penaltyState(history);
  const s = suppression(state, cfg, now);
  const result: SystemDampening = {
    lastTransitionAt: history.since,
    penalty: decayedValue(state, cfg, now),
    suppressed: s.suppressed,
  };
  if (s.until !== undefined) result.suppressedUntil = s.until;
  if (history.busyUntil !== undefined && now < history.busyUntil) {
    result.moveInProgress = { until: history.busyUntil, ...(record?.run ? { run: record.run } : {}) };
  }
  return result;
}

export interface Transition {
  /** The region made active. */
  to: string;
  run: string;
  by: Mover;
  now: number;
  /** How long the move may stay "in progress" if its run never reports its end: the plan's timeout. */
  busyForMs: number;
}

/**
 * The record a run writes when it moves the active region: the next epoch, and the history with this transition
 * counted. Times are whole seconds because the record stores seconds; the penalty is decayed from the current
 * record's own `since`, so the result does not depend on which controller computes it.
 */
export function recordTransition(current: FencingRecord | undefined, t: Transition, cfg: PenaltyConfig): FencingRecord {
  // Rounded up: hold-down counted from a `since` rounded down would end up to a second early (found by test/sim).
  const at = Math.ceil(t.now / 1000) * 1000;
  const previous = current?.history ? penaltyState(current.history) : { value: 0, updatedAt: at };
  const penalty = recordFlap(previous, cfg, at);
  const history: TransitionHistory = {
    since: Math.max(at, penalty.updatedAt),
    by: t.by,
    // Whole units, as the record stores them: what a controller computes equals what the next one reads.
    penalty: Math.ceil(penalty.value),
    busyUntil: wholeSecond(at + Math.max(0, t.busyForMs)) + 1000,
  };
  if (penalty.suppressedSince !== undefined) history.suppressedSince = wholeSecond(penalty.suppressedSince);
  return { active: t.to, epoch: (current?.epoch ?? 0) + 1, run: t.run, history };
}

/**
 * The same epoch with its move marked finished, for the run that began it; undefined when there is nothing to
 * clear (another run's epoch, or no move in progress). The swap is a compare-and-swap like any other: if the
 * record moved on meanwhile, the newer one stands.
 */
export function recordRunFinished(current: FencingRecord | undefined, run: string): FencingRecord | undefined {
  if (current?.run !== run || current.history?.busyUntil === undefined) return undefined;
  const { busyUntil: _done, ...history } = current.history;
  return { ...current, history };
}

export type MoveRefusalReason = "HoldDown" | "FlapSuppressed" | "MoveInProgress" | "TargetAlreadyActive";

export interface MoveRefusal {
  reason: MoveRefusalReason;
  message: string;
  /** When the obstacle is expected to be gone. */
  until?: number;
}

export interface AutomaticMoveInput {
  record: FencingRecord | undefined;
  /** The region the move would make active. */
  to?: string;
  holdDownSeconds: number;
  penalty: PenaltyConfig;
  now: number;
  /** The run about to move, so its own epoch (a resume after a crash) is never held against it. */
  run?: string;
}

/**
 * Whether an automatic move may begin now, judged on the record itself. The decision already asked this of a cached
 * record; the traffic step asks again of the record it is about to swap, because only the compare-and-swap sees the
 * latest move of every controller.
 */
export function automaticMoveRefusal(input: AutomaticMoveInput): MoveRefusal | undefined {
  const { record, now } = input;
  if (record === undefined || (input.run !== undefined && record.run === input.run)) return undefined;
  if (input.to !== undefined && record.active === input.to) {
    // Decided on a cached record from before another run made this region active: the move is already made, and
    // taking a new epoch for it would promote again and count a flap for nothing (found by test/sim).
    return {
      reason: "TargetAlreadyActive",
      message: `${record.active} is already active at epoch ${record.epoch}${record.run ? ` (run ${record.run})` : ""}`,
    };
  }
  const d = systemDampening(record, input.penalty, now);
  if (d.moveInProgress !== undefined) {
    return {
      reason: "MoveInProgress",
      message:
        `the move to ${record.active} at epoch ${record.epoch}${d.moveInProgress.run ? ` (run ${d.moveInProgress.run})` : ""} ` +
        `is still in progress (at the latest until ${toRfc3339(d.moveInProgress.until)})`,
      until: d.moveInProgress.until,
    };
  }
  if (d.lastTransitionAt !== undefined && input.holdDownSeconds > 0) {
    const until = d.lastTransitionAt + secondsToMs(input.holdDownSeconds);
    if (now < until) {
      return {
        reason: "HoldDown",
        message:
          `the last transition (to ${record.active} at epoch ${record.epoch}) was at ${toRfc3339(d.lastTransitionAt)}; ` +
          `the next automatic one is allowed at ${toRfc3339(until)}`,
        until,
      };
    }
  }
  if (d.suppressed) {
    return {
      reason: "FlapSuppressed",
      message:
        `the policy's transitions carry a flap penalty of ${Math.round(d.penalty)}, above its suppression threshold` +
        (d.suppressedUntil === undefined ? "" : `; automation resumes at ${toRfc3339(d.suppressedUntil)}`),
      ...(d.suppressedUntil === undefined ? {} : { until: d.suppressedUntil }),
    };
  }
  return undefined;
}
