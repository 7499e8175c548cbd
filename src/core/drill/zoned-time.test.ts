import { describe, expect, it } from "vitest";
import { offsetChangeBetween, utcOffsetMs, wallClock } from "./zoned-time.js";

const at = Date.parse;
const hours = (h: number) => h * 3600_000;

describe("wall clocks across offset changes", () => {
  it("reads New York's offset in summer and in winter", () => {
    expect(utcOffsetMs(at("2025-07-01T12:00:30Z"), "America/New_York")).toBe(hours(-4));
    expect(utcOffsetMs(at("2025-12-01T12:00:00Z"), "America/New_York")).toBe(hours(-5));
    expect(utcOffsetMs(at("2025-12-01T12:00:00Z"), "Asia/Kolkata")).toBe(hours(5.5));
  });

  it("finds the first minute of a new offset, and none where the offset holds", () => {
    const fallBack = offsetChangeBetween(at("2025-11-01T00:00:00Z"), at("2025-11-08T00:00:00Z"), "America/New_York");
    expect(new Date(fallBack!).toISOString()).toBe("2025-11-02T06:00:00.000Z");
    expect(wallClock(fallBack!, "America/New_York").minutes).toBe(60); // 01:00 EST, the repeated hour
    // Lord Howe moves by half an hour, at 02:00 local (15:00Z the day before).
    const lordHowe = offsetChangeBetween(at("2025-10-01T00:00:00Z"), at("2025-10-08T00:00:00Z"), "Australia/Lord_Howe");
    expect(new Date(lordHowe!).toISOString()).toBe("2025-10-04T15:30:00.000Z");
    expect(
      offsetChangeBetween(at("2025-06-01T00:00:00Z"), at("2025-06-08T00:00:00Z"), "America/New_York"),
    ).toBeUndefined();
    expect(offsetChangeBetween(at("2025-03-01T00:00:00Z"), at("2025-04-01T00:00:00Z"), "UTC")).toBeUndefined();
  });
});
