import { describe, expect, it } from "vitest";
import { parseTime, toRfc3339, toRfc3339Millis } from "./time.js";

describe("parseTime", () => {
  it.each([
    ["an RFC 3339 string", "2025-01-01T12:00:05Z", Date.UTC(2025, 0, 1, 12, 0, 5)],
    [
      "a Date, as client-node types metav1.Time",
      new Date(Date.UTC(2025, 0, 1, 12, 0, 5, 250)),
      Date.UTC(2025, 0, 1, 12, 0, 5, 250),
    ],
    ["nothing", undefined, undefined],
    ["unreadable text", "yesterday-ish", undefined],
    ["an invalid Date", new Date(NaN), undefined],
  ])("reads %s", (_, value, expected) => {
    expect(parseTime(value)).toBe(expected);
  });
});

describe("formatting", () => {
  const instant = Date.UTC(2025, 0, 1, 12, 0, 5, 250);

  it("writes whole seconds, as metav1.Time is stored", () => {
    expect(toRfc3339(instant)).toBe("2025-01-01T12:00:05Z");
  });

  it("keeps milliseconds where they are computed with", () => {
    expect(toRfc3339Millis(instant)).toBe("2025-01-01T12:00:05.250Z");
  });

  it("round-trips through parseTime", () => {
    expect(parseTime(toRfc3339Millis(instant))).toBe(instant);
    expect(parseTime(toRfc3339(instant))).toBe(Date.UTC(2025, 0, 1, 12, 0, 5));
  });
});
