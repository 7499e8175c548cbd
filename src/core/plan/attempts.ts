/**
 * Whether a failed step gets another attempt, and when: retries with exponential backoff (backoffSeconds ×
 * 2^(attempt-1)), bounded by the retry limit, by the step's timeout (counted from its first attempt, retries and
 * waiting included, as the CRD says) and by the plan's timeout.
 *
 * Whether a failure is final is read from the journal alone, never from the clock: a deadline that passes is first
 * journaled (the engine's "fail" action records StepTimeout or PlanTimeout), and only that record makes the failure
 * final. So a run's end, once reached, cannot change as time goes by (a Cancelled run does not turn Failed an hour
 * later because its retry would by then have been too late).
 */
import { parseTime, secondsToMs } from "../time.js";
import { failureOf, type JournalEntry } from "./journal.js";
import { StepReason } from "./reasons.js";
import type { BoundStep } from "./steps.js";

/** The wait after failed attempt number `attempt` (1-based). */
export function backoffMs(step: BoundStep, attempt: number): number {
  return secondsToMs(step.retries.backoffSeconds * 2 ** (Math.max(attempt, 1) - 1));
}

/** When the step times out: its first start plus timeoutSeconds; undefined before it started. */
export function stepDeadline(step: BoundStep, entry: JournalEntry | undefined): number | undefined {
  const started = parseTime(entry?.startedAt);
  return started === undefined ? undefined : started + secondsToMs(step.timeoutSeconds);
}

/** When the run times out; undefined before it started. */
export function planDeadline(timeoutSeconds: number, runStartedAt: number | undefined): number | undefined {
  return runStartedAt === undefined ? undefined : runStartedAt + secondsToMs(timeoutSeconds);
}

/** Failures that were already a deadline: trying again cannot help. */
const deadlineReasons: ReadonlySet<string> = new Set([
  StepReason.StepTimeout,
  StepReason.ApprovalTimeout,
  StepReason.PlanTimeout,
]);

/**
 * For an entry in state Failed: the reason it failed for good, or undefined when another attempt is allowed. Final
 * are a refusal (permanent), a journaled deadline, and the last allowed attempt.
 */
export function finalFailure(step: BoundStep, entry: JournalEntry): string | undefined {
  const mark = failureOf(entry);
  if (mark !== undefined && (mark.permanent || deadlineReasons.has(mark.reason))) return mark.reason;
  if ((entry.attempts ?? 0) >= step.retries.limit + 1) return StepReason.RetriesExhausted;
  return undefined;
}

export type NextAttempt = { at: number } | { timedOut: typeof StepReason.StepTimeout | typeof StepReason.PlanTimeout };

/**
 * For a failed entry that may be retried: when the next attempt starts, or which deadline forbids it. An attempt that
 * could only start at or after a deadline is not waited for: the step times out now.
 */
export function nextAttempt(
  step: BoundStep,
  entry: JournalEntry,
  now: number,
  runDeadline: number | undefined,
): NextAttempt {
  const at = (parseTime(entry.finishedAt) ?? now) + backoffMs(step, entry.attempts ?? 0);
  const own = stepDeadline(step, entry);
  if (own !== undefined && (at >= own || now >= own)) return { timedOut: StepReason.StepTimeout };
  if (runDeadline !== undefined && (at >= runDeadline || now >= runDeadline))
    return { timedOut: StepReason.PlanTimeout };
  return { at };
}
