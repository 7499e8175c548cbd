/**
 * The world itself: deterministic, one compare-and-swap winner when two runs read the same record, and a plain
 * outage handled by today's logic with one failover. The racing logic below is also the smallest example of an
 * adapter: everything the world asks of a controller, and nothing else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanOutageArb } from "./arbitraries.js";
import { todayLogic } from "./controller-logic.js";
import { systemLogic } from "./controller-logic-system.js";
import type { ControllerLogic } from "./logic.js";
import { firstViolation } from "./properties.js";
import { formatTimeline } from "./timeline.js";
import { simulate } from "./world.js";

/** Every controller except a's claims "active" for itself once, at its first reconcile. */
const racing: ControllerLogic<{ started: boolean }> = {
  name: "racing",
  initialRecord: (active) => `${active} 1`,
  parseRecord: (value) => {
    const [active = "", epoch = "0", run] = value.split(" ");
    return { active, epoch: Number(epoch), ...(run ? { run } : {}) };
  },
  reconcile: ({ localRegion, stored }) => ({
    stored: { started: true },
    ...(stored?.started || localRegion === "a" ? {} : { startRun: { kind: "Failover", from: "a", to: localRegion } }),
    report: { health: {}, suppressed: false, decision: "race" },
  }),
  restart: (stored) => stored,
  traffic: ({ run, record }) => {
    const epoch = Number(record?.split(" ")[1] ?? 0);
    return { type: "swap", next: `${run.to} ${epoch + 1} ${run.name}` };
  },
  promotion: () => ({ type: "call", mode: "switchover" }),
};

describe("the simulated world", () => {
  const [scenario] = fc.sample(cleanOutageArb({ regions: 3 }), { numRuns: 1, seed: 5 });
  if (!scenario) throw new Error("no scenario");

  it("gives the same history for the same scenario", () => {
    expect(simulate(todayLogic, scenario)).toEqual(simulate(todayLogic, scenario));
  });

  it("lets exactly one of two runs that read the same record win it", () => {
    const raced = {
      ...scenario,
      timing: { ...scenario.timing, phaseMs: { a: 0, b: 0, c: 0 }, casLatencyMs: 500, freezeMs: 0 },
    };
    const history = simulate(racing, raced);
    expect(history.transitions.map((t) => t.epoch)).toEqual([2]);
    expect(history.runs.map((r) => r.outcome)).toContainEqual(expect.stringContaining("compare-and-swap lost"));
    expect(firstViolation(history, ["everyEpochWonOnce"])).toBeUndefined();
  });

  it("fails over once, to the first healthy region, on a plain outage", () => {
    const history = simulate(todayLogic, { ...scenario, policy: { ...scenario.policy, failback: "Manual" } });
    expect(
      history.transitions.map((t) => `${t.from}→${t.to}`),
      formatTimeline(history),
    ).toEqual(["a→b"]);
  });

  it("with the new logic too, and records the run's end in the fencing record", () => {
    const long = { ...scenario, durationMs: scenario.durationMs + 120_000 };
    const history = simulate(systemLogic, { ...long, policy: { ...scenario.policy, failback: "Manual" } });
    expect(
      history.transitions.map((t) => `${t.from}→${t.to}`),
      formatTimeline(history),
    ).toEqual(["a→b"]);
    expect(history.timeline.map((e) => e.what)).toContainEqual(expect.stringMatching(/move is over \(epoch 2\)/));
  });
});
