/**
 * The calendar checks of a due time — blocked dates, blackout windows, allowed windows — as named checks, each saying
 * why a time is excluded and the earliest instant that could be clear again, so the search for the next runnable
 * time steps over a closed period instead of trying every due time inside it.
 */
import { SkipReason, type Skip } from "./reasons.js";
import type { DrillCalendar } from "./spec.js";
import { toRfc3339 } from "../time.js";
import { wallClock } from "./zoned-time.js";

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
  const inside = calendar.allowed.some((w) => {
    const local = wallClock(t, w.timeZone);
    return w.days.has(local.weekday) && w.start <= local.minutes && local.minutes < w.end;
  });
  if (inside) return undefined;
  const opens = Math.min(...calendar.allowed.map((w) => w.opens.next(t) ?? Number.POSITIVE_INFINITY));
  return {
    reason: SkipReason.OutsideAllowedWindow,
    message: `${toRfc3339(t)} is outside every allowed window`,
    clearFrom: opens,
  };
}

/** The first calendar check a time fails, in a fixed order so the reason recorded for a time is stable. */
export function calendarExclusion(calendar: DrillCalendar, t: number): Excluded | undefined {
  return blockedDate(calendar, t) ?? inBlackout(calendar, t) ?? outsideAllowedWindows(calendar, t);
}
