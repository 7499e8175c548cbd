import { describe, expect, it } from "vitest";
import { toRfc3339 } from "../time.js";
import {
  JournalTransitionError,
  applyOutcome,
  failureOf,
  firstStartedAt,
  rollbackOf,
  type JournalEntry,
  type StepOutcome,
} from "./journal.js";
import { GuardReason, StepReason } from "./reasons.js";
import { SEC, T0, step } from "./testing.js";

const s = step("route53", "shift");
const at = (seconds: number): number => T0 + seconds * SEC;
const iso = (seconds: number): string => toRfc3339(at(seconds));

function replay(...events: [number, StepOutcome][]): JournalEntry[] {
  return events.reduce<JournalEntry[]>((j, [t, o]) => applyOutcome(j, s, o, at(t)), []);
}

const startedWith = (before: Record<string, unknown>): StepOutcome => ({
  type: "Started",
  intent: { weights: { x: 1 } },
  before,
});

describe("applyOutcome", () => {
  it("Started: Running, a new attempt, intent and the state found, journaled before the call", () => {
    expect(replay([0, startedWith({ w: 100 })])).toEqual([
      {
        name: "shift",
        kind: "route53",
        state: "Running",
        attempts: 1,
        startedAt: iso(0),
        intent: { weights: { x: 1 } },
        before: { w: 100 },
      },
    ]);
  });

  it("a retry keeps the first start (the step's timeout counts from it) and the first state found (what rollback restores)", () => {
    const [entry] = replay(
      [0, startedWith({ w: 100 })],
      [1, { type: "Failed", message: "throttled" }],
      [6, startedWith({ w: 50 })],
    );
    expect(entry).toMatchObject({ state: "Running", attempts: 2, startedAt: iso(0), before: { w: 100 } });
    expect(entry?.finishedAt).toBeUndefined();
    expect(entry?.message).toBeUndefined();
  });

  it("Succeeded: finishedAt and what was observed", () => {
    expect(replay([0, startedWith({})], [3, { type: "Succeeded", observed: { changeId: "C1" } }])[0]).toMatchObject({
      state: "Succeeded",
      finishedAt: iso(3),
      observed: { changeId: "C1" },
    });
  });

  it("InProgress: still Running, the latest observation kept", () => {
    expect(replay([0, startedWith({})], [3, { type: "InProgress", observed: { status: "PENDING" } }])[0]).toMatchObject(
      {
        state: "Running",
        observed: { status: "PENDING" },
      },
    );
  });

  it("Failed: the attempt's error and a retryable failure mark", () => {
    const [entry] = replay([0, startedWith({})], [2, { type: "Failed", message: "throttled" }]);
    expect(entry).toMatchObject({ state: "Failed", finishedAt: iso(2), message: "throttled", attempts: 1 });
    expect(failureOf(entry)).toEqual({ reason: StepReason.AttemptFailed, permanent: false });
  });

  it("Failed before Started (the observation failed): still an attempt, and it starts the step's clock", () => {
    const [first] = replay([3, { type: "Failed", message: "configmap not found", beforeStart: true }]);
    expect(first).toMatchObject({ state: "Failed", attempts: 1, startedAt: iso(3), finishedAt: iso(3) });
    const [second] = replay(
      [3, { type: "Failed", message: "configmap not found", beforeStart: true }],
      [9, { type: "Failed", message: "configmap not found", beforeStart: true }],
    );
    expect(second).toMatchObject({ attempts: 2, startedAt: iso(3), finishedAt: iso(9) });
  });

  it("Refused: a permanent failure mark, no attempt counted, the intent kept for the audit trail", () => {
    const [entry] = replay([
      0,
      { type: "Refused", reason: GuardReason.NeverZeroWeights, message: "all zero", intent: { w: 0 } },
    ]);
    expect(entry).toMatchObject({ state: "Failed", attempts: 0, intent: { w: 0 }, message: "all zero" });
    expect(failureOf(entry)).toEqual({ reason: GuardReason.NeverZeroWeights, permanent: true });
  });

  it("a deadline journaled on a failed attempt keeps that attempt's error in view", () => {
    const [entry] = replay(
      [0, startedWith({})],
      [1, { type: "Failed", message: "throttled" }],
      [400, { type: "Failed", reason: StepReason.StepTimeout, message: "too late" }],
    );
    expect(entry?.message).toBe("too late (last error: throttled)");
    expect(failureOf(entry)?.reason).toBe(StepReason.StepTimeout);
  });

  it("WaitingApproval: the wait starts the step's clock", () => {
    expect(replay([5, { type: "WaitingApproval" }], [9, { type: "WaitingApproval" }])[0]).toMatchObject({
      state: "WaitingApproval",
      startedAt: iso(5),
    });
  });

  it("Skipped: the reason, with the last error kept", () => {
    expect(
      replay(
        [0, startedWith({})],
        [1, { type: "Failed", message: "timeout" }],
        [2, { type: "Skipped", reason: "BestEffortFailed", message: "moving on" }],
      )[0],
    ).toMatchObject({ state: "Skipped", message: "BestEffortFailed: moving on (last error: timeout)" });
  });

  it("RolledBack keeps the forward observation and adds the restore's", () => {
    const [entry] = replay(
      [0, startedWith({ w: 1 })],
      [1, { type: "Succeeded", observed: { changeId: "C1" } }],
      [9, { type: "RolledBack", observed: { changeId: "C2" } }],
    );
    expect(entry).toMatchObject({ state: "RolledBack", finishedAt: iso(9), observed: { changeId: "C1" } });
    expect(rollbackOf(entry)).toEqual({ observed: { changeId: "C2" } });
  });

  it("RollbackFailed keeps the forward state and records the error", () => {
    const [entry] = replay(
      [0, startedWith({})],
      [1, { type: "Succeeded" }],
      [9, { type: "RollbackFailed", message: "denied" }],
    );
    expect(entry).toMatchObject({ state: "Succeeded", message: "rollback failed: denied" });
    expect(rollbackOf(entry)).toEqual({ error: "denied" });
  });

  it.each<{ from: StepOutcome[]; outcome: StepOutcome }>([
    { from: [startedWith({}), { type: "Succeeded" }], outcome: startedWith({}) },
    { from: [startedWith({})], outcome: startedWith({}) },
    { from: [], outcome: { type: "Succeeded" } },
    { from: [], outcome: { type: "RolledBack" } },
    { from: [startedWith({}), { type: "Succeeded" }], outcome: { type: "Failed", message: "x" } },
    { from: [startedWith({}), { type: "Succeeded" }], outcome: { type: "Skipped", reason: "r", message: "m" } },
    { from: [startedWith({})], outcome: { type: "WaitingApproval" } },
  ])(
    "refuses $outcome.type after $from.length event(s): the shell did something it was not asked",
    ({ from, outcome }) => {
      const journal = replay(...from.map((o, i): [number, StepOutcome] => [i, o]));
      expect(() => applyOutcome(journal, s, outcome, at(99))).toThrow(JournalTransitionError);
    },
  );

  it("is pure: the input journal is not modified, other entries keep their place", () => {
    const other = step("flag", "other");
    const journal = applyOutcome(applyOutcome([], other, startedWith({}), T0), s, startedWith({}), T0);
    const frozen = structuredClone(journal);
    const next = applyOutcome(journal, s, { type: "Succeeded" }, at(1));
    expect(journal).toEqual(frozen);
    expect(next.map((e) => e.name)).toEqual(["other", "shift"]);
    expect(next[0]).toBe(journal[0]);
  });

  it("firstStartedAt: the earliest start in the journal", () => {
    const other = step("flag", "other");
    const journal = applyOutcome(applyOutcome([], other, startedWith({}), at(10)), s, startedWith({}), at(3));
    expect(firstStartedAt(journal)).toBe(at(3));
    expect(firstStartedAt([])).toBeUndefined();
  });
});
