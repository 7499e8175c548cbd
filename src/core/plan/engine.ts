/**
 * The step state machine of a FailoverRun: from the journal, the run's spec and `now`, the one thing to do next.
 * Stateless and pure: the shell calls it, does the action, journals the result, persists, and calls it again; a
 * restarted controller calls it on the persisted journal and gets the same answer, so a crash anywhere resumes.
 *
 * The shell's side of each action:
 *   - execute:  journal Started (Running, intent, the state found) and persist, THEN call the actuator, THEN journal
 *               the result (Succeeded / InProgress / Failed / Refused). Before Started, run the guards (guards.ts):
 *               a refusal is journaled as Refused and nothing is called. With dryRun, observe and record what would
 *               change, change nothing, and journal the step Skipped (the CRD's "Skipped, for example in a dry run").
 *   - resume:   the step was found Running (a crash between the two journal writes, or a long operation under way):
 *               re-observe the external state and continue from it; actuators are idempotent by observation, so a
 *               completed change is recognised rather than repeated. No new attempt is journaled. The shell paces
 *               its polling of long operations (requeue after a few seconds).
 *   - wait:     nothing external; requeue at `until` (a spec change, such as a new approval, wakes it earlier). For
 *               ApprovalPending, journal WaitingApproval for the step if it is not already.
 *   - skip:     journal the step Skipped with the reason.
 *   - fail:     journal the step Failed with the reason (a deadline passed); that record, not the clock, is what
 *               makes the failure final, so a run's end never changes afterwards as time goes by.
 *   - rollback: put back the step's `before`, then journal RolledBack (or RollbackFailed).
 *   - finish:   write the final phase; nothing else happens for this run.
 *
 * Decisions where the CRD leaves room, and why:
 *   - Cancel stops forward progress only: no new step, no retry, and no rollback (a person who cancels asked for a
 *     stop, not for a second set of changes; a failback is its own run). A step found Running is still resumed to
 *     its end, as the CRD says. A step that then fails for good is a failure, not a cancellation: onFailure applies,
 *     because rollback is the plan author's safety net. A rollback already under way is never interrupted.
 *   - The plan timeout fails the current step even if it is bestEffort (skipping every remaining step of a run that
 *     is out of time would end it "Succeeded"), and does not interrupt a rollback (half an undo is worse than a late
 *     one).
 *   - Deadlines are checked before approvals: an approval that arrives after its step timed out does not revive it.
 *   - A dry run never waits for approval and never rolls back (it changed nothing).
 */
import type { FailoverRunSpec, FailoverRunSpecApproval } from "../../crds/generated/failoverruns.js";
import type { FinalPhase } from "../runs.js";
import { secondsToMs } from "../time.js";
import { finalFailure, nextAttempt, planDeadline, stepDeadline } from "./attempts.js";
import { entryFor, stateOf, type JournalEntry } from "./journal.js";
import { RunReason, StepReason } from "./reasons.js";
import { rollbackStarted, rollbackView } from "./rollback.js";
import { regionOf, type BoundPlan, type BoundStep } from "./steps.js";

export type Action =
  | { type: "execute"; step: BoundStep; attempt: number; dryRun: boolean; approval?: FailoverRunSpecApproval }
  | { type: "resume"; step: BoundStep; dryRun: boolean }
  | { type: "wait"; step: BoundStep; until: number; reason: StepReason; message: string }
  | { type: "skip"; step: BoundStep; reason: StepReason; message: string }
  | { type: "fail"; step: BoundStep; reason: StepReason; message: string }
  | { type: "rollback"; step: BoundStep; before: Record<string, unknown> }
  | { type: "finish"; phase: FinalPhase; reason: string; message: string };

export interface EngineInput {
  run: Pick<FailoverRunSpec, "dryRun" | "cancel" | "approvals">;
  plan: Pick<BoundPlan, "onFailure" | "timeoutSeconds">;
  steps: readonly BoundStep[];
  journal: readonly JournalEntry[];
  /** status.startedAt (epoch ms): when the first step started; undefined before, and then no plan deadline runs. */
  runStartedAt?: number;
  now: number;
  /** Whether a region's cluster/API can be reached now; absent means every region is reachable. */
  regionReachable?: (region: string) => boolean;
}

interface Context extends EngineInput {
  dryRun: boolean;
  cancel: boolean;
  runDeadline: number | undefined;
}

const isDone = (entry: JournalEntry | undefined): boolean => {
  const state = stateOf(entry);
  return state === "Succeeded" || state === "Skipped";
};

const unreachable = (ctx: Context, step: BoundStep): boolean => {
  const region = regionOf(step);
  return region !== undefined && ctx.regionReachable !== undefined && !ctx.regionReachable(region);
};

/** A final failure that ends the forward run: any failure of a required step, and a plan timeout of any step. */
const failsTheRun = (step: BoundStep, reason: string): boolean => !step.bestEffort || reason === StepReason.PlanTimeout;

const finish = (phase: FinalPhase, reason: string, message: string): Action => ({
  type: "finish",
  phase,
  reason,
  message,
});

const skip = (step: BoundStep, reason: StepReason, message: string): Action => ({
  type: "skip",
  step,
  reason,
  message,
});

const fail = (step: BoundStep, reason: StepReason, message: string): Action => ({
  type: "fail",
  step,
  reason,
  message,
});

const execute = (ctx: Context, step: BoundStep, entry: JournalEntry | undefined): Action => ({
  type: "execute",
  step,
  attempt: (entry?.attempts ?? 0) + 1,
  dryRun: ctx.dryRun,
});

// ── The step the run is at ───────────────────────────────────────────────────────────────────────────────────────

/** Found Running: resume it, unless its region is gone (bestEffort) or a deadline has passed. */
function atRunningStep(ctx: Context, step: BoundStep, entry: JournalEntry): Action {
  if (step.bestEffort && unreachable(ctx, step)) {
    return skip(step, StepReason.RegionUnreachable, `Region ${regionOf(step)} is unreachable; the step is bestEffort.`);
  }
  const own = stepDeadline(step, entry);
  if (own !== undefined && ctx.now >= own) {
    const message = `Step ${step.name} did not finish within ${step.timeoutSeconds}s.`;
    return step.bestEffort ? skip(step, StepReason.StepTimeout, message) : fail(step, StepReason.StepTimeout, message);
  }
  if (ctx.runDeadline !== undefined && ctx.now >= ctx.runDeadline) {
    return fail(step, StepReason.PlanTimeout, `The run did not finish within ${ctx.plan.timeoutSeconds}s.`);
  }
  return { type: "resume", step, dryRun: ctx.dryRun };
}

/** Its last attempt failed: skip (bestEffort), stop the run, or retry after the backoff. */
function atFailedStep(ctx: Context, step: BoundStep, entry: JournalEntry): Action {
  const final = finalFailure(step, entry);
  if (final !== undefined && failsTheRun(step, final)) return stepFailedRun(step, entry, final);
  if (final !== undefined) {
    return skip(step, StepReason.BestEffortFailed, `Step ${step.name} failed (${final}); it is bestEffort.`);
  }
  if (ctx.cancel) return finish("Cancelled", RunReason.Cancelled, `Cancelled; step ${step.name} is not retried.`);
  if (step.bestEffort && unreachable(ctx, step)) {
    return skip(step, StepReason.RegionUnreachable, `Region ${regionOf(step)} is unreachable; the step is bestEffort.`);
  }
  const next = nextAttempt(step, entry, ctx.now, ctx.runDeadline);
  if ("timedOut" in next) {
    return next.timedOut === StepReason.PlanTimeout
      ? fail(step, next.timedOut, `The run cannot retry step ${step.name} within ${ctx.plan.timeoutSeconds}s.`)
      : fail(step, next.timedOut, `Step ${step.name} cannot be retried within ${step.timeoutSeconds}s.`);
  }
  if (ctx.now < next.at) {
    return {
      type: "wait",
      step,
      until: next.at,
      reason: StepReason.RetryBackoff,
      message: `Attempt ${entry.attempts ?? 0} of step ${step.name} failed; retrying after the backoff.`,
    };
  }
  return execute(ctx, step, entry);
}

/** Waiting for a person, or for time to run out. */
function atApprovalStep(ctx: Context, step: BoundStep, entry: JournalEntry | undefined): Action {
  const own = stateOf(entry) === "WaitingApproval" ? stepDeadline(step, entry) : undefined;
  if (own !== undefined && ctx.now >= own) {
    const message = `No approval for step ${step.name} within ${step.timeoutSeconds}s.`;
    return step.bestEffort
      ? skip(step, StepReason.ApprovalTimeout, message)
      : fail(step, StepReason.ApprovalTimeout, message);
  }
  const approval = ctx.run.approvals?.find((a) => a.step === step.name);
  if (approval !== undefined) {
    return { type: "execute", step, attempt: (entry?.attempts ?? 0) + 1, dryRun: ctx.dryRun, approval };
  }
  const until = Math.min(
    own ?? ctx.now + secondsToMs(step.timeoutSeconds),
    ctx.runDeadline ?? Number.POSITIVE_INFINITY,
  );
  return {
    type: "wait",
    step,
    until,
    reason: StepReason.ApprovalPending,
    message: `Step ${step.name} waits for an entry in spec.approvals.`,
  };
}

/** Not started yet (Pending), or waiting for approval. */
function atNewStep(ctx: Context, step: BoundStep, entry: JournalEntry | undefined): Action {
  if (ctx.cancel) return finish("Cancelled", RunReason.Cancelled, `Cancelled before step ${step.name}.`);
  if (ctx.runDeadline !== undefined && ctx.now >= ctx.runDeadline) {
    return fail(step, StepReason.PlanTimeout, `The run did not finish within ${ctx.plan.timeoutSeconds}s.`);
  }
  if (step.kind === "approval" && !ctx.dryRun) return atApprovalStep(ctx, step, entry);
  if (step.bestEffort && unreachable(ctx, step)) {
    return skip(step, StepReason.RegionUnreachable, `Region ${regionOf(step)} is unreachable; the step is bestEffort.`);
  }
  return execute(ctx, step, entry);
}

// ── The run's end ────────────────────────────────────────────────────────────────────────────────────────────────

function stepFailedRun(step: BoundStep, entry: JournalEntry, reason: string): Action {
  // Under Rollback the caller never gets here (rollback mode takes over); Halt, or a dry run, stops where it is.
  return finish(
    "Failed",
    reason,
    `Step ${step.name} failed (${reason})${entry.message === undefined ? "" : `: ${entry.message}`}.`,
  );
}

function rollingBack(ctx: Context): Action {
  const view = rollbackView(ctx.steps, ctx.journal);
  const cause = view.failedAt === undefined ? "" : ` after step ${view.failedAt.name} failed`;
  if (view.failed !== undefined) {
    return finish(
      "Failed",
      RunReason.RollbackFailed,
      `Rollback${cause} could not restore step ${view.failed.name}; a person must finish it.`,
    );
  }
  const next = view.pending[0];
  const before = next === undefined ? undefined : entryFor(ctx.journal, next.name)?.before;
  if (next !== undefined && before !== undefined) return { type: "rollback", step: next, before };
  if (view.barrier !== undefined) {
    return finish(
      "Failed",
      RunReason.RollbackStoppedAtPromotion,
      `Rolled back${cause} down to database promotion ${view.barrier.name}, which is never undone automatically; ` +
        `it and the steps before it are kept.`,
    );
  }
  return finish("RolledBack", RunReason.RolledBack, `Rolled back${cause}.`);
}

/** Whether the run is (or must now go) into rollback. */
function inRollback(ctx: Context, cursor: BoundStep | undefined): boolean {
  // Once begun, a rollback is finished even if the plan's onFailure was edited meanwhile.
  if (rollbackStarted(ctx.journal)) return true;
  if (ctx.plan.onFailure !== "Rollback" || ctx.dryRun || cursor === undefined) return false;
  const entry = entryFor(ctx.journal, cursor.name);
  if (entry === undefined || stateOf(entry) !== "Failed") return false;
  const final = finalFailure(cursor, entry);
  return final !== undefined && failsTheRun(cursor, final);
}

export function nextAction(input: EngineInput): Action {
  const ctx: Context = {
    ...input,
    dryRun: input.run.dryRun === true,
    cancel: input.run.cancel === true,
    runDeadline: planDeadline(input.plan.timeoutSeconds, input.runStartedAt),
  };
  // Steps strictly in order: the run is at the first step that is neither Succeeded nor Skipped.
  const cursor = input.steps.find((s) => !isDone(entryFor(input.journal, s.name)));
  if (inRollback(ctx, cursor)) return rollingBack(ctx);
  if (cursor === undefined) {
    return ctx.dryRun
      ? finish("Succeeded", RunReason.DryRunCompleted, "The dry run recorded every step; nothing was changed.")
      : finish("Succeeded", RunReason.Completed, "Every step succeeded or was skipped.");
  }
  const entry = entryFor(input.journal, cursor.name);
  switch (stateOf(entry)) {
    case "Running":
      return atRunningStep(ctx, cursor, entry ?? { name: cursor.name });
    case "Failed":
      return atFailedStep(ctx, cursor, entry ?? { name: cursor.name });
    default:
      return atNewStep(ctx, cursor, entry);
  }
}
