/**
 * Properties of the step state machine, over random plans, random outcomes and random crash points, driven through
 * the simulated shell (testing.ts) exactly as the real shell drives it: nextAction, act, journal, persist, repeat.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextAction } from "./engine.js";
import { entryFor, stateOf, type JournalEntry } from "./journal.js";
import { RunReason } from "./reasons.js";
import { stepKinds, type BoundPlan, type BoundStep, type StepKind } from "./steps.js";
import { FROM, OTHER, SEC, TO, simulate, step, type Outcome, type Scripted, type Simulation } from "./testing.js";

const outcomes: Outcome[] = [
  "ok",
  "fail",
  "refuse",
  "inProgress",
  "crashBeforeStart",
  "crashAfterStart",
  "crashAfterCall",
];

const scripted: fc.Arbitrary<Scripted> = fc.record({
  // Mostly success, so runs get far enough to reach rollbacks and late steps.
  outcome: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Outcome>("ok") },
    { weight: 3, arbitrary: fc.constantFrom(...outcomes) },
  ),
  seconds: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 400 })),
});

const boundStep = (
  index: number,
  kinds: readonly StepKind[] = stepKinds,
  bestEffort = fc.boolean(),
): fc.Arbitrary<BoundStep> =>
  fc
    .record({
      kind: fc.constantFrom(...kinds),
      bestEffort,
      timeoutSeconds: fc.constantFrom(5, 30, 300),
      limit: fc.integer({ min: 0, max: 3 }),
      backoffSeconds: fc.integer({ min: 1, max: 8 }),
      onRollback: fc.constantFrom<"Restore" | "None">("Restore", "Restore", "None"),
      region: fc.constantFrom(FROM, TO, OTHER),
    })
    .map(({ kind, limit, backoffSeconds, region, ...mods }) =>
      step(kind, `s${index}`, { ...mods, retries: { limit, backoffSeconds } }, region),
    );

const stepsOf = (min: number, max: number, each: (i: number) => fc.Arbitrary<BoundStep>): fc.Arbitrary<BoundStep[]> =>
  fc.integer({ min, max }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => each(i))));

const steps = stepsOf(1, 6, (i) => boundStep(i));

/** For rollback: mostly restorable kinds, a promotion now and then, rarely bestEffort, long enough to undo a lot. */
const rollbackSteps = stepsOf(2, 8, (i) =>
  boundStep(
    i,
    ["flag", "route53", "scale", "flag", "route53", "scale", "auroraGlobal", "webhook", "approval"],
    fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  ),
);

/** For rollback: some steps succeed first, then anything, then a refusal, so runs fail late and have much to undo. */
const rollbackScript: fc.Arbitrary<Scripted[]> = fc
  .tuple(fc.nat({ max: 7 }), fc.array(scripted, { maxLength: 20 }))
  .map(([k, rest]) => [
    ...Array.from({ length: k }, (): Scripted => ({ outcome: "ok", seconds: 1 })),
    ...rest,
    { outcome: "refuse", seconds: 1 },
  ]);

const planSettings: fc.Arbitrary<Pick<BoundPlan, "onFailure" | "timeoutSeconds">> = fc.record({
  onFailure: fc.constantFrom<"Halt" | "Rollback">("Halt", "Rollback"),
  timeoutSeconds: fc.constantFrom(60, 600, 1800, 86_400),
});

const scenario = fc.record({
  steps,
  plan: planSettings,
  script: fc.array(scripted, { maxLength: 40 }),
  dryRun: fc.boolean(),
  approvedUpFront: fc.boolean(),
  unreachable: fc.subarray([FROM, TO, OTHER]),
  cancelAt: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function run(
  s: Scenario,
  from?: { journal: JournalEntry[]; now: number; runStartedAt?: number },
  script = s.script,
): Simulation {
  return simulate({
    steps: s.steps,
    plan: s.plan,
    script,
    dryRun: s.dryRun,
    approved: s.approvedUpFront ? s.steps.filter((x) => x.kind === "approval").map((x) => x.name) : [],
    unreachable: s.unreachable,
    ...(s.cancelAt === undefined ? {} : { cancelAt: s.cancelAt }),
    ...(from ?? {}),
  });
}

const isDone = (journal: JournalEntry[], name: string): boolean => {
  const state = stateOf(entryFor(journal, name));
  return state === "Succeeded" || state === "Skipped";
};

/** The safety of the journal protocol, checked on every action of a trace. */
function assertSafe(sim: Simulation, s: Scenario): void {
  let cancelled = false;
  for (const { action, journal, cancel } of sim.trace) {
    cancelled ||= cancel;
    if (action.type === "execute") {
      const index = s.steps.findIndex((x) => x.name === action.step.name);
      const state = stateOf(entryFor(journal, action.step.name));
      // Never execute a step that completed (nor one whose call may be in flight: that is resume's job).
      expect(["Pending", "Failed", "WaitingApproval"]).toContain(state);
      // Never execute a step before every earlier step is Succeeded or Skipped.
      for (const earlier of s.steps.slice(0, index)) expect(isDone(journal, earlier.name)).toBe(true);
      // Cancel starts nothing: no new step, no retry.
      expect(cancelled).toBe(false);
      expect(action.dryRun).toBe(s.dryRun);
    }
    if (action.type === "resume") expect(stateOf(entryFor(journal, action.step.name))).toBe("Running");
  }
  // The external call of a step never happens again once the step was journaled Succeeded.
  const succeededAt = new Map<string, number>();
  sim.persisted.forEach(({ journal }, i) => {
    for (const x of s.steps)
      if (!succeededAt.has(x.name) && stateOf(entryFor(journal, x.name)) === "Succeeded") succeededAt.set(x.name, i);
  });
  const callsAfter = sim.trace.filter(
    (t) => t.action.type === "execute" && stateOf(entryFor(t.journal, t.action.step.name)) === "Succeeded",
  );
  expect(callsAfter).toEqual([]);
}

describe("engine properties", () => {
  it("(a) from any crash point, a completed step is never executed again and no step runs before its predecessors", () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(scripted, { maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: 0, max: 900 }),
        (s, after, pick, downFor) => {
          const first = run(s);
          assertSafe(first, s);
          if (first.persisted.length === 0) return;
          // Restart from any journal the shell persisted (some leave a step Running), after the controller was down.
          const crash = first.persisted[pick % first.persisted.length]!;
          const resumed = run(s, { ...crash, now: crash.now + downFor * SEC }, after);
          assertSafe(resumed, s);
          expect(resumed.finish).toBeDefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it("(b) a run always finishes, within a number of actions bounded by its steps and its outcomes", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const sim = run(s);
        expect(sim.finish).toBeDefined();
        // Each scripted outcome costs at most 3 actions (it, a backoff wait, the retry); each step at most 4 more
        // (wait, execute, skip/fail, rollback); plus the finish.
        expect(sim.trace.length).toBeLessThanOrEqual(3 * s.script.length + 4 * s.steps.length + 1);
        // Time never stands still at a wait.
        for (const t of sim.trace) if (t.action.type === "wait") expect(t.action.until).toBeGreaterThan(t.now);
        // The finish is absorbing: asking again, later, gives the same end.
        const again = nextAction({
          run: { dryRun: s.dryRun, cancel: sim.trace.at(-1)!.cancel },
          plan: s.plan,
          steps: s.steps,
          journal: sim.journal,
          now: sim.trace.at(-1)!.now + 86_400 * SEC,
          regionReachable: (r) => !s.unreachable.includes(r),
        });
        expect(again).toEqual(sim.finish);
      }),
      { numRuns: 400 },
    );
  });

  it("(c) rollback visits the restorable steps that acted in exact reverse order, never a promotion nor anything before one", () => {
    fc.assert(
      fc.property(scenario, rollbackSteps, rollbackScript, (s0, st, script) => {
        const s: Scenario = { ...s0, steps: st, script, plan: { ...s0.plan, onFailure: "Rollback" }, dryRun: false };
        const sim = run(s);
        const first = sim.trace.findIndex((t) => t.action.type === "rollback");
        const end = sim.finish!;
        const rolledBack = [
          RunReason.RolledBack,
          RunReason.RollbackFailed,
          RunReason.RollbackStoppedAtPromotion,
        ] as string[];
        if (first === -1 && !rolledBack.includes(end.reason)) return;
        const atFailure = sim.trace[first === -1 ? sim.trace.length - 1 : first]!.journal;

        // The specification, independently of rollback.ts: where forward execution stopped, the last promotion
        // that started, and what acted after it.
        const index = (name: string): number => s.steps.findIndex((x) => x.name === name);
        const touched = s.steps.map((x) => stateOf(entryFor(atFailure, x.name)) !== "Pending");
        const stop = touched.lastIndexOf(true);
        const promotions = s.steps
          .map((x, i) =>
            (x.kind === "auroraGlobal" || x.kind === "rdsPromoteReplica") &&
            (entryFor(atFailure, x.name)?.attempts ?? 0) > 0
              ? i
              : -1,
          )
          .filter((i) => i >= 0 && i <= stop);
        const barrier = promotions.length === 0 ? -1 : Math.max(...promotions);
        const expected = s.steps
          .map((x, i) => ({ x, i, e: entryFor(atFailure, x.name) }))
          .filter(({ x, i, e }) => {
            const acted = stateOf(e) === "Succeeded" || (i === stop && stateOf(e) === "Failed");
            return (
              i > barrier &&
              i <= stop &&
              acted &&
              ["flag", "route53", "scale"].includes(x.kind) &&
              x.onRollback === "Restore" &&
              e?.before !== undefined
            );
          })
          .map(({ x }) => x.name)
          .reverse();

        // A crashed restore is asked for again: collapse consecutive repeats to get the order of visits.
        const visits = sim.trace
          .filter((t) => t.action.type === "rollback")
          .map((t) => (t.action as { step: BoundStep }).step.name)
          .filter((name, i, all) => all[i - 1] !== name);
        for (const name of visits) {
          const x = s.steps[index(name)]!;
          expect(x.kind === "auroraGlobal" || x.kind === "rdsPromoteReplica").toBe(false);
          expect(index(name)).toBeGreaterThan(barrier);
        }
        if (end.reason === RunReason.RollbackFailed) expect(expected.slice(0, visits.length)).toEqual(visits);
        else {
          expect(visits).toEqual(expected);
          expect(end.reason).toBe(barrier === -1 ? RunReason.RolledBack : RunReason.RollbackStoppedAtPromotion);
          for (const name of expected) expect(stateOf(entryFor(sim.journal, name))).toBe("RolledBack");
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a run that is not cancelled and meets no failure succeeds, and every step it did not skip succeeded", () => {
    fc.assert(
      fc.property(steps, planSettings, (st, plan) => {
        const sim = simulate({
          steps: st,
          plan: { ...plan, timeoutSeconds: 86_400 },
          script: [],
          approved: st.map((x) => x.name),
        });
        expect(sim.finish).toMatchObject({ phase: "Succeeded" });
        expect(sim.calls).toEqual(st.map((x) => x.name));
      }),
    );
  });
});
