/**
 * The calendar checks of a due time — blocked dates, blackout windows, allowed windows — as named checks, each saying
 * why a time is excluded and the earliest instant that could be clear again, so the search for the next runnable
 * time steps over a closed period instead of trying every due time inside it.
 */
import { SkipReason, type Skip } from "./reasons.js";
import type { AllowedWindow, DrillCalendar } from "./spec.js";
import { toRfc3339 } from "../time.js";
import { MINUTE_MS, floorToMinute, offsetChangeBetween, wallClock, type WallClock } from "./zoned-time.js";

/** Longer than a week, so the bound for a window opening once a week still looks past its next opening. */
const OFFSET_LOOKAHEAD_MS = 8 * 24 * 3600_000;

export interface Excluded extends Skip {
  /** No time before this can pass the same check. */
  clearFrom: number;
}

export function blockedDate(calendar: DrillCalendar, t: number): Excluded | undefined {
  if (calendar.blockedDates.size === 0) return undefined;
  const { date } = wallClock(t, calendar.timeZone);
  if (!calendar.blockedDates.has(date)) return undefined;
  return {
    reason: SkipReason.BlockedDate,
    message: `${date} (${calendar.timeZone}) is a blocked date`,
    clearFrom: calendar.midnights.next(t) ?? Number.POSITIVE_INFINITY,
  };
}

export function inBlackout(calendar: DrillCalendar, t: number): Excluded | undefined {
  let found: Excluded | undefined;
  for (const b of calendar.blackouts) {
    // The latest start has the latest end (every occurrence of a window lasts as long), so it alone decides.
    const start = b.starts.latest(t);
    if (start === undefined || t >= start + b.durationMs) continue;
    const end = start + b.durationMs;
    if (!found || end > found.clearFrom) {
      found = {
        reason: SkipReason.Blackout,
        message: `blackout window ${b.name} (${toRfc3339(start)} to ${toRfc3339(end)})`,
        clearFrom: end,
      };
    }
  }
  return found;
}

export function outsideAllowedWindows(calendar: DrillCalendar, t: number): Excluded | undefined {
  if (calendar.allowed.length === 0) return undefined;
  const locals = calendar.allowed.map((w) => wallClock(t, w.timeZone));
  const inside = calendar.allowed.some(
    (w, i) => w.days.has(locals[i]!.weekday) && w.start <= locals[i]!.minutes && locals[i]!.minutes < w.end,
  );
  if (inside) return undefined;
  const opens = Math.min(...calendar.allowed.map((w, i) => openingBound(w, t, locals[i]!)));
  return {
    reason: SkipReason.OutsideAllowedWindow,
    message: `${toRfc3339(t)} is outside every allowed window`,
    clearFrom: opens,
  };
}

/**
 * An instant no later than the window's next opening after t. croner's opening is the wall-clock start time's first
 * pass only, but the window is judged on the wall clock, which passes its start time a second time after a fall-back
 * change: so the bound is also the next offset change, and the start time on t's own wall clock, `local` (when t is
 * in the repeated hour itself, croner's next opening is a week away).
 */
function openingBound(w: AllowedWindow, t: number, local: WallClock): number {
  const byCron = w.opens.next(t) ?? Number.POSITIVE_INFINITY;
  const change = offsetChangeBetween(t, Math.min(byCron, t + OFFSET_LOOKAHEAD_MS), w.timeZone);
  const sameDay =
    w.days.has(local.weekday) && local.minutes < w.start
      ? floorToMinute(t) + (w.start - local.minutes) * MINUTE_MS
      : Number.POSITIVE_INFINITY;
  return Math.min(byCron, sameDay, change ?? Number.POSITIVE_INFINITY);
}

/** The first calendar check a time fails, in a fixed order so the reason recorded for a time is stable. */
export function calendarExclusion(calendar: DrillCalendar, t: number): Excluded | undefined {
  return blockedDate(calendar, t) ?? inBlackout(calendar, t) ?? outsideAllowedWindows(calendar, t);
}
