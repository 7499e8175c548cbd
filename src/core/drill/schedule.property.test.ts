import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DrillScheduleSpec } from "../../crds/generated/drillschedules.js";
import { decideSchedule, nextRunnable } from "./schedule.js";
import { calendarExclusion } from "./windows.js";
import { resolved } from "./testing.js";
import { weekdays } from "./zoned-time.js";

const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"];
const crons = ["0 10 * * 2", "30 2 * * *", "*/15 * * * *", "0 * * * *", "30 1 * * 0", "0 9 1 * *", "45 23 * * 5"];
/** Instants around the 2025 DST changes in Europe and North America, and anywhere else in 2025. */
const dstDays = ["2025-03-09T00:00:00Z", "2025-03-30T00:00:00Z", "2025-10-26T00:00:00Z", "2025-11-02T00:00:00Z"];
const instant = fc.oneof(
  fc
    .tuple(fc.constantFrom(...dstDays), fc.integer({ min: -36, max: 36 * 60 }))
    .map(([d, m]) => Date.parse(d) + m * 60_000),
  fc.integer({ min: Date.parse("2025-01-01T00:00:00Z"), max: Date.parse("2025-12-31T00:00:00Z") }),
);
const hhmm = fc
  .integer({ min: 0, max: 1439 })
  .map((m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
const spec: fc.Arbitrary<DrillScheduleSpec> = fc.record({
  planRef: fc.constant({ name: "checkout" }),
  schedule: fc.constantFrom(...crons),
  timeZone: fc.constantFrom(...zones),
  blackoutWindows: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom("a", "b", "c"),
      schedule: fc.constantFrom(...crons),
      durationMinutes: fc.integer({ min: 1, max: 3000 }),
      timeZone: fc.constantFrom(...zones),
    }),
    { maxLength: 2, selector: (b) => b.name },
  ),
  allowedWindows: fc.array(
    fc
      .record({
        days: fc.uniqueArray(fc.constantFrom(...weekdays), { minLength: 1 }),
        a: hhmm,
        b: hhmm,
        timeZone: fc.constantFrom(...zones),
      })
      .filter(({ a, b }) => a !== b)
      .map(({ days, a, b, timeZone }) => ({ days, startTime: a < b ? a : b, endTime: a < b ? b : a, timeZone })),
    { maxLength: 2 },
  ),
  blockedDates: fc.uniqueArray(
    fc
      .integer({ min: 0, max: 400 })
      .map((d) => new Date(Date.parse("2025-01-01T00:00:00Z") + d * 86_400_000).toISOString().slice(0, 10)),
    { maxLength: 40 },
  ),
});

describe("scheduler properties", () => {
  it("nextScheduleTime is a due time of the cron, after now, in no blackout, on no blocked date, inside an allowed window", () => {
    fc.assert(
      fc.property(spec, instant, (s, after) => {
        const { calendar } = resolved(s);
        const next = nextRunnable(calendar, after);
        if (next === undefined) return;
        expect(next).toBeGreaterThan(after);
        expect(calendar.schedule.latest(next)).toBe(next);
        expect(calendarExclusion(calendar, next)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it("no due time that nextRunnable stepped over would have run (it is the first one)", () => {
    fc.assert(
      fc.property(
        spec.map((s) => ({ ...s, schedule: "0 * * * *" })),
        instant,
        (s, after) => {
          const { calendar } = resolved(s);
          const next = nextRunnable(calendar, after) ?? after + 3 * 86_400_000;
          for (let t = calendar.schedule.next(after); t !== undefined && t < next; t = calendar.schedule.next(t)) {
            expect(calendarExclusion(calendar, t)).toBeDefined();
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);

  it("a due time missed by more than startingDeadlineSeconds never starts, and is recorded with a reason", () => {
    fc.assert(
      fc.property(
        spec,
        instant,
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 86_400 }),
        (s, now, deadline, daysLateSeconds) => {
          const resolvedSpec = resolved({ ...s, startingDeadlineSeconds: deadline });
          const due = resolvedSpec.calendar.schedule.latest(now);
          if (due === undefined || now - due <= deadline * 1000) return;
          const d = decideSchedule({
            spec: resolvedSpec,
            now,
            createdAt: due - daysLateSeconds * 1000 - 1,
          });
          expect(d.action).toMatchObject({ kind: "skip", time: due });
          expect(d.lastScheduleTime).toBe(due);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);

  it("handling the decision's due time makes the next decision act on nothing until a later due time", () => {
    fc.assert(
      fc.property(spec, instant, fc.integer({ min: 0, max: 120_000 }), (s, now, later) => {
        const resolvedSpec = resolved(s);
        const first = decideSchedule({ spec: resolvedSpec, now, createdAt: now - 7 * 86_400_000 });
        const second = decideSchedule({
          spec: resolvedSpec,
          now: now + later,
          createdAt: now - 7 * 86_400_000,
          ...(first.lastScheduleTime !== undefined ? { lastScheduleTime: first.lastScheduleTime } : {}),
        });
        const nextDue = resolvedSpec.calendar.schedule.next(now);
        if (nextDue === undefined || nextDue > now + later) expect(second.action).toBeUndefined();
        else {
          // A later due time is acted on (started or skipped with a reason), never the one already handled.
          const action = second.action;
          const due = action?.kind === "start" ? action.scheduledTime : action?.time;
          expect(due).toBeGreaterThan(first.lastScheduleTime ?? Number.NEGATIVE_INFINITY);
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
