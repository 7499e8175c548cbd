import { describe, expect, it } from "vitest";
import type { DrillScheduleSpec } from "../../crds/generated/drillschedules.js";
import { decideSchedule, nextRunnable, type ScheduleInput } from "./schedule.js";
import { resolveDrillSpec } from "./spec.js";
import { at, iso, resolved } from "./testing.js";

const created = at("2025-01-01T00:00:00Z");

type Spec = Partial<DrillScheduleSpec> & Pick<DrillScheduleSpec, "schedule">;

describe("nextRunnable: the next due time that would actually start", () => {
  it.each<{ name: string; spec: Spec; after: string; next: string | undefined }>([
    {
      name: "a weekly drill follows Berlin's clock across spring-forward",
      spec: { schedule: "0 10 * * 1", timeZone: "Europe/Berlin" },
      after: "2025-03-25T00:00:00Z",
      // 31 March is the first Monday in summer time: 10:00 CEST is 08:00Z
      next: "2025-03-31T08:00:00Z",
    },
    {
      name: "a time in Berlin's spring-forward gap runs right after the gap",
      spec: { schedule: "30 2 * * *", timeZone: "Europe/Berlin" },
      after: "2025-03-29T12:00:00Z",
      next: "2025-03-30T01:00:00Z",
    },
    {
      name: "a time in New York's fall-back overlap runs once, at its first pass",
      spec: { schedule: "30 1 * * *", timeZone: "America/New_York" },
      after: "2025-11-01T12:00:00Z",
      next: "2025-11-02T05:30:00Z",
    },
    {
      name: "an allowed window in New York's fall-back overlap is open at its second pass too",
      spec: {
        schedule: "0 * * * *",
        allowedWindows: [{ days: ["Sun"], startTime: "01:01", endTime: "02:01", timeZone: "America/New_York" }],
      },
      after: "2025-11-02T04:30:00Z",
      // 05:00Z and 06:00Z are 01:00 EDT and 01:00 EST, before the window; 07:00Z is 02:00 EST, inside it
      next: "2025-11-02T07:00:00Z",
    },
    {
      name: "an allowed window already past at its first pass opens again in the repeated hour",
      spec: {
        schedule: "*/5 * * * *",
        allowedWindows: [{ days: ["Sun"], startTime: "01:01", endTime: "01:20", timeZone: "America/New_York" }],
      },
      after: "2025-11-02T05:30:00Z", // 01:30 EDT
      next: "2025-11-02T06:05:00Z", // 01:05 EST
    },
    {
      name: "a blocked date (in the schedule's zone) moves the drill to the next day",
      spec: { schedule: "0 9 * * *", timeZone: "America/New_York", blockedDates: ["2025-07-04"] },
      after: "2025-07-04T00:00:00Z",
      next: "2025-07-05T13:00:00Z",
    },
    {
      name: "a blackout in another time zone than the schedule's",
      spec: {
        schedule: "0 * * * *",
        timeZone: "America/New_York",
        // Fridays 16:00–20:00 in Berlin (CEST in June: 14:00Z–18:00Z)
        blackoutWindows: [{ name: "release", schedule: "0 16 * * 5", durationMinutes: 240, timeZone: "Europe/Berlin" }],
      },
      after: "2025-06-13T14:30:00Z",
      next: "2025-06-13T18:00:00Z",
    },
    {
      name: "allowed windows (business hours in New York) skip the weekend",
      spec: {
        schedule: "*/30 * * * *",
        allowedWindows: [
          {
            days: ["Mon", "Tue", "Wed", "Thu", "Fri"],
            startTime: "09:00",
            endTime: "17:00",
            timeZone: "America/New_York",
          },
        ],
      },
      after: "2025-06-13T21:00:00Z", // Friday 17:00 EDT
      next: "2025-06-16T13:00:00Z", // Monday 09:00 EDT
    },
    {
      name: "an allowed window's end is exclusive",
      spec: {
        schedule: "0 * * * *",
        allowedWindows: [{ days: ["Tue"], startTime: "10:00", endTime: "11:00" }],
      },
      after: "2025-06-10T10:00:00Z",
      next: "2025-06-17T10:00:00Z",
    },
    {
      name: "nothing at all when every due time is blacked out",
      spec: {
        schedule: "0 10 * * *",
        blackoutWindows: [{ name: "always", schedule: "0 0 * * *", durationMinutes: 1440 }],
      },
      after: "2025-06-10T10:00:00Z",
      next: undefined,
    },
  ])("$name", ({ spec, after, next }) => {
    expect(iso(nextRunnable(resolved(spec).calendar, at(after)))).toBe(next);
  });
});

const base = (over: Partial<ScheduleInput> & { now: number }): ScheduleInput => ({
  spec: resolved({ schedule: "0 10 * * *" }),
  createdAt: created,
  ...over,
});

describe("decideSchedule: the due time to act on now", () => {
  it("starts the due time within the starting deadline", () => {
    const d = decideSchedule(base({ now: at("2025-06-10T10:00:20Z"), lastScheduleTime: at("2025-06-09T10:00:00Z") }));
    expect(d.action).toEqual({ kind: "start", scheduledTime: at("2025-06-10T10:00:00Z"), requested: false });
    expect(iso(d.lastScheduleTime)).toBe("2025-06-10T10:00:00Z");
    expect(iso(d.nextScheduleTime)).toBe("2025-06-11T10:00:00Z");
    expect(iso(d.wakeAt)).toBe("2025-06-11T10:00:00Z");
  });

  it("does nothing when the latest due time was handled", () => {
    const d = decideSchedule(base({ now: at("2025-06-10T12:00:00Z"), lastScheduleTime: at("2025-06-10T10:00:00Z") }));
    expect(d.action).toBeUndefined();
  });

  it("owes nothing for due times before the schedule existed", () => {
    const d = decideSchedule(base({ now: at("2025-06-10T10:00:05Z"), createdAt: at("2025-06-10T10:00:01Z") }));
    expect(d.action).toBeUndefined();
  });

  it("after days down, considers only the latest due time, and skips it past the deadline", () => {
    const d = decideSchedule(base({ now: at("2025-06-10T11:00:00Z"), lastScheduleTime: at("2025-06-01T10:00:00Z") }));
    expect(d.action).toMatchObject({ kind: "skip", time: at("2025-06-10T10:00:00Z"), reason: "MissedDeadline" });
    expect(iso(d.lastScheduleTime)).toBe("2025-06-10T10:00:00Z");
  });

  it.each([
    { name: "suspended", over: { spec: resolved({ schedule: "0 10 * * *", suspend: true }) }, reason: "Suspended" },
    { name: "another run active", over: { concurrentRun: "checkout-failover-1" }, reason: "ConcurrentRun" },
    { name: "a region unhealthy", over: { unhealthy: "us-east-1 is Unhealthy" }, reason: "PolicyNotHealthy" },
    {
      name: "a blocked date",
      over: { spec: resolved({ schedule: "0 10 * * *", blockedDates: ["2025-06-10"] }), concurrentRun: "x" },
      reason: "BlockedDate",
    },
    {
      name: "a blackout (before concurrency)",
      over: {
        spec: resolved({
          schedule: "0 10 * * *",
          blackoutWindows: [{ name: "f", schedule: "0 9 * * *", durationMinutes: 120 }],
        }),
        concurrentRun: "x",
      },
      reason: "Blackout",
    },
    {
      name: "outside the allowed windows",
      over: {
        spec: resolved({
          schedule: "0 10 * * *",
          allowedWindows: [{ days: ["Mon"], startTime: "09:00", endTime: "12:00" }],
        }),
      },
      reason: "OutsideAllowedWindow",
    },
  ])("skips a due time when $name", ({ over, reason }) => {
    const d = decideSchedule(
      base({ now: at("2025-06-10T10:00:01Z"), lastScheduleTime: at("2025-06-09T10:00:00Z"), ...over }),
    );
    expect(d.action).toMatchObject({ kind: "skip", time: at("2025-06-10T10:00:00Z"), reason });
  });

  it("while suspended there is no next time, but the due times are still noticed", () => {
    const d = decideSchedule(
      base({ now: at("2025-06-10T09:00:00Z"), spec: resolved({ schedule: "0 10 * * *", suspend: true }) }),
    );
    expect(d.nextScheduleTime).toBeUndefined();
    expect(iso(d.wakeAt)).toBe("2025-06-10T10:00:00Z");
  });

  describe("drill-now", () => {
    const blackedOut = resolved({
      schedule: "0 10 * * *",
      blackoutWindows: [{ name: "all", schedule: "0 0 * * *", durationMinutes: 1440 }],
    });
    it("starts one drill per request, ignoring the cron and the windows", () => {
      const now = at("2025-06-10T15:30:02Z");
      const d = decideSchedule(base({ now, spec: blackedOut, drillNow: "2025-06-10T15:30:00Z" }));
      expect(d.action).toEqual({ kind: "start", scheduledTime: at("2025-06-10T15:30:00Z"), requested: true });
      expect(iso(d.lastScheduleTime)).toBe("2025-06-10T15:30:00Z");
      const again = decideSchedule(
        base({ now, spec: blackedOut, drillNow: "2025-06-10T15:30:00Z", lastScheduleTime: d.lastScheduleTime! }),
      );
      expect(again.action).toBeUndefined();
    });
    it("a request with milliseconds is handled once its second is recorded (status keeps whole seconds)", () => {
      const now = at("2025-06-10T15:30:02Z");
      const first = decideSchedule(base({ now, drillNow: "2025-06-10T15:30:00.734Z" }));
      expect(iso(first.lastScheduleTime)).toBe("2025-06-10T15:30:00Z");
      const lastScheduleTime = at("2025-06-10T15:30:00Z");
      expect(
        decideSchedule(base({ now, drillNow: "2025-06-10T15:30:00.734Z", lastScheduleTime })).action,
      ).toBeUndefined();
    });
    it("respects suspend and concurrency", () => {
      const now = at("2025-06-10T15:30:02Z");
      expect(decideSchedule(base({ now, drillNow: "2025-06-10T15:30:00Z", concurrentRun: "r" })).action).toMatchObject({
        reason: "ConcurrentRun",
      });
      const suspended = resolved({ schedule: "0 10 * * *", suspend: true });
      expect(decideSchedule(base({ now, spec: suspended, drillNow: "2025-06-10T15:30:00Z" })).action).toMatchObject({
        reason: "Suspended",
      });
    });
    it("reports a value that is not a time, and starts nothing", () => {
      const now = at("2025-06-10T15:30:02Z");
      const d = decideSchedule(base({ now, drillNow: "yes please", lastScheduleTime: at("2025-06-10T10:00:00Z") }));
      expect(d.badDrillNow).toBe("yes please");
      expect(d.action).toBeUndefined();
    });
  });
});

describe("resolveDrillSpec", () => {
  it.each([
    [{ schedule: "@weekly" }, /5-field/],
    [{ schedule: "0 0 10 * * 1" }, /5-field/],
    [{ schedule: "0 10 * * 1", timeZone: "Mars/Olympus" }, /IANA/],
    [
      { schedule: "0 10 * * 1", blackoutWindows: [{ name: "b", schedule: "61 * * * *", durationMinutes: 5 }] },
      /blackoutWindows\[b\]/,
    ],
  ])("refuses %j", (spec, message) => {
    const result = resolveDrillSpec({ planRef: { name: "p" }, ...spec });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.message).toMatch(message);
  });
});
