/**
 * A 5-field cron expression in an IANA time zone, over croner (DST per Vixie cron: a fixed time in a spring-forward
 * gap runs right after the gap, a fixed time in a fall-back overlap runs once, at its first pass). Jobs are built
 * paused and never given a callback, so croner only computes times here; it never sets a timer.
 */
import { Cron } from "croner";
import { MINUTE_MS, floorToMinute, isTimeZone } from "./zoned-time.js";
import { errorMessage } from "../errors.js";

export interface CronSchedule {
  /** The first due time strictly after `afterMs`. */
  next(afterMs: number): number | undefined;
  /** The last due time at or before `atOrBeforeMs`. */
  latest(atOrBeforeMs: number): number | undefined;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const fiveFields = /^\s*[0-9A-Za-z*/,-]+(\s+[0-9A-Za-z*/,-]+){4}\s*$/;

export function parseCron(expression: string, timeZone: string): Parsed<CronSchedule> {
  // The CRD refuses macros (@weekly) and a seconds field; objects stored before a rule existed are refused here too.
  if (!fiveFields.test(expression)) {
    return { ok: false, message: `"${expression}" is not a 5-field cron expression` };
  }
  if (!isTimeZone(timeZone)) return { ok: false, message: `"${timeZone}" is not an IANA time zone` };
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), { timezone: timeZone, paused: true, mode: "5-part" });
    cron.nextRun(new Date(0));
  } catch (error) {
    return { ok: false, message: `"${expression}": ${errorMessage(error)}` };
  }
  return {
    ok: true,
    value: {
      next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime(),
      // Due times fall on whole minutes, so "before the next minute boundary" is "at or before atOrBeforeMs".
      latest: (atOrBeforeMs) => cron.previousRuns(1, new Date(floorToMinute(atOrBeforeMs) + MINUTE_MS))[0]?.getTime(),
    },
  };
}
