/**
 * A DrillSchedule spec with every default filled in and every cron expression and time zone parsed, or the reason it
 * cannot be. The apiserver applies the CRD's defaults on write, but specs built in tests and objects stored before a
 * default existed may lack them; resolving here keeps the scheduler free of `??`.
 */
import type { DrillScheduleSpec } from "../../crds/generated/drillschedules.js";
import { parseCron, type CronSchedule, type Parsed } from "./cron.js";
import { isTimeZone, minutesOf, weekdays, type Weekday } from "./zoned-time.js";

/** The CRD's defaults (src/crds/drillschedules.yaml); a unit test checks the two agree. */
export const drillDefaults = {
  timeZone: "UTC",
  type: "DryRun",
  holdSeconds: 300,
  startingDeadlineSeconds: 300,
  maxDurationSeconds: 3600,
  historyLimit: 10,
  suspend: false,
} as const;

export interface Blackout {
  name: string;
  starts: CronSchedule;
  durationMs: number;
}

export interface AllowedWindow {
  days: ReadonlySet<Weekday>;
  /** minutes since local midnight: start inclusive, end exclusive */
  start: number;
  end: number;
  timeZone: string;
  /** when the window opens, as a cron in its time zone (so DST gaps and overlaps are croner's to resolve) */
  opens: CronSchedule;
}

export interface DrillCalendar {
  schedule: CronSchedule;
  timeZone: string;
  blackouts: Blackout[];
  allowed: AllowedWindow[];
  blockedDates: ReadonlySet<string>;
  /** wall-clock midnights in timeZone, to step over a blocked date */
  midnights: CronSchedule;
}

export interface ResolvedDrillSpec {
  calendar: DrillCalendar;
  type: "Switchover" | "DryRun";
  holdSeconds: number;
  startingDeadlineSeconds: number;
  maxDurationSeconds: number;
  historyLimit: number;
  suspend: boolean;
}

function allowedWindow(w: NonNullable<DrillScheduleSpec["allowedWindows"]>[number]): Parsed<AllowedWindow> {
  const timeZone = w.timeZone ?? drillDefaults.timeZone;
  const start = minutesOf(w.startTime);
  const end = minutesOf(w.endTime);
  if (!(start < end)) return { ok: false, message: `allowed window ${w.startTime}–${w.endTime} is empty` };
  const dows = [...new Set(w.days)].map((d) => weekdays.indexOf(d)).join(",");
  const opens = parseCron(`${start % 60} ${Math.floor(start / 60)} * * ${dows}`, timeZone);
  if (!opens.ok) return { ok: false, message: `allowed window: ${opens.message}` };
  return { ok: true, value: { days: new Set(w.days), start, end, timeZone, opens: opens.value } };
}

export function resolveDrillSpec(spec: DrillScheduleSpec): Parsed<ResolvedDrillSpec> {
  const timeZone = spec.timeZone ?? drillDefaults.timeZone;
  if (!isTimeZone(timeZone)) return { ok: false, message: `spec.timeZone "${timeZone}" is not an IANA time zone` };
  const schedule = parseCron(spec.schedule, timeZone);
  if (!schedule.ok) return { ok: false, message: `spec.schedule: ${schedule.message}` };
  const blackouts: Blackout[] = [];
  for (const b of spec.blackoutWindows ?? []) {
    const starts = parseCron(b.schedule, b.timeZone ?? drillDefaults.timeZone);
    if (!starts.ok) return { ok: false, message: `spec.blackoutWindows[${b.name}]: ${starts.message}` };
    blackouts.push({ name: b.name, starts: starts.value, durationMs: b.durationMinutes * 60_000 });
  }
  const allowed: AllowedWindow[] = [];
  for (const w of spec.allowedWindows ?? []) {
    const parsed = allowedWindow(w);
    if (!parsed.ok) return { ok: false, message: `spec.allowedWindows: ${parsed.message}` };
    allowed.push(parsed.value);
  }
  const midnights = parseCron("0 0 * * *", timeZone);
  if (!midnights.ok) return midnights;
  return {
    ok: true,
    value: {
      calendar: {
        schedule: schedule.value,
        timeZone,
        blackouts,
        allowed,
        blockedDates: new Set(spec.blockedDates ?? []),
        midnights: midnights.value,
      },
      type: spec.type ?? drillDefaults.type,
      holdSeconds: spec.holdSeconds ?? drillDefaults.holdSeconds,
      startingDeadlineSeconds: spec.startingDeadlineSeconds ?? drillDefaults.startingDeadlineSeconds,
      maxDurationSeconds: spec.maxDurationSeconds ?? drillDefaults.maxDurationSeconds,
      historyLimit: spec.historyLimit ?? drillDefaults.historyLimit,
      suspend: spec.suspend ?? drillDefaults.suspend,
    },
  };
}
