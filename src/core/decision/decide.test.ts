import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Health } from "../health/signal-health.js";
import { decide, failoverTarget, type Decision, type DecisionInput, type RegionView } from "./decide.js";
import { Reason } from "./reasons.js";

const NOW = Date.UTC(2025, 0, 1, 12);
const MIN = 60_000;

function r(name: string, health: Health, extra: Partial<RegionView> = {}): RegionView {
  return { name, role: "secondary", health, suppressed: false, ...extra };
}
function primary(name: string, health: Health, extra: Partial<RegionView> = {}): RegionView {
  return r(name, health, { ...extra, role: "primary" });
}

/** A two-region policy in Automatic mode, primary "use1" active and Healthy, nothing held back. */
function input(mods: Partial<DecisionInput> = {}): DecisionInput {
  return {
    mode: "Automatic",
    failback: "Automatic",
    regions: [primary("use1", "Healthy"), r("euw1", "Healthy")],
    activeRegion: "use1",
    holdDownSeconds: 600,
    runInProgress: false,
    now: NOW,
    ...mods,
  };
}

const primaryDown = [primary("use1", "Unhealthy", { failingSignals: ["api-http"] }), r("euw1", "Healthy")];
const onSecondary = { regions: [primary("use1", "Healthy"), r("euw1", "Healthy")], activeRegion: "euw1" };

describe("decide: one rule per row", () => {
  it.each<{ case: string; mods: Partial<DecisionInput>; expected: Partial<Decision> }>([
    {
      case: "steady state on the healthy primary",
      mods: {},
      expected: { kind: "Stay", reason: Reason.ActiveHealthy },
    },
    {
      case: "Paused observes only, even with the active region down, and says what would be due",
      mods: { mode: "Paused", regions: primaryDown },
      expected: { kind: "Stay", reason: Reason.Paused, proposed: "Failover" },
    },
    {
      case: "a run in progress is awaited",
      mods: { regions: primaryDown, runInProgress: "checkout-run" },
      expected: { kind: "Stay", reason: Reason.RunInProgress },
    },
    {
      case: "the active region is not in the policy",
      mods: { activeRegion: "apse1" },
      expected: { kind: "Stay", reason: Reason.ActiveNotInPolicy },
    },
    {
      case: "active Unknown is not a reason to move",
      mods: { regions: [primary("use1", "Unknown"), r("euw1", "Healthy")] },
      expected: { kind: "Stay", reason: Reason.ActiveUnknown },
    },
    {
      case: "active Unhealthy, Automatic → Failover",
      mods: { regions: primaryDown },
      expected: { kind: "Failover", from: "use1", to: "euw1", reason: Reason.ActiveUnhealthy },
    },
    {
      case: "active Unhealthy, Manual → AwaitingApproval",
      mods: { mode: "Manual", regions: primaryDown },
      expected: {
        kind: "AwaitingApproval",
        from: "use1",
        to: "euw1",
        reason: Reason.ApprovalRequired,
        proposed: "Failover",
      },
    },
    {
      case: "active Unhealthy, every other region Unhealthy → no move",
      mods: { regions: [primary("use1", "Unhealthy"), r("euw1", "Unhealthy")] },
      expected: { kind: "Stay", reason: Reason.NoHealthyTarget },
    },
    {
      case: "active Unhealthy, the other region Unknown → no move",
      mods: { regions: [primary("use1", "Unhealthy"), r("euw1", "Unknown")] },
      expected: { kind: "Stay", reason: Reason.NoHealthyTarget },
    },
    {
      case: "active Unhealthy within hold-down → held back until it ends",
      mods: { regions: primaryDown, lastAutomaticTransitionAt: NOW - 5 * MIN },
      expected: { kind: "Suppressed", reason: Reason.HoldDown, until: NOW + 5 * MIN, proposed: "Failover" },
    },
    {
      case: "1 ms before the hold-down ends → still held back",
      mods: { regions: primaryDown, lastAutomaticTransitionAt: NOW - 10 * MIN + 1 },
      expected: { kind: "Suppressed", reason: Reason.HoldDown, until: NOW + 1 },
    },
    {
      case: "hold-down elapsed exactly → Failover",
      mods: { regions: primaryDown, lastAutomaticTransitionAt: NOW - 10 * MIN },
      expected: { kind: "Failover", reason: Reason.ActiveUnhealthy },
    },
    {
      case: "holdDownSeconds 0 disables the hold-down",
      mods: { regions: primaryDown, lastAutomaticTransitionAt: NOW, holdDownSeconds: 0 },
      expected: { kind: "Failover", reason: Reason.ActiveUnhealthy },
    },
    {
      case: "source suppressed by flap damping",
      mods: {
        regions: [
          primary("use1", "Unhealthy", { suppressed: true, suppressedUntil: NOW + 7 * MIN }),
          r("euw1", "Healthy"),
        ],
      },
      expected: { kind: "Suppressed", reason: Reason.FlapSuppressed, until: NOW + 7 * MIN, from: "use1", to: "euw1" },
    },
    {
      case: "target suppressed by flap damping; both suppressed → the later end",
      mods: {
        regions: [
          primary("use1", "Unhealthy", { suppressed: true, suppressedUntil: NOW + 7 * MIN }),
          r("euw1", "Healthy", { suppressed: true, suppressedUntil: NOW + 9 * MIN }),
        ],
      },
      expected: { kind: "Suppressed", reason: Reason.FlapSuppressed, until: NOW + 9 * MIN },
    },
    {
      case: "hold-down is checked before flap damping",
      mods: {
        regions: [primary("use1", "Unhealthy", { suppressed: true }), r("euw1", "Healthy")],
        lastAutomaticTransitionAt: NOW - MIN,
      },
      expected: { kind: "Suppressed", reason: Reason.HoldDown },
    },
    {
      case: "Manual mode still respects suppression before asking a person",
      mods: { mode: "Manual", regions: [primary("use1", "Unhealthy"), r("euw1", "Healthy", { suppressed: true })] },
      expected: { kind: "Suppressed", reason: Reason.FlapSuppressed },
    },
    {
      case: "a suppressed region that is neither source nor target does not matter",
      mods: { regions: [...primaryDown, r("apse1", "Unhealthy", { suppressed: true })] },
      expected: { kind: "Failover", to: "euw1" },
    },
    {
      case: "secondary active, primary Healthy, failback Automatic → Failback",
      mods: onSecondary,
      expected: { kind: "Failback", from: "euw1", to: "use1", reason: Reason.PrimaryRecovered },
    },
    {
      case: "secondary active, primary Healthy, failback Manual → a person decides",
      mods: { ...onSecondary, failback: "Manual" },
      expected: { kind: "Stay", reason: Reason.FailbackAwaitsHuman },
    },
    {
      case: "failback Manual wins over hold-down (nothing automatic is due)",
      mods: { ...onSecondary, failback: "Manual", lastAutomaticTransitionAt: NOW - MIN },
      expected: { kind: "Stay", reason: Reason.FailbackAwaitsHuman },
    },
    {
      case: "failback within hold-down → held back",
      mods: { ...onSecondary, lastAutomaticTransitionAt: NOW - MIN },
      expected: { kind: "Suppressed", reason: Reason.HoldDown, proposed: "Failback", until: NOW + 9 * MIN },
    },
    {
      case: "failback to a suppressed primary → held back",
      mods: { ...onSecondary, regions: [primary("use1", "Healthy", { suppressed: true }), r("euw1", "Healthy")] },
      expected: { kind: "Suppressed", reason: Reason.FlapSuppressed, proposed: "Failback" },
    },
    {
      case: "failback in Manual mode → AwaitingApproval",
      mods: { ...onSecondary, mode: "Manual" },
      expected: { kind: "AwaitingApproval", reason: Reason.ApprovalRequired, proposed: "Failback", to: "use1" },
    },
    {
      case: "secondary active, primary Unhealthy → stay",
      mods: { regions: [primary("use1", "Unhealthy"), r("euw1", "Healthy")], activeRegion: "euw1" },
      expected: { kind: "Stay", reason: Reason.PrimaryNotHealthy },
    },
    {
      case: "secondary active, primary Unknown → stay",
      mods: { regions: [primary("use1", "Unknown"), r("euw1", "Healthy")], activeRegion: "euw1" },
      expected: { kind: "Stay", reason: Reason.PrimaryNotHealthy },
    },
    {
      case: "no primary declared: a Healthy active region stays",
      mods: { regions: [r("use1", "Healthy"), r("euw1", "Healthy")] },
      expected: { kind: "Stay", reason: Reason.ActiveHealthy },
    },
  ])("$case", ({ mods, expected }) => {
    expect(decide(input(mods))).toMatchObject(expected);
  });

  it("a Stay carries no move", () => {
    const d = decide(input({ regions: [primary("use1", "Unhealthy"), r("euw1", "Unhealthy")] }));
    expect(d.from).toBeUndefined();
    expect(d.to).toBeUndefined();
  });

  it("explains itself: the message names regions, failing signals and times", () => {
    expect(decide(input({ regions: primaryDown })).message).toBe(
      "Active region use1 is Unhealthy (failing: api-http); failing over to euw1.",
    );
    expect(decide(input({ regions: primaryDown, lastAutomaticTransitionAt: NOW - 5 * MIN })).message).toContain(
      "the next is allowed at 2025-01-01T12:05:00Z",
    );
  });
});

describe("failoverTarget: deterministic, primary first then spec order, Healthy only", () => {
  it.each<{ case: string; regions: RegionView[]; active: string; target: string | undefined }>([
    {
      case: "primary first when it is Healthy",
      regions: [r("b", "Healthy"), primary("p", "Healthy"), r("c", "Unhealthy")],
      active: "c",
      target: "p",
    },
    {
      case: "then spec order",
      regions: [primary("p", "Unhealthy"), r("b", "Unknown"), r("c", "Healthy"), r("d", "Healthy")],
      active: "p",
      target: "c",
    },
    {
      case: "never the active region",
      regions: [primary("p", "Healthy"), r("b", "Unhealthy")],
      active: "p",
      target: undefined,
    },
    { case: "none Healthy", regions: [primary("p", "Unhealthy"), r("b", "Unknown")], active: "p", target: undefined },
    {
      case: "suppression does not redirect the choice",
      regions: [primary("p", "Unhealthy"), r("b", "Healthy", { suppressed: true }), r("c", "Healthy")],
      active: "p",
      target: "b",
    },
  ])("$case", ({ regions, active, target }) => {
    expect(failoverTarget(regions, active)?.name).toBe(target);
  });
});

const healthArb = fc.constantFrom<Health>("Healthy", "Unhealthy", "Unknown");
const namesArb = fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e"), { minLength: 1, maxLength: 5 });

const inputArb: fc.Arbitrary<DecisionInput> = namesArb.chain((names) =>
  fc.record({
    mode: fc.constantFrom("Automatic", "Manual", "Paused"),
    failback: fc.constantFrom("Automatic", "Manual"),
    regions: fc.tuple(
      ...names.map((name) =>
        fc.record({
          name: fc.constant(name),
          // Any number of primaries, including none or several: decide must stay safe on invalid input too.
          role: fc.constantFrom<"primary" | "secondary">("primary", "secondary"),
          health: healthArb,
          suppressed: fc.boolean(),
          suppressedUntil: fc.option(fc.integer({ min: NOW, max: NOW + 3_600_000 }), { nil: undefined }),
        }),
      ),
    ),
    activeRegion: fc.oneof(fc.constantFrom(...names), fc.constant("zz")),
    holdDownSeconds: fc.integer({ min: 0, max: 3600 }),
    lastAutomaticTransitionAt: fc.option(fc.integer({ min: NOW - 7_200_000, max: NOW }), { nil: undefined }),
    runInProgress: fc.constantFrom<false | string>(false, "checkout-run"),
    now: fc.constant(NOW),
  }),
);

describe("decide properties", () => {
  it("never moves to a region that is not Healthy, never from == to, and only when nothing forbids it", () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        const d = decide(inp);
        if (d.from !== undefined || d.to !== undefined) expect(d.from).not.toBe(d.to);
        if (d.kind !== "Failover" && d.kind !== "Failback") return;
        const to = inp.regions.find((x) => x.name === d.to);
        const from = inp.regions.find((x) => x.name === d.from);
        expect(to?.health).toBe("Healthy");
        expect(d.from).toBe(inp.activeRegion);
        expect(inp.mode).toBe("Automatic");
        expect(inp.runInProgress).toBe(false);
        expect(from?.suppressed || to?.suppressed).toBe(false);
        if (inp.lastAutomaticTransitionAt !== undefined) {
          expect(inp.now - inp.lastAutomaticTransitionAt).toBeGreaterThanOrEqual(inp.holdDownSeconds * 1000);
        }
        if (d.kind === "Failover") expect(from?.health).toBe("Unhealthy");
        if (d.kind === "Failback") {
          expect(to?.role).toBe("primary");
          expect(inp.failback).toBe("Automatic");
          expect(from?.health).toBe("Healthy");
        }
      }),
    );
  });

  it("Paused never acts and never asks", () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        expect(decide({ ...inp, mode: "Paused" }).kind).toBe("Stay");
      }),
    );
  });

  it("a decision that holds a move back names a Healthy target and says which move", () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        const d = decide(inp);
        if (d.kind !== "Suppressed" && d.kind !== "AwaitingApproval") return;
        expect(d.proposed).toBeDefined();
        expect(inp.regions.find((x) => x.name === d.to)?.health).toBe("Healthy");
      }),
    );
  });

  it("is a function of its input: same input, same decision", () => {
    fc.assert(
      fc.property(inputArb, (inp) => {
        expect(decide(structuredClone(inp))).toEqual(decide(inp));
      }),
    );
  });
});
