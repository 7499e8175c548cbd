/**
 * The run's journal (status.journal[], one entry per step, keyed by name) and its only writer: applyOutcome, a pure
 * update from "what just happened to this step" to the next journal. The shell writes the journal before and after
 * every external call (design section 2): Started before (state Running, intent, the state found), the result after.
 * A crash between the two leaves the step Running, which the engine answers with "resume" (re-observe, never
 * blindly repeat).
 *
 * `observed` is what the step found and did; two keys in it belong to the engine, because the CRD's journal has no
 * other place for them and both are observations in their own right:
 *   - `failure: {reason, permanent}` — why the last attempt failed; permanent for a guard refusal or a lost
 *     compare-and-swap, which a retry would only meet again;
 *   - `rollback: {observed?, error?}` — what the rollback's restore found and did, or why it failed.
 */
import type { FailoverRunStatusJournal } from "../../crds/generated/failoverruns.js";
import { parseTime, toRfc3339 } from "../time.js";
import { StepReason } from "./reasons.js";
import type { BoundStep } from "./steps.js";

export type JournalEntry = FailoverRunStatusJournal;
export type StepState = NonNullable<JournalEntry["state"]>;
type Json = Record<string, unknown>;

export type StepOutcome =
  /** Before the external call: a new attempt, what it is going to do, and (first attempt only) the state it found. */
  | { type: "Started"; intent: Json; before?: Json }
  /** A long operation is under way (Aurora switchover, Route53 PENDING, a Job running): still Running. */
  | { type: "InProgress"; observed?: Json; message?: string }
  | { type: "Succeeded"; observed?: Json; message?: string }
  /**
   * The attempt failed; the engine decides whether another attempt follows. `beforeStart`: it failed while observing,
   * before Started could be journaled — it still counts as an attempt and starts the step's clock, or a step whose
   * observation always fails would be retried forever.
   */
  | { type: "Failed"; message: string; reason?: string; observed?: Json; beforeStart?: boolean }
  /** A guard refused, or the fencing compare-and-swap was lost: final for this step, no retry. */
  | { type: "Refused"; reason: string; message: string; intent?: Json }
  | { type: "WaitingApproval" }
  | { type: "Skipped"; reason: string; message: string }
  /** A rollback restored the state recorded in `before`. */
  | { type: "RolledBack"; observed?: Json }
  | { type: "RollbackFailed"; message: string; observed?: Json };

export interface FailureMark {
  reason: string;
  permanent: boolean;
}

export interface RollbackMark {
  observed?: Json;
  error?: string;
}

/** Thrown when an outcome does not fit the step's state: the shell acted on something the engine did not ask for. */
export class JournalTransitionError extends Error {
  constructor(step: string, from: StepState, outcome: StepOutcome["type"]) {
    super(`journal: step ${step} is ${from}; outcome ${outcome} does not apply`);
    this.name = "JournalTransitionError";
  }
}

/** Which states each outcome may follow. Anything else is a bug in the shell, and is refused loudly. */
const allowedFrom: Record<StepOutcome["type"], readonly StepState[]> = {
  Started: ["Pending", "Failed", "WaitingApproval"],
  InProgress: ["Running"],
  Succeeded: ["Running"],
  Failed: ["Pending", "Running", "WaitingApproval", "Failed"],
  Refused: ["Pending", "Running", "Failed", "WaitingApproval"],
  WaitingApproval: ["Pending", "WaitingApproval"],
  Skipped: ["Pending", "Running", "Failed", "WaitingApproval"],
  RolledBack: ["Succeeded", "Failed"],
  RollbackFailed: ["Succeeded", "Failed"],
};

export function entryFor(journal: readonly JournalEntry[], name: string): JournalEntry | undefined {
  return journal.find((e) => e.name === name);
}

/** An absent entry is a step that has not started. */
export function stateOf(entry: JournalEntry | undefined): StepState {
  return entry?.state ?? "Pending";
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function failureOf(entry: JournalEntry | undefined): FailureMark | undefined {
  const f = entry?.observed?.failure;
  if (!isObject(f) || typeof f.reason !== "string") return undefined;
  return { reason: f.reason, permanent: f.permanent === true };
}

export function rollbackOf(entry: JournalEntry | undefined): RollbackMark | undefined {
  const r = entry?.observed?.rollback;
  if (!isObject(r)) return undefined;
  const mark: RollbackMark = {};
  if (isObject(r.observed)) mark.observed = r.observed;
  if (typeof r.error === "string") mark.error = r.error;
  return mark;
}

/** When the run's first step started: the run's start for its plan-level timeout, if status.startedAt is not kept. */
export function firstStartedAt(journal: readonly JournalEntry[]): number | undefined {
  const times = journal.map((e) => parseTime(e.startedAt)).filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}

/** A copy without the keys whose value is undefined, so a status write carries no empty fields. */
function compact(entry: JournalEntry): JournalEntry {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (value !== undefined) out[key] = value;
  return out as unknown as JournalEntry;
}

function nextEntry(prev: JournalEntry, outcome: StepOutcome, at: string): JournalEntry {
  switch (outcome.type) {
    case "Started":
      return {
        ...prev,
        state: "Running",
        attempts: (prev.attempts ?? 0) + 1,
        startedAt: prev.startedAt ?? at,
        intent: outcome.intent,
        // The first state found is what a rollback must restore: a retry may find what a failed attempt half-did.
        before: prev.before ?? outcome.before,
        observed: undefined,
        message: undefined,
        finishedAt: undefined,
      };
    case "InProgress":
      return { ...prev, observed: outcome.observed ?? prev.observed, message: outcome.message ?? prev.message };
    case "Succeeded":
      return { ...prev, state: "Succeeded", finishedAt: at, observed: outcome.observed, message: outcome.message };
    case "Failed":
      return {
        ...prev,
        state: "Failed",
        attempts: (prev.attempts ?? 0) + (outcome.beforeStart ? 1 : 0),
        startedAt: prev.startedAt ?? (outcome.beforeStart ? at : undefined),
        finishedAt: at,
        // A deadline recorded on an already failed attempt keeps that attempt's error in view.
        message:
          prev.state === "Failed" && prev.message !== undefined
            ? `${outcome.message} (last error: ${prev.message})`
            : outcome.message,
        observed: {
          ...outcome.observed,
          failure: { reason: outcome.reason ?? StepReason.AttemptFailed, permanent: false },
        },
      };
    case "Refused":
      return {
        ...prev,
        state: "Failed",
        attempts: prev.attempts ?? 0,
        finishedAt: at,
        intent: outcome.intent ?? prev.intent,
        message: outcome.message,
        observed: { failure: { reason: outcome.reason, permanent: true } },
      };
    case "WaitingApproval":
      // The wait counts against the step's timeout from the moment it began.
      return { ...prev, state: "WaitingApproval", startedAt: prev.startedAt ?? at };
    case "Skipped": {
      const last = prev.message === undefined ? "" : ` (last error: ${prev.message})`;
      return { ...prev, state: "Skipped", finishedAt: at, message: `${outcome.reason}: ${outcome.message}${last}` };
    }
    case "RolledBack":
      return {
        ...prev,
        state: "RolledBack",
        finishedAt: at,
        observed: { ...prev.observed, rollback: outcome.observed === undefined ? {} : { observed: outcome.observed } },
      };
    case "RollbackFailed":
      return {
        ...prev,
        message: `rollback failed: ${outcome.message}`,
        observed: {
          ...prev.observed,
          rollback:
            outcome.observed === undefined
              ? { error: outcome.message }
              : { error: outcome.message, observed: outcome.observed },
        },
      };
  }
}

/**
 * The journal after `outcome` happened to `step` at `now`. Pure: the input is not modified; an entry keeps its place
 * and a step's first entry is appended. Throws JournalTransitionError for an outcome its state does not allow.
 */
export function applyOutcome(
  journal: readonly JournalEntry[],
  step: BoundStep,
  outcome: StepOutcome,
  now: number,
): JournalEntry[] {
  const index = journal.findIndex((e) => e.name === step.name);
  const prev: JournalEntry = journal[index] ?? { name: step.name, kind: step.kind, state: "Pending", attempts: 0 };
  const from = stateOf(prev);
  if (!allowedFrom[outcome.type].includes(from)) throw new JournalTransitionError(step.name, from, outcome.type);
  const next = compact({ ...nextEntry(prev, outcome, toRfc3339(now)), kind: step.kind });
  return index === -1 ? [...journal, next] : journal.map((e, i) => (i === index ? next : e));
}
