import { describe, expect, it } from "vitest";
import type { EngineInput } from "./engine.js";
import { phaseOf, type RunPhaseView } from "./phase.js";
import { RunReason } from "./reasons.js";
import { SEC, T0, input, journalOf, rollback, started, step } from "./testing.js";

const flag = step("flag", "freeze");
const approve = step("approval", "approve");
const traffic = step("route53", "shift");

describe("phaseOf: status computed from the journal, never accumulated", () => {
  it.each<{ case: string; input: EngineInput; expected: RunPhaseView }>([
    { case: "nothing started", input: input([flag, traffic]), expected: { phase: "Pending" } },
    {
      case: "a step under way",
      input: input([flag, traffic], { journal: journalOf([flag, started(flag)]) }),
      expected: { phase: "Running", currentStep: "freeze" },
    },
    {
      case: "between steps",
      input: input([flag, traffic], { journal: journalOf([flag, started(flag)], [flag, { type: "Succeeded" }]) }),
      expected: { phase: "Running", currentStep: "shift" },
    },
    {
      case: "in a retry backoff",
      input: input([flag], { journal: journalOf([flag, started(flag)], [flag, { type: "Failed", message: "x" }]) }),
      expected: { phase: "Running", currentStep: "freeze" },
    },
    {
      case: "at an approval, even before anything ran",
      input: input([approve]),
      expected: { phase: "WaitingApproval", currentStep: "approve" },
    },
    {
      case: "all done",
      input: input([flag], { journal: journalOf([flag, started(flag)], [flag, { type: "Succeeded" }]) }),
      expected: { phase: "Succeeded", reason: RunReason.Completed, message: "Every step succeeded or was skipped." },
    },
    {
      case: "cancelled",
      input: input([flag], { run: { cancel: true } }),
      expected: { phase: "Cancelled", reason: RunReason.Cancelled, message: "Cancelled before step freeze." },
    },
    {
      case: "rolling back is still Running",
      input: input([flag, traffic], {
        plan: rollback,
        journal: journalOf(
          [flag, started(flag)],
          [flag, { type: "Succeeded" }],
          [traffic, { type: "Refused", reason: "x", message: "m" }],
        ),
      }),
      expected: { phase: "Running", currentStep: "freeze" },
    },
  ])("$case", ({ input: i, expected }) => expect(phaseOf(i)).toEqual(expected));

  it("a failed run says which step failed and why", () => {
    const journal = journalOf([traffic, { type: "Refused", reason: "NeverZeroWeights", message: "all zero" }]);
    expect(phaseOf(input([traffic], { journal, now: T0 + 10 * SEC }))).toEqual({
      phase: "Failed",
      reason: "NeverZeroWeights",
      message: "Step shift failed (NeverZeroWeights): all zero.",
    });
  });
});
