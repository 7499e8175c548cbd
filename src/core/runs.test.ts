import { describe, expect, it } from "vitest";
import { isFinalPhase } from "./runs.js";

describe("isFinalPhase", () => {
  it.each(["Succeeded", "Failed", "RolledBack", "Cancelled"])("%s is over", (phase) => {
    expect(isFinalPhase(phase)).toBe(true);
  });

  it.each(["Pending", "Running", "WaitingApproval", undefined])(
    "%s is not (a run without a phase is Pending)",
    (phase) => {
      expect(isFinalPhase(phase)).toBe(false);
    },
  );
});
