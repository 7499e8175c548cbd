import { describe, expect, it } from "vitest";
import { dataLossRefusal } from "./data-loss.js";
import { GuardReason } from "./reasons.js";

describe("dataLossRefusal (invariant 7)", () => {
  it.each<{ case: string; lag?: number; rpo?: number; gate?: "Off"; overridden?: boolean; reason?: string }>([
    { case: "lag within the objective", lag: 2, rpo: 5 },
    { case: "lag exactly at the objective", lag: 5, rpo: 5 },
    { case: "lag beyond the objective", lag: 5.5, rpo: 5, reason: GuardReason.RpoExceeded },
    { case: "lag not measured", rpo: 5, reason: GuardReason.RpoUnknown },
    { case: "no objective declared", lag: 60 },
    { case: "the step switched the gate off", lag: 60, rpo: 5, gate: "Off" },
    { case: "a person's override", rpo: 5, overridden: true },
  ])("$case", ({ lag, rpo, gate, overridden, reason }) => {
    const refusal = dataLossRefusal({
      ...(lag === undefined ? {} : { lagSeconds: lag }),
      ...(rpo === undefined ? {} : { rpoSeconds: rpo }),
      gate: gate ?? "Enforce",
      overridden: overridden ?? false,
    });
    expect(refusal?.reason).toBe(reason);
    if (refusal) expect(refusal.message).toMatch(/RPO objective of 5 s/);
  });
});
