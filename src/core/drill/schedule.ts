/**
 * The scheduler, pure: (DrillSchedule spec, now, what happened so far) → the due time to act on now (start a drill or
 * record it as skipped, with a reason), the next time a drill would actually start (blackouts, allowed windows and
 * blocked dates applied), and when to look again. Like a CronJob, only the latest due time since the last one handled
 * is considered, so a controller that was down for days starts at most one drill — or none, past the deadline.
 */
import { SkipReason, type Skip } from "./reasons.js";
import type { DrillCalendar, ResolvedDrillSpec } from "./spec.js";
import { calendarExclusion } from "./windows.js";

/** How far ahead to look for a runnable time: a leap-day schedule and a year of blocked dates still fit. */
const horizonMs = 5 * 366 * 24 * 3600_000;
/**
 * Bounds the search (a step costs a few cron evaluations, each well under a millisecond); each step skips a whole
 * closed period, so real calendars need a handful. A calendar that admits no due time within it shows no next time.
 */
const maxSteps = 200;

export interface ScheduleInput {
  spec: ResolvedDrillSpec;
  now: number;
  /** when the schedule was created: due times before it are not owed */
  createdAt: number;
  /** status.lastScheduleTime: the latest due time (or drill-now request) already handled */
  lastScheduleTime?: number;
  /** the drill-now annotation's value, if any */
  drillNow?: string;
  /** a FailoverRun of the policy that has not finished, or this schedule's drill still in progress */
  concurrentRun?: string;
  /** why the policy is not healthy, when a region is Unhealthy */
  unhealthy?: string;
}

export type DueAction =
  { kind: "start"; scheduledTime: number; requested: boolean } | ({ kind: "skip"; time: number } & Skip);

export interface ScheduleDecision {
  action?: DueAction;
  lastScheduleTime?: number;
  /** the next due time that passes the calendar (undefined when suspended, or none within the horizon) */
  nextScheduleTime?: number;
  /** the next due time by the cron alone: skipped due times are recorded when they come, too */
  wakeAt?: number;
  /** a drill-now value that is not an RFC 3339 time */
  badDrillNow?: string;
}

/** The first due time after `afterMs` that no blocked date, blackout or allowed window excludes. */
export function nextRunnable(calendar: DrillCalendar, afterMs: number): number | undefined {
  let t = calendar.schedule.next(afterMs);
  for (let step = 0; step < maxSteps && t !== undefined && t <= afterMs + horizonMs; step++) {
    const excluded = calendarExclusion(calendar, t);
    if (!excluded) return t;
    if (!Number.isFinite(excluded.clearFrom)) return undefined;
    t = calendar.schedule.next(Math.max(t, excluded.clearFrom - 1));
  }
  return undefined;
}

/** Checks that apply to a drill-now request as to a due time: what the schedule's owner asked, and safety. */
function stateGate(input: ScheduleInput, time: number): Skip | undefined {
  const { spec, now } = input;
  if (spec.suspend) return { reason: SkipReason.Suspended, message: "spec.suspend is true" };
  if (now - time > spec.startingDeadlineSeconds * 1000) {
    const late = Math.round((now - time) / 1000);
    return {
      reason: SkipReason.MissedDeadline,
      message: `${late}s late, past startingDeadlineSeconds (${spec.startingDeadlineSeconds}s)`,
    };
  }
  if (input.concurrentRun) {
    return { reason: SkipReason.ConcurrentRun, message: `FailoverRun ${input.concurrentRun} has not finished` };
  }
  if (input.unhealthy) return { reason: SkipReason.PolicyNotHealthy, message: input.unhealthy };
  return undefined;
}

function act(input: ScheduleInput, time: number, requested: boolean, calendar?: DrillCalendar): DueAction {
  const { spec } = input;
  // Suspend first: it is the owner's word. The calendar next, because it says what the due time was regardless of the
  // controller (a due time in a blackout is a Blackout even when noticed late), then what the controller could not do.
  if (spec.suspend) return { kind: "skip", time, ...stateGate(input, time)! };
  const excluded = calendar && calendarExclusion(calendar, time);
  if (excluded) return { kind: "skip", time, reason: excluded.reason, message: excluded.message };
  const gate = stateGate(input, time);
  return gate ? { kind: "skip", time, ...gate } : { kind: "start", scheduledTime: time, requested };
}

export function decideSchedule(input: ScheduleInput): ScheduleDecision {
  const { spec, now } = input;
  const { calendar } = spec;
  const handled = input.lastScheduleTime ?? input.createdAt;
  const decision: ScheduleDecision = {};
  if (input.lastScheduleTime !== undefined) decision.lastScheduleTime = input.lastScheduleTime;

  // A request's value is its identity: once a due time at or after it has been handled, so has the request.
  let requestedAt: number | undefined;
  if (input.drillNow !== undefined) {
    // Whole seconds, as status times are stored: a request at .5 s must compare equal to its own recorded time.
    const parsed = Math.floor(Date.parse(input.drillNow) / 1000) * 1000;
    if (!Number.isFinite(parsed) || !/^\d{4}-\d{2}-\d{2}T/.test(input.drillNow)) decision.badDrillNow = input.drillNow;
    else if (input.lastScheduleTime === undefined || parsed > input.lastScheduleTime) requestedAt = parsed;
  }
  const due = calendar.schedule.latest(now);
  if (requestedAt !== undefined) {
    // A person asked: cron and windows do not apply, but suspend, the deadline, concurrency and health do.
    decision.action = act(input, requestedAt, true);
    decision.lastScheduleTime = requestedAt;
  } else if (due !== undefined && due > handled) {
    decision.action = act(input, due, false, calendar);
    decision.lastScheduleTime = due;
  }
  const after = Math.max(now, decision.lastScheduleTime ?? now);
  if (!spec.suspend) {
    const next = nextRunnable(calendar, after);
    if (next !== undefined) decision.nextScheduleTime = next;
  }
  const wake = calendar.schedule.next(after);
  if (wake !== undefined) decision.wakeAt = wake;
  return decision;
}
