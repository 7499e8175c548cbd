import { describe, expect, it } from "vitest";
import { age, columns } from "./format.js";

const NOW = Date.parse("2025-01-01T12:00:00Z");

describe("age", () => {
  it.each([
    ["2025-01-01T11:59:15Z", "45s"],
    ["2025-01-01T11:58:01Z", "119s"],
    ["2025-01-01T11:48:00Z", "12m"],
    ["2025-01-01T09:00:00Z", "3h"],
    ["2024-12-29T12:00:00Z", "3d"],
    ["2025-01-01T12:05:00Z", "in 5m"],
    ["not a time", "-"],
    [undefined, "-"],
  ])("%s → %s", (time, expected) => {
    expect(age(time, NOW)).toBe(expected);
  });
});

describe("columns", () => {
  it("pads every column but the last to its widest cell", () => {
    expect(
      columns([
        ["NAME", "PHASE", "X"],
        ["a-long-name", "Running", ""],
      ]),
    ).toEqual(["NAME         PHASE    X", "a-long-name  Running"]);
  });
});
