/**
 * What to do about the active region, as a chain of named pure checks (after cert-manager's certificate policies):
 * preconditions that settle the decision outright, proposals that find the move that is due, and gates that may hold
 * a due move back. The first check that answers wins, so the order of the lists below is the order of precedence.
 */
import type { Health } from "../health/signal-health.js";
import { secondsToMs, toRfc3339 } from "../time.js";
import { Reason } from "./reasons.js";

export type DecisionKind = "Stay" | "Failover" | "Failback" | "Suppressed" | "AwaitingApproval";
export type MoveKind = "Failover" | "Failback";

export interface RegionView {
  name: string;
  role: "primary" | "secondary";
  health: Health;
  /** Held out of automation by flap damping at `now`. */
  suppressed: boolean;
  /** When that suppression is predicted to end (epoch ms). */
  suppressedUntil?: number;
  /** Names of failing signals, for messages only. */
  failingSignals?: readonly string[];
}

export interface DecisionInput {
  mode: "Automatic" | "Manual" | "Paused";
  failback: "Automatic" | "Manual";
  /** In spec order: the order breaks ties between failover targets. */
  regions: readonly RegionView[];
  activeRegion: string;
  holdDownSeconds: number;
  /**
   * Epoch ms of the last transition that hold-down counts from: the fencing record's (any controller's move, a
   * person's included), or this controller's own last automatic start when that is later.
   */
  lastAutomaticTransitionAt?: number;
  /** The run of this policy that is under way, by name (in this cluster, or named by the fencing record); false: none. */
  runInProgress: false | string;
  /** Flap suppression of the policy's own transitions (the fencing record's history): the whole system's flapping. */
  systemSuppression?: { penalty: number; until?: number };
  now: number;
}

export interface Decision {
  kind: DecisionKind;
  from?: string;
  to?: string;
  reason: Reason;
  message: string;
  /** Epoch ms after which the obstacle (hold-down, suppression) is expected to be gone: a requeue time. */
  until?: number;
  /** For Suppressed, AwaitingApproval and Paused: the move that was due, so approving it needs no second decision. */
  proposed?: MoveKind;
}

/** Settles the decision (returns it) or has nothing to say (undefined) and lets the next check run. */
type Check = (input: DecisionInput) => Decision | undefined;
/** May hold back a move that is due. */
type Gate = (input: DecisionInput, move: Move) => Decision | undefined;

interface Move extends Decision {
  kind: MoveKind;
  from: string;
  to: string;
}

function region(input: DecisionInput, name: string | undefined): RegionView | undefined {
  return name === undefined ? undefined : input.regions.find((r) => r.name === name);
}

function primaryOf(input: DecisionInput): RegionView | undefined {
  return input.regions.find((r) => r.role === "primary");
}

function stay(reason: Reason, message: string): Decision {
  return { kind: "Stay", reason, message };
}

function failing(r: RegionView): string {
  return r.failingSignals && r.failingSignals.length > 0 ? ` (failing: ${r.failingSignals.join(", ")})` : "";
}

/**
 * The failover target every controller agrees on: among Healthy regions other than the active one, the primary
 * first, then the first in spec order. Suppression is deliberately not a criterion here: controllers may disagree
 * about penalties, and a suppressed first choice must hold the move back rather than redirect it.
 */
export function failoverTarget(regions: readonly RegionView[], activeRegion: string): RegionView | undefined {
  const candidates = regions.filter((r) => r.name !== activeRegion && r.health === "Healthy");
  return candidates.find((r) => r.role === "primary") ?? candidates[0];
}

// ── Preconditions ────────────────────────────────────────────────────────────────────────────────────────────────

const runAlreadyInProgress: Check = (input) =>
  input.runInProgress === false
    ? undefined
    : stay(Reason.RunInProgress, `FailoverRun ${input.runInProgress} of this policy is in progress.`);

const activeNotInPolicy: Check = (input) =>
  region(input, input.activeRegion) === undefined
    ? stay(
        Reason.ActiveNotInPolicy,
        `The active region "${input.activeRegion}" is not one of spec.regions; no automatic move until it is.`,
      )
    : undefined;

const activeHealthUnknown: Check = (input) =>
  region(input, input.activeRegion)?.health === "Unknown"
    ? stay(Reason.ActiveUnknown, `The health of active region ${input.activeRegion} is Unknown; staying.`)
    : undefined;

// ── Proposals: which move is due, if any ─────────────────────────────────────────────────────────────────────────

const failoverWhenActiveUnhealthy: Check = (input) => {
  const active = region(input, input.activeRegion);
  if (active?.health !== "Unhealthy") return undefined;
  const target = failoverTarget(input.regions, active.name);
  if (target === undefined) {
    return stay(
      Reason.NoHealthyTarget,
      `Active region ${active.name} is Unhealthy${failing(active)} but no other region is Healthy; staying.`,
    );
  }
  const move: Move = {
    kind: "Failover",
    from: active.name,
    to: target.name,
    reason: Reason.ActiveUnhealthy,
    message: `Active region ${active.name} is Unhealthy${failing(active)}; failing over to ${target.name}.`,
  };
  return move;
};

const failbackWhenPrimaryRecovered: Check = (input) => {
  const active = region(input, input.activeRegion);
  const primary = primaryOf(input);
  if (active?.health !== "Healthy") return undefined;
  if (primary === undefined || primary.name === active.name) {
    return stay(Reason.ActiveHealthy, `Active region ${active.name} is Healthy.`);
  }
  if (primary.health !== "Healthy") {
    return stay(
      Reason.PrimaryNotHealthy,
      `Secondary ${active.name} is active and Healthy; primary ${primary.name} is ${primary.health}${failing(primary)}.`,
    );
  }
  if (input.failback === "Manual") {
    return stay(
      Reason.FailbackAwaitsHuman,
      `Primary ${primary.name} is Healthy again; failback is Manual, so ${active.name} stays active until a person starts a run.`,
    );
  }
  const move: Move = {
    kind: "Failback",
    from: active.name,
    to: primary.name,
    reason: Reason.PrimaryRecovered,
    message: `Primary ${primary.name} is Healthy again; failing back from ${active.name}.`,
  };
  return move;
};

// ── Gates: what may hold a due move back ─────────────────────────────────────────────────────────────────────────

function heldBack(move: Move, reason: Reason, message: string, until?: number): Decision {
  const d: Decision = { kind: "Suppressed", from: move.from, to: move.to, reason, message, proposed: move.kind };
  return until === undefined ? d : { ...d, until };
}

const holdDownNotElapsed: Gate = (input, move) => {
  if (input.lastAutomaticTransitionAt === undefined || input.holdDownSeconds <= 0) return undefined;
  const until = input.lastAutomaticTransitionAt + secondsToMs(input.holdDownSeconds);
  if (input.now >= until) return undefined;
  return heldBack(
    move,
    Reason.HoldDown,
    `${move.message} Held back: the last automatic transition was at ${toRfc3339(input.lastAutomaticTransitionAt)}; ` +
      `the next is allowed at ${toRfc3339(until)}.`,
    until,
  );
};

const sourceOrTargetSuppressed: Gate = (input, move) => {
  const suppressed = [region(input, move.from), region(input, move.to)].filter(
    (r): r is RegionView => r !== undefined && r.suppressed,
  );
  if (suppressed.length === 0) return systemSuppressed(input, move);
  // Both must be released before the move can go, so the later end is when to look again.
  const ends = suppressed.map((r) => r.suppressedUntil);
  const until = ends.every((t): t is number => t !== undefined) ? Math.max(...ends) : undefined;
  const names = suppressed.map((r) => r.name).join(" and ");
  return heldBack(
    move,
    Reason.FlapSuppressed,
    `${move.message} Held back: flap damping suppresses ${names}` +
      (until === undefined ? "." : ` until ${toRfc3339(until)}.`),
    until,
  );
};

/** The policy as a whole has moved too often, whichever controllers made the moves. */
function systemSuppressed(input: DecisionInput, move: Move): Decision | undefined {
  const s = input.systemSuppression;
  if (s === undefined) return undefined;
  return heldBack(
    move,
    Reason.FlapSuppressed,
    `${move.message} Held back: the policy's transitions carry a flap penalty of ${Math.round(s.penalty)}, above its ` +
      `suppression threshold` +
      (s.until === undefined ? "." : `; automation resumes at ${toRfc3339(s.until)}.`),
    s.until,
  );
}

const approvalRequired: Gate = (input, move) =>
  input.mode === "Manual"
    ? {
        kind: "AwaitingApproval",
        from: move.from,
        to: move.to,
        reason: Reason.ApprovalRequired,
        message: `${move.message} Mode is Manual: waiting for a person to approve.`,
        proposed: move.kind,
      }
    : undefined;

// ── The chain ────────────────────────────────────────────────────────────────────────────────────────────────────

const preconditions: readonly Check[] = [runAlreadyInProgress, activeNotInPolicy, activeHealthUnknown];
const proposals: readonly Check[] = [failoverWhenActiveUnhealthy, failbackWhenPrimaryRecovered];
const gates: readonly Gate[] = [holdDownNotElapsed, sourceOrTargetSuppressed, approvalRequired];

function firstAnswer(checks: readonly Check[], input: DecisionInput): Decision | undefined {
  for (const check of checks) {
    const answer = check(input);
    if (answer !== undefined) return answer;
  }
  return undefined;
}

const verb: Record<MoveKind, string> = { Failover: "fail over", Failback: "fail back" };

function isMove(d: Decision): d is Move {
  return (d.kind === "Failover" || d.kind === "Failback") && d.from !== undefined && d.to !== undefined;
}

/** The move due without regard to mode, hold-down or suppression, or the Stay that explains why none is. */
function proposal(input: DecisionInput): Decision {
  return (
    firstAnswer(preconditions, input) ??
    firstAnswer(proposals, input) ??
    // Unreachable while Health has three values; kept so that the function stays total if it grows a fourth.
    stay(Reason.ActiveUnknown, `The health of active region ${input.activeRegion} is not decidable; staying.`)
  );
}

export function decide(input: DecisionInput): Decision {
  const proposed = proposal(input);

  // Paused overrides every other rule, but still reports what would be due: observing is the point of Paused.
  if (input.mode === "Paused") {
    const due = isMove(proposed) ? ` Would ${verb[proposed.kind]} from ${proposed.from} to ${proposed.to}.` : "";
    const paused = stay(Reason.Paused, `Automation is Paused: observing only.${due}`);
    return isMove(proposed) ? { ...paused, proposed: proposed.kind } : paused;
  }

  if (!isMove(proposed)) return proposed;
  for (const gate of gates) {
    const held = gate(input, proposed);
    if (held !== undefined) return held;
  }
  return proposed;
}
