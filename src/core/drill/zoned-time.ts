/**
 * Instants seen on a wall clock in an IANA time zone, through Intl (built into Node, with its own tz database), so
 * windows and blocked dates follow daylight saving time without another library. The other direction, wall clock to
 * instant, is left to the cron library (see cron.ts), which already knows what a time in a DST gap or overlap means.
 */

export const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
export type Weekday = (typeof weekdays)[number];

export interface WallClock {
  /** YYYY-MM-DD */
  date: string;
  weekday: Weekday;
  /** minutes since local midnight, 0–1439 */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: (parts.weekday ?? "Sun") as Weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

export const MINUTE_MS = 60_000;

export function floorToMinute(epochMs: number): number {
  return Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds (whole minutes). */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  const { date, minutes } = wallClock(epochMs, timeZone);
  return Date.parse(`${date}T00:00:00Z`) + minutes * MINUTE_MS - floorToMinute(epochMs);
}

/**
 * The first whole minute in (afterMs, untilMs] at which the zone's UTC offset differs from its offset at afterMs, by
 * bisection. It assumes at most one change in the span, which holds for spans of a few weeks in every zone.
 */
export function offsetChangeBetween(afterMs: number, untilMs: number, timeZone: string): number | undefined {
  const before = utcOffsetMs(afterMs, timeZone);
  let lo = floorToMinute(afterMs);
  let hi = floorToMinute(untilMs);
  if (utcOffsetMs(hi, timeZone) === before) return undefined;
  while (hi - lo > MINUTE_MS) {
    const mid = floorToMinute(lo + (hi - lo) / 2);
    if (utcOffsetMs(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** "HH:MM" → minutes since midnight. */
export function minutesOf(hhmm: string): number {
  const [h = "0", m = "0"] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
}
