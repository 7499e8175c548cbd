import { describe, expect, it } from "vitest";
import { nextAction, type Action, type EngineInput } from "./engine.js";
import { applyOutcome, type JournalEntry } from "./journal.js";
import { GuardReason, RunReason, StepReason } from "./reasons.js";
import type { BoundStep } from "./steps.js";
import { FROM, SEC, T0, TO, halt, input, journalOf, rollback, started, step } from "./testing.js";

const flag = step("flag", "freeze", {}, FROM);
const traffic = step("route53", "shift-traffic");
const promote = step("auroraGlobal", "promote-db");
const unfreeze = step("flag", "unfreeze");
const approve = step("approval", "approve");
const plan = [flag, traffic, promote, unfreeze];

const ok = (s: BoundStep): [BoundStep, Parameters<typeof applyOutcome>[2]][] => [
  [s, started(s)],
  [s, { type: "Succeeded" }],
];
const failed = (s: BoundStep, message = "boom"): [BoundStep, Parameters<typeof applyOutcome>[2]][] => [
  [s, started(s)],
  [s, { type: "Failed", message }],
];

/** A journal whose events happen at the given instants. */
function at(...events: [number, BoundStep, Parameters<typeof applyOutcome>[2]][]): JournalEntry[] {
  return events.reduce<JournalEntry[]>((j, [time, s, o]) => applyOutcome(j, s, o, time), []);
}

function expectAction(action: Action, expected: Record<string, unknown>): void {
  const { step: s, ...rest } = action as Action & { step?: BoundStep };
  expect({ ...rest, ...(s === undefined ? {} : { step: s.name }) }).toMatchObject(expected);
}

describe("nextAction: forward, one rule per row", () => {
  it.each<{ case: string; input: EngineInput; expected: Record<string, unknown> }>([
    {
      case: "an empty journal starts the first step",
      input: input(plan),
      expected: { type: "execute", step: "freeze", attempt: 1, dryRun: false },
    },
    {
      case: "steps strictly in order: the first one not Succeeded or Skipped is next",
      input: input(plan, {
        journal: journalOf(
          ...ok(flag),
          [traffic, started(traffic)],
          [traffic, { type: "Skipped", reason: "x", message: "y" }],
        ),
      }),
      expected: { type: "execute", step: "promote-db", attempt: 1 },
    },
    {
      case: "every step Succeeded or Skipped → Succeeded",
      input: input([flag, traffic], {
        journal: journalOf(...ok(flag), [traffic, { type: "Skipped", reason: "x", message: "y" }]),
      }),
      expected: { type: "finish", phase: "Succeeded", reason: RunReason.Completed },
    },
    {
      case: "a dry run that went through every step → Succeeded, DryRunCompleted",
      input: input([flag], {
        run: { dryRun: true },
        journal: journalOf([flag, started(flag)], [flag, { type: "Skipped", reason: "DryRun", message: "m" }]),
      }),
      expected: { type: "finish", phase: "Succeeded", reason: RunReason.DryRunCompleted },
    },
    {
      case: "a dry run executes with the dryRun flag",
      input: input(plan, { run: { dryRun: true } }),
      expected: { type: "execute", step: "freeze", dryRun: true },
    },
    {
      case: "a step found Running (crash between the two journal writes) is resumed, not executed again",
      input: input(plan, { journal: journalOf(...ok(flag), [traffic, started(traffic)]), now: T0 + 10 * SEC }),
      expected: { type: "resume", step: "shift-traffic" },
    },
    {
      case: "a Running step past its own timeout fails (StepTimeout)",
      input: input([traffic], { journal: at([T0, traffic, started(traffic)]), now: T0 + 300 * SEC }),
      expected: { type: "fail", step: "shift-traffic", reason: StepReason.StepTimeout },
    },
    {
      case: "a bestEffort Running step past its timeout is skipped",
      input: input([step("flag", "f", { bestEffort: true })], {
        journal: at([T0, step("flag", "f"), started(step("flag", "f"))]),
        now: T0 + 300 * SEC,
      }),
      expected: { type: "skip", step: "f", reason: StepReason.StepTimeout },
    },
    {
      case: "a Running step when the plan is out of time fails (PlanTimeout)",
      input: input([traffic], {
        plan: { onFailure: "Halt", timeoutSeconds: 60 },
        runStartedAt: T0,
        journal: at([T0 + 30 * SEC, traffic, started(traffic)]),
        now: T0 + 60 * SEC,
      }),
      expected: { type: "fail", reason: StepReason.PlanTimeout },
    },
    {
      case: "a bestEffort Running step whose region is unreachable is skipped",
      input: input([step("flag", "f", { bestEffort: true }, FROM)], {
        journal: at([T0, step("flag", "f"), started(step("flag", "f"))]),
        regionReachable: (r) => r !== FROM,
      }),
      expected: { type: "skip", reason: StepReason.RegionUnreachable },
    },
    {
      case: "a failed attempt waits backoffSeconds × 2^0 before attempt 2",
      input: input([traffic], {
        journal: at([T0, traffic, started(traffic)], [T0 + SEC, traffic, { type: "Failed", message: "x" }]),
        now: T0 + 2 * SEC,
      }),
      expected: { type: "wait", reason: StepReason.RetryBackoff, until: T0 + 6 * SEC },
    },
    {
      case: "after the backoff, attempt 2",
      input: input([traffic], {
        journal: at([T0, traffic, started(traffic)], [T0 + SEC, traffic, { type: "Failed", message: "x" }]),
        now: T0 + 6 * SEC,
      }),
      expected: { type: "execute", attempt: 2 },
    },
    {
      case: "the backoff doubles: attempt 3 failed → 5 × 2^2 = 20 s",
      input: input([traffic], {
        journal: at(
          [T0, traffic, started(traffic)],
          [T0, traffic, { type: "Failed", message: "x" }],
          [T0 + 5 * SEC, traffic, started(traffic)],
          [T0 + 5 * SEC, traffic, { type: "Failed", message: "x" }],
          [T0 + 15 * SEC, traffic, started(traffic)],
          [T0 + 16 * SEC, traffic, { type: "Failed", message: "x" }],
        ),
        now: T0 + 16 * SEC,
      }),
      expected: { type: "wait", reason: StepReason.RetryBackoff, until: T0 + 36 * SEC },
    },
    {
      case: "retries.limit exhausted → the run fails (Halt) with RetriesExhausted",
      input: input([step("flag", "f", { retries: { limit: 1, backoffSeconds: 1 } })], {
        journal: journalOf(...failed(step("flag", "f")), ...failed(step("flag", "f"))),
        now: T0 + 60 * SEC,
      }),
      expected: { type: "finish", phase: "Failed", reason: StepReason.RetriesExhausted },
    },
    {
      case: "a bestEffort step that failed for good is skipped",
      input: input([step("flag", "f", { bestEffort: true, retries: { limit: 0, backoffSeconds: 1 } })], {
        journal: journalOf(...failed(step("flag", "f"))),
      }),
      expected: { type: "skip", reason: StepReason.BestEffortFailed },
    },
    {
      case: "a refusal is final: no retry, the run fails with the guard's reason",
      input: input([traffic], {
        journal: journalOf([traffic, { type: "Refused", reason: GuardReason.NeverZeroWeights, message: "all zero" }]),
        now: T0 + 600 * SEC,
      }),
      expected: { type: "finish", phase: "Failed", reason: GuardReason.NeverZeroWeights },
    },
    {
      case: "a retry that could only start after the step's deadline is not waited for (StepTimeout)",
      input: input([step("flag", "f", { timeoutSeconds: 10, retries: { limit: 3, backoffSeconds: 20 } })], {
        journal: at(
          [T0, step("flag", "f"), started(step("flag", "f"))],
          [T0 + SEC, step("flag", "f"), { type: "Failed", message: "x" }],
        ),
        now: T0 + SEC,
      }),
      expected: { type: "fail", reason: StepReason.StepTimeout },
    },
    {
      case: "once the timeout is journaled, the failure is final",
      input: input([flag], {
        journal: journalOf(...failed(flag), [
          flag,
          { type: "Failed", reason: StepReason.StepTimeout, message: "late" },
        ]),
      }),
      expected: { type: "finish", phase: "Failed", reason: StepReason.StepTimeout },
    },
    {
      case: "a retry that could only start after the plan's deadline is not waited for (PlanTimeout)",
      input: input([step("flag", "f", { bestEffort: true })], {
        plan: { onFailure: "Halt", timeoutSeconds: 3 },
        runStartedAt: T0,
        journal: at(
          [T0, step("flag", "f"), started(step("flag", "f"))],
          [T0 + SEC, step("flag", "f"), { type: "Failed", message: "x" }],
        ),
        now: T0 + SEC,
      }),
      expected: { type: "fail", reason: StepReason.PlanTimeout },
    },
    {
      case: "a journaled plan timeout fails the run even at a bestEffort step (skipping would end it Succeeded)",
      input: input([step("flag", "f", { bestEffort: true })], {
        journal: journalOf([step("flag", "f"), { type: "Failed", reason: StepReason.PlanTimeout, message: "late" }]),
      }),
      expected: { type: "finish", phase: "Failed", reason: StepReason.PlanTimeout },
    },
    {
      case: "a Pending step when the plan is out of time fails (PlanTimeout)",
      input: input([flag, traffic], {
        plan: { onFailure: "Halt", timeoutSeconds: 60 },
        runStartedAt: T0,
        journal: journalOf(...ok(flag)),
        now: T0 + 61 * SEC,
      }),
      expected: { type: "fail", step: "shift-traffic", reason: StepReason.PlanTimeout },
    },
    {
      case: "a bestEffort step whose region is unreachable is skipped without trying",
      input: input([step("flag", "f", { bestEffort: true }, FROM)], { regionReachable: (r) => r !== FROM }),
      expected: { type: "skip", reason: StepReason.RegionUnreachable },
    },
    {
      case: "a required step whose region is unreachable is still tried (and retried)",
      input: input([step("flag", "f", {}, FROM)], { regionReachable: (r) => r !== FROM }),
      expected: { type: "execute", attempt: 1 },
    },
    {
      case: "an approval step without approval waits (WaitingApproval) until its timeout",
      input: input([approve]),
      expected: { type: "wait", reason: StepReason.ApprovalPending, step: "approve", until: T0 + 300 * SEC },
    },
    {
      case: "an approval step waits no longer than the plan's deadline",
      input: input([approve], { plan: { onFailure: "Halt", timeoutSeconds: 100 }, runStartedAt: T0 }),
      expected: { type: "wait", reason: StepReason.ApprovalPending, until: T0 + 100 * SEC },
    },
    {
      case: "an approval in spec.approvals lets the step complete",
      input: input([approve], {
        run: { approvals: [{ step: "approve", approvedBy: "alice" }] },
        journal: journalOf([approve, { type: "WaitingApproval" }]),
      }),
      expected: { type: "execute", step: "approve", approval: { step: "approve", approvedBy: "alice" } },
    },
    {
      case: "an approval for another step does not count",
      input: input([approve], { run: { approvals: [{ step: "other", approvedBy: "alice" }] } }),
      expected: { type: "wait", reason: StepReason.ApprovalPending },
    },
    {
      case: "no approval within the step's timeout → ApprovalTimeout",
      input: input([approve], { journal: journalOf([approve, { type: "WaitingApproval" }]), now: T0 + 300 * SEC }),
      expected: { type: "fail", reason: StepReason.ApprovalTimeout },
    },
    {
      case: "deadlines before approvals: a late approval does not revive a timed-out step",
      input: input([approve], {
        run: { approvals: [{ step: "approve", approvedBy: "alice" }] },
        journal: journalOf([approve, { type: "WaitingApproval" }]),
        now: T0 + 300 * SEC,
      }),
      expected: { type: "fail", reason: StepReason.ApprovalTimeout },
    },
    {
      case: "a dry run does not wait for approval",
      input: input([approve], { run: { dryRun: true } }),
      expected: { type: "execute", step: "approve", dryRun: true },
    },
  ])("$case", ({ input: i, expected }) => expectAction(nextAction(i), expected));
});

describe("nextAction: cancellation", () => {
  it.each<{ case: string; input: EngineInput; expected: Record<string, unknown> }>([
    {
      case: "before any step: Cancelled",
      input: input(plan, { run: { cancel: true } }),
      expected: { type: "finish", phase: "Cancelled", reason: RunReason.Cancelled },
    },
    {
      case: "between steps: no further step starts",
      input: input(plan, { run: { cancel: true }, journal: journalOf(...ok(flag)) }),
      expected: { type: "finish", phase: "Cancelled" },
    },
    {
      case: "a step in progress finishes first",
      input: input(plan, { run: { cancel: true }, journal: journalOf([flag, started(flag)]) }),
      expected: { type: "resume", step: "freeze" },
    },
    {
      case: "a failed attempt is not retried",
      input: input(plan, { run: { cancel: true }, journal: journalOf(...failed(flag)), now: T0 + 60 * SEC }),
      expected: { type: "finish", phase: "Cancelled" },
    },
    {
      case: "a wait for approval ends",
      input: input([approve], { run: { cancel: true }, journal: journalOf([approve, { type: "WaitingApproval" }]) }),
      expected: { type: "finish", phase: "Cancelled" },
    },
    {
      case: "a step that failed for good is a failure, not a cancellation",
      input: input([traffic], {
        run: { cancel: true },
        journal: journalOf([traffic, { type: "Refused", reason: "NeverZeroWeights", message: "m" }]),
      }),
      expected: { type: "finish", phase: "Failed", reason: "NeverZeroWeights" },
    },
    {
      case: "a finished run stays Succeeded when cancel comes late",
      input: input([flag], { run: { cancel: true }, journal: journalOf(...ok(flag)) }),
      expected: { type: "finish", phase: "Succeeded" },
    },
  ])("$case", ({ input: i, expected }) => expectAction(nextAction(i), expected));
});

describe("nextAction: rollback", () => {
  const scaleDown = step("scale", "scale-down", {}, FROM);
  const notify = step("webhook", "notify");
  const keep = step("flag", "keep", { onRollback: "None" });
  const check = step("waitFor", "check");

  /** Runs nextAction, applying a successful restore for each rollback, until the run finishes. */
  function rollbackOrder(i: EngineInput): { order: string[]; end: Action } {
    let journal = i.journal;
    const order: string[] = [];
    for (let n = 0; n < 50; n++) {
      const action = nextAction({ ...i, journal });
      if (action.type !== "rollback") return { order, end: action };
      order.push(action.step.name);
      journal = applyOutcome(journal, action.step, { type: "RolledBack" }, i.now);
    }
    throw new Error("rollback did not end");
  }

  it("restores completed Restore steps in exact reverse order, skipping what cannot or must not be undone", () => {
    const steps = [flag, notify, keep, traffic, scaleDown, check];
    const journal = journalOf(
      ...ok(flag),
      ...ok(notify),
      ...ok(keep),
      ...ok(traffic),
      ...ok(scaleDown),
      [check, started(check)],
      [check, { type: "Refused", reason: "x", message: "y" }],
    );
    const { order, end } = rollbackOrder(input(steps, { plan: rollback, journal }));
    expect(order).toEqual(["scale-down", "shift-traffic", "freeze"]);
    expect(end).toMatchObject({ type: "finish", phase: "RolledBack", reason: RunReason.RolledBack });
  });

  it("the rollback hands the shell the state recorded before the step acted", () => {
    const journal = journalOf(
      ...ok(flag),
      ...failed(traffic),
      ...failed(traffic),
      ...failed(traffic),
      ...failed(traffic),
    );
    expect(nextAction(input([flag, traffic], { plan: rollback, journal, now: T0 + 600 * SEC }))).toMatchObject({
      type: "rollback",
      step: { name: "shift-traffic" },
      before: { value: "before-shift-traffic" },
    });
  });

  it("restores the failed step itself first when it may have half-acted", () => {
    const journal = journalOf(
      ...ok(flag),
      [traffic, started(traffic)],
      [traffic, { type: "Failed", reason: StepReason.StepTimeout, message: "t" }],
    );
    expect(rollbackOrder(input([flag, traffic], { plan: rollback, journal })).order).toEqual([
      "shift-traffic",
      "freeze",
    ]);
  });

  it("does not restore a step that never recorded its state, nor a skipped one", () => {
    const noBefore = step("flag", "no-before");
    const skipped = step("scale", "skipped");
    const journal = journalOf(
      [noBefore, { type: "Started", intent: {} }],
      [noBefore, { type: "Succeeded" }],
      [skipped, started(skipped)],
      [skipped, { type: "Skipped", reason: "RegionUnreachable", message: "m" }],
      [traffic, { type: "Refused", reason: "x", message: "y" }],
    );
    expect(rollbackOrder(input([noBefore, skipped, traffic], { plan: rollback, journal })).order).toEqual([]);
  });

  it("stops at a database promotion: it and the steps before it are kept", () => {
    const journal = journalOf(...ok(flag), ...ok(traffic), ...ok(promote), ...ok(scaleDown), [
      unfreeze,
      { type: "Refused", reason: "x", message: "y" },
    ]);
    const { order, end } = rollbackOrder(
      input([flag, traffic, promote, scaleDown, unfreeze], { plan: rollback, journal }),
    );
    expect(order).toEqual(["scale-down"]);
    expect(end).toMatchObject({ type: "finish", phase: "Failed", reason: RunReason.RollbackStoppedAtPromotion });
  });

  it("a promotion that failed after starting is a barrier too (it may have happened)", () => {
    const journal = journalOf(
      ...ok(flag),
      ...ok(traffic),
      [promote, started(promote)],
      [promote, { type: "Failed", reason: StepReason.StepTimeout, message: "t" }],
    );
    const { order, end } = rollbackOrder(input([flag, traffic, promote], { plan: rollback, journal }));
    expect(order).toEqual([]);
    expect(end).toMatchObject({ phase: "Failed", reason: RunReason.RollbackStoppedAtPromotion });
  });

  it("a promotion refused before it acted is no barrier", () => {
    const journal = journalOf(...ok(flag), ...ok(traffic), [
      promote,
      { type: "Refused", reason: GuardReason.FencingEpochNotWon, message: "m" },
    ]);
    expect(rollbackOrder(input([flag, traffic, promote], { plan: rollback, journal })).order).toEqual([
      "shift-traffic",
      "freeze",
    ]);
  });

  it("a failed restore ends the run Failed (RollbackFailed)", () => {
    const journal = applyOutcome(
      journalOf(...ok(flag), ...ok(traffic), [unfreeze, { type: "Refused", reason: "x", message: "y" }]),
      traffic,
      { type: "RollbackFailed", message: "throttled" },
      T0 + 10 * SEC,
    );
    expect(nextAction(input([flag, traffic, unfreeze], { plan: rollback, journal }))).toMatchObject({
      type: "finish",
      phase: "Failed",
      reason: RunReason.RollbackFailed,
    });
  });

  it("a dry run never rolls back: it changed nothing", () => {
    const journal = journalOf(
      [flag, started(flag)],
      [flag, { type: "Skipped", reason: "DryRun", message: "m" }],
      [traffic, { type: "Refused", reason: "x", message: "y" }],
    );
    expect(nextAction(input([flag, traffic], { plan: rollback, run: { dryRun: true }, journal }))).toMatchObject({
      type: "finish",
      phase: "Failed",
    });
  });

  it("neither cancel, nor the plan timeout, nor an edit of onFailure interrupts a rollback under way", () => {
    const journal = applyOutcome(
      journalOf(...ok(flag), ...ok(traffic), [unfreeze, { type: "Refused", reason: "x", message: "y" }]),
      traffic,
      { type: "RolledBack" },
      T0 + 10 * SEC,
    );
    const i = input([flag, traffic, unfreeze], {
      plan: { onFailure: "Halt", timeoutSeconds: 5 },
      run: { cancel: true },
      runStartedAt: T0,
      journal,
      now: T0 + 3600 * SEC,
    });
    expect(nextAction(i)).toMatchObject({ type: "rollback", step: { name: "freeze" } });
  });

  it("Halt stops at the failed step and restores nothing", () => {
    const journal = journalOf(...ok(flag), [traffic, { type: "Refused", reason: "x", message: "y" }]);
    expect(nextAction(input([flag, traffic], { plan: halt, journal }))).toMatchObject({
      type: "finish",
      phase: "Failed",
      reason: "x",
    });
  });
});

describe("nextAction: time only moves forward", () => {
  it("every wait is in the future", () => {
    const journal = at([T0, traffic, started(traffic)], [T0 + SEC, traffic, { type: "Failed", message: "x" }]);
    for (let now = T0 + SEC; now < T0 + 10 * SEC; now += 250) {
      const action = nextAction(input([traffic], { journal, now }));
      if (action.type === "wait") expect(action.until).toBeGreaterThan(now);
    }
  });
});

describe("nextAction: what the execute action carries", () => {
  it("names the attempt the shell journals as Started", () => {
    const journal = journalOf(...failed(flag));
    expect(nextAction(input(plan, { journal, now: T0 + 60 * SEC }))).toMatchObject({ type: "execute", attempt: 2 });
  });

  it("steps whose kind acts globally are never skipped as unreachable", () => {
    expect(
      nextAction(input([step("route53", "r", { bestEffort: true })], { regionReachable: () => false })),
    ).toMatchObject({
      type: "execute",
    });
  });

  it("an Aurora promotion's region is its target", () => {
    expect(
      nextAction(input([step("auroraGlobal", "p", { bestEffort: true })], { regionReachable: (r) => r !== TO })),
    ).toMatchObject({
      type: "skip",
    });
  });
});
