import { describe, expect, it } from "vitest";
import {
  applyOverride,
  boundedFlapping,
  epochStillHeld,
  fencingEpoch,
  fencingSource,
  guardStep,
  neverZeroWeights,
  noWriterLeft,
  planLeavesNoWriter,
  resultingWeights,
  type GuardInput,
  type Invariant,
  type Refusal,
} from "./guards.js";
import { GuardReason } from "./reasons.js";
import type { AuroraGlobalStep, BoundStep, Route53Step } from "./steps.js";
import { FROM, OTHER, TO, step } from "./testing.js";

const binding = { from: FROM, to: TO };

function route53(
  weights: Record<string, number>,
  setIdentifiers: Record<string, string> = { [FROM]: "use1", [TO]: "euw1" },
): Route53Step {
  const s = step("route53", "shift") as Route53Step;
  return { ...s, route53: { ...s.route53, weights, setIdentifiers } };
}

const aurora = step("auroraGlobal", "promote") as AuroraGlobalStep;
const rds = (region: string): BoundStep => step("rdsPromoteReplica", "promote-rds", {}, region);
const guard = (mods: Partial<GuardInput> & { step: BoundStep }): GuardInput => ({ binding, ...mods });

describe("neverZeroWeights (invariant 4, traffic)", () => {
  it.each<{ case: string; step: Route53Step; current?: Record<string, number>; refused: boolean }>([
    {
      case: "moving traffic to `to`",
      step: route53({ [TO]: 100, [FROM]: 0 }),
      current: { [FROM]: 100, [TO]: 0 },
      refused: false,
    },
    {
      case: "draining `from` while `to` already carries traffic",
      step: route53({ [FROM]: 0 }),
      current: { [FROM]: 100, [TO]: 50 },
      refused: false,
    },
    {
      case: "draining `from` while `to` is at 0",
      step: route53({ [FROM]: 0 }),
      current: { [FROM]: 100, [TO]: 0 },
      refused: true,
    },
    {
      case: "draining `from` when `to`'s weight was not observed (unknown counts as 0)",
      step: route53({ [FROM]: 0 }),
      current: { [FROM]: 100 },
      refused: true,
    },
    {
      case: "setting every region to 0",
      step: route53({ [FROM]: 0, [TO]: 0 }),
      current: { [FROM]: 100, [TO]: 100 },
      refused: true,
    },
    { case: "nothing observed, the step itself sets a weight", step: route53({ [TO]: 1 }), refused: false },
  ])("$case → refused: $refused", ({ step: s, current, refused }) => {
    const refusal = neverZeroWeights(guard({ step: s, ...(current === undefined ? {} : { currentWeights: current }) }));
    expect(refusal?.reason).toBe(refused ? GuardReason.NeverZeroWeights : undefined);
    if (refused) expect(refusal?.invariant).toBe("NeverZero");
  });

  it("merges the step's weights over the observed ones, for every region it manages", () => {
    expect(resultingWeights(route53({ [TO]: 100 }), { [FROM]: 30, [OTHER]: 9 })).toEqual({ [FROM]: 30, [TO]: 100 });
  });

  it("has nothing to say about other kinds", () => {
    expect(neverZeroWeights(guard({ step: step("flag") }))).toBeUndefined();
  });
});

describe("noWriterLeft (invariant 4, writer)", () => {
  const withMembers = (members: Record<string, string>): BoundStep => ({
    ...aurora,
    auroraGlobal: { ...aurora.auroraGlobal, members },
  });

  it.each<{ case: string; input: GuardInput; refused: boolean }>([
    { case: "Aurora: promoting `to`, a member", input: guard({ step: aurora }), refused: false },
    {
      case: "Aurora: `to` is not a member of the global cluster",
      input: guard({ step: withMembers({ [FROM]: "arn:aws:rds:x" }) }),
      refused: true,
    },
    {
      case: "Aurora: the member is gone from the cluster as observed now",
      input: guard({ step: aurora, observedMembers: [FROM] }),
      refused: true,
    },
    {
      case: "Aurora: observed membership confirms `to`",
      input: guard({ step: aurora, observedMembers: [FROM, TO] }),
      refused: false,
    },
    { case: "RDS: promoting the replica in `to`", input: guard({ step: rds(TO) }), refused: false },
    { case: "RDS: promoting a replica elsewhere than `to`", input: guard({ step: rds(OTHER) }), refused: true },
    {
      case: "RDS: the replica in `to` was not found",
      input: guard({ step: rds(TO), observedMembers: [] }),
      refused: true,
    },
    { case: "not a promotion", input: guard({ step: step("scale") }), refused: false },
  ])("$case → refused: $refused", ({ input, refused }) => {
    expect(noWriterLeft(input)?.reason).toBe(refused ? GuardReason.NoWriterLeft : undefined);
  });

  it("for a whole plan: a bestEffort promotion could be skipped and leave the writer behind", () => {
    const lazy = step("auroraGlobal", "promote", { bestEffort: true });
    expect(planLeavesNoWriter([step("route53"), lazy], binding)).toEqual([
      expect.objectContaining({ reason: GuardReason.NoWriterLeft, step: "promote", field: "bestEffort" }),
    ]);
    expect(planLeavesNoWriter([step("route53"), aurora, rds(TO)], binding)).toEqual([]);
  });
});

describe("fencingEpoch (invariant 1)", () => {
  it.each<{ case: string; input: GuardInput; reason: string | undefined }>([
    {
      case: "promotion under the epoch the run won",
      input: guard({ step: aurora, runEpoch: 8, fencingRecord: { active: TO, epoch: 8 } }),
      reason: undefined,
    },
    {
      case: "the run has not won an epoch",
      input: guard({ step: aurora, fencingRecord: { active: TO, epoch: 8 } }),
      reason: GuardReason.FencingEpochNotWon,
    },
    {
      case: "the record could not be read",
      input: guard({ step: aurora, runEpoch: 8 }),
      reason: GuardReason.FencingRecordUnknown,
    },
    {
      case: "a newer epoch since",
      input: guard({ step: rds(TO), runEpoch: 8, fencingRecord: { active: FROM, epoch: 9 } }),
      reason: GuardReason.FencingEpochSuperseded,
    },
    {
      case: "same epoch, another region (a record rewritten by hand)",
      input: guard({ step: aurora, runEpoch: 8, fencingRecord: { active: FROM, epoch: 8 } }),
      reason: GuardReason.FencingEpochSuperseded,
    },
    {
      case: "an older epoch than the run won",
      input: guard({ step: aurora, runEpoch: 8, fencingRecord: { active: TO, epoch: 7 } }),
      reason: GuardReason.FencingEpochSuperseded,
    },
    {
      case: "a dry run takes no epoch and promotes nothing",
      input: guard({ step: aurora, dryRun: true }),
      reason: undefined,
    },
    { case: "steps that promote nothing need no epoch", input: guard({ step: step("flag") }), reason: undefined },
  ])("$case", ({ input, reason }) => {
    const refusal = fencingEpoch(input);
    expect(refusal?.reason).toBe(reason);
    if (reason !== undefined) expect(refusal?.invariant).toBe("Fencing");
  });
});

describe("fencingSource (invariant 1, before the swap)", () => {
  const shift = route53({ [TO]: 100, [FROM]: 0 });
  it.each<{ case: string; input: GuardInput; reason: string | undefined }>([
    {
      case: "the record names the run's source",
      input: guard({ step: shift, fencingRecord: { active: FROM, epoch: 1 } }),
      reason: undefined,
    },
    { case: "no record yet: the first swap creates it", input: guard({ step: shift }), reason: undefined },
    {
      case: "this run already won it (resuming after a crash)",
      input: guard({ step: shift, fencingRecord: { active: TO, epoch: 2, run: "r" } }),
      reason: undefined,
    },
    {
      case: "another run towards the same region (a person overtaking a drill) converges on the same writer",
      input: guard({ step: shift, fencingRecord: { active: TO, epoch: 2, run: "drill" } }),
      reason: undefined,
    },
    {
      case: "another region won it a moment earlier",
      input: guard({ step: shift, fencingRecord: { active: OTHER, epoch: 2, run: "other" } }),
      reason: GuardReason.LostFencingRace,
    },
    {
      case: "a dry run changes nothing",
      input: guard({ step: shift, fencingRecord: { active: OTHER, epoch: 2 }, dryRun: true }),
      reason: undefined,
    },
    {
      case: "steps that move no traffic",
      input: guard({ step: step("flag"), fencingRecord: { active: OTHER, epoch: 2 } }),
      reason: undefined,
    },
  ])("$case", ({ input, reason }) => {
    const refusal = fencingSource(input);
    expect(refusal?.reason).toBe(reason);
    if (reason !== undefined) expect(refusal?.invariant).toBe("Fencing");
  });
});

describe("epochStillHeld (invariant 1, after the swap)", () => {
  const unfreeze = step("flag", "unfreeze");
  it.each<{ case: string; input: GuardInput; refused: boolean }>([
    { case: "before the epoch is won", input: guard({ step: unfreeze }), refused: false },
    {
      case: "the record still holds the run's epoch",
      input: guard({ step: unfreeze, runEpoch: 4, fencingRecord: { active: TO, epoch: 4 } }),
      refused: false,
    },
    {
      case: "a later move superseded the run",
      input: guard({ step: unfreeze, runEpoch: 4, fencingRecord: { active: FROM, epoch: 5 } }),
      refused: true,
    },
    { case: "the record cannot be read", input: guard({ step: unfreeze, runEpoch: 4 }), refused: true },
    {
      case: "a dry run",
      input: guard({ step: unfreeze, runEpoch: 4, fencingRecord: { active: FROM, epoch: 5 }, dryRun: true }),
      refused: false,
    },
    {
      case: "a promotion (it has its own guard)",
      input: guard({ step: aurora, runEpoch: 4, fencingRecord: { active: FROM, epoch: 5 } }),
      refused: false,
    },
  ])("$case", ({ input, refused }) => {
    const refusal = epochStillHeld(input);
    expect(refusal !== undefined).toBe(refused);
    if (refusal) expect(refusal).toMatchObject({ reason: GuardReason.FencingEpochSuperseded, invariant: "Fencing" });
  });
});

describe("boundedFlapping (invariant 5, at the compare-and-swap)", () => {
  const shift = route53({ [TO]: 100, [FROM]: 0 });
  const T = Date.UTC(2026, 11, 1);
  const penalty = {
    perTransition: 1000,
    halfLifeSeconds: 900,
    suppressAbove: 2000,
    reuseBelow: 750,
    maxSuppressSeconds: 3600,
  };
  const automatic = { run: "mine", holdDownSeconds: 30, penalty, now: T + 10_000 };
  const recent = { since: T, by: "auto" as const, penalty: 1000 };
  it.each<{ case: string; input: GuardInput; reason: string | undefined }>([
    {
      case: "another controller moved 10 s ago (hold-down 30 s)",
      input: guard({
        step: shift,
        automatic,
        fencingRecord: { active: FROM, epoch: 3, run: "theirs", history: recent },
      }),
      reason: GuardReason.HoldDownNotElapsed,
    },
    {
      case: "its run is still in progress",
      input: guard({
        step: shift,
        automatic: { ...automatic, now: T + 60_000 },
        fencingRecord: { active: FROM, epoch: 3, run: "theirs", history: { ...recent, busyUntil: T + 600_000 } },
      }),
      reason: GuardReason.MoveInProgress,
    },
    {
      case: "the policy's transitions are suppressed",
      input: guard({
        step: shift,
        automatic: { ...automatic, now: T + 60_000 },
        fencingRecord: { active: FROM, epoch: 3, history: { ...recent, penalty: 2900, suppressedSince: T } },
      }),
      reason: GuardReason.FlapSuppressed,
    },
    {
      case: "hold-down elapsed",
      input: guard({
        step: shift,
        automatic: { ...automatic, now: T + 31_000 },
        fencingRecord: { active: FROM, epoch: 3, history: recent },
      }),
      reason: undefined,
    },
    {
      case: "a record without history (old, or seeded by a person)",
      input: guard({ step: shift, automatic, fencingRecord: { active: FROM, epoch: 3 } }),
      reason: undefined,
    },
    {
      case: "a person's run (no automatic dampening passed)",
      input: guard({ step: shift, fencingRecord: { active: FROM, epoch: 3, history: recent } }),
      reason: undefined,
    },
    {
      case: "this run's own epoch, resuming after a crash",
      input: guard({
        step: shift,
        automatic,
        fencingRecord: { active: TO, epoch: 4, run: "mine", history: { ...recent, since: T + 9000 } },
      }),
      reason: undefined,
    },
  ])("$case", ({ input, reason }) => {
    const refusal = boundedFlapping(input);
    expect(refusal?.reason).toBe(reason);
    if (reason !== undefined) expect(refusal?.invariant).toBe("BoundedFlapping");
  });
});

describe("override (invariant 6)", () => {
  const zero: Refusal = { reason: GuardReason.NeverZeroWeights, invariant: "NeverZero", step: "shift", message: "m" };
  const fence: Refusal = {
    reason: GuardReason.FencingEpochNotWon,
    invariant: "Fencing",
    step: "promote",
    message: "m",
  };
  const override = (...invariants: ("NeverZero" | "Fencing")[]) => ({
    reason: "INC-42: Route53 control plane down",
    invariants,
  });

  it("a Manual run bypasses exactly the invariants it lists, and says so", () => {
    expect(applyOverride([zero, fence], { trigger: "Manual", override: override("Fencing") })).toEqual({
      kept: [zero],
      bypassed: [fence],
      overrideReason: "INC-42: Route53 control plane down",
    });
  });

  it("the trigger defaults to Manual, as in the CRD", () => {
    expect(applyOverride([zero], { override: override("NeverZero") }).bypassed).toEqual([zero]);
  });

  it.each(["Automatic", "Drill"] as const)("a %s run's override is ignored, and reported", (trigger) => {
    const result = applyOverride([zero, fence], { trigger, override: override("NeverZero", "Fencing") });
    expect(result.kept).toEqual([zero, fence]);
    expect(result.bypassed).toEqual([]);
    expect(result.overrideIgnored).toMatch(trigger);
  });

  it("problems that name no invariant are never bypassed", () => {
    const broken: { reason: string; message: string; invariant?: Invariant } = {
      reason: "UnknownRegion",
      message: "m",
    };
    expect(applyOverride([broken], { override: override("NeverZero", "Fencing") }).kept).toEqual([broken]);
  });

  it("guardStep: every guard, the override, then the first refusal left standing", () => {
    const allZero = route53({ [FROM]: 0 });
    expect(guardStep(guard({ step: allZero, currentWeights: {} }), {}).refusal?.reason).toBe(
      GuardReason.NeverZeroWeights,
    );
    expect(guardStep(guard({ step: allZero, currentWeights: {} }), { override: override("NeverZero") })).toEqual({
      bypassed: [expect.objectContaining({ reason: GuardReason.NeverZeroWeights })],
      overrideReason: "INC-42: Route53 control plane down",
    });
    const verdict = guardStep(guard({ step: aurora }), { override: override("NeverZero") });
    expect(verdict.refusal?.reason).toBe(GuardReason.FencingEpochNotWon);
    expect(guardStep(guard({ step: aurora, runEpoch: 3, fencingRecord: { active: TO, epoch: 3 } }), {})).toEqual({
      bypassed: [],
    });
  });
});
