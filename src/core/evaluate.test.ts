import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PenaltyConfig } from "./dampening/flap-penalty.js";
import { Reason } from "./decision/reasons.js";
import { evaluatePolicy, type Evaluation, type EvaluationState, type ObservedSample } from "./evaluate.js";
import type { ResolvedPolicy } from "./policy.js";

const T0 = Date.UTC(2025, 0, 1);
const SEC = 1000;
const LOCAL = "euw1";

const defaultPenalty: PenaltyConfig = {
  perTransition: 1000,
  halfLifeSeconds: 900,
  suppressAbove: 2000,
  reuseBelow: 750,
  maxSuppressSeconds: 3600,
};

/** use1 (primary) and euw1, each with a local probe "http" and a Route53 check "r53"; Automatic, thresholds 3/5. */
function policy(
  mods: Partial<ResolvedPolicy> = {},
  dampening: Partial<ResolvedPolicy["dampening"]> = {},
): ResolvedPolicy {
  return {
    regions: [
      { name: "use1", role: "primary" },
      { name: "euw1", role: "secondary" },
    ],
    signals: [
      { name: "http", region: "use1" },
      { name: "r53", region: "use1", route53HealthCheck: { healthCheckId: "h-use1" } },
      { name: "http", region: "euw1" },
      { name: "r53", region: "euw1", route53HealthCheck: { healthCheckId: "h-euw1" } },
    ],
    regionUnhealthyWhen: { failingSignals: 1, quorum: 1 },
    dampening: {
      failureThreshold: 3,
      successThreshold: 5,
      holdDownSeconds: 600,
      flapPenalty: defaultPenalty,
      ...dampening,
    },
    automation: { mode: "Automatic", failback: "Automatic" },
    ...mods,
  };
}

function samplesAt(at: number, results: Record<string, boolean>): ObservedSample[] {
  return Object.entries(results).map(([key, ok]) => {
    const [signal = "", region = ""] = key.split("@");
    return { signal, region, ok, at };
  });
}

/** Runs `rounds` evaluations one second apart with the same results; returns the last evaluation. */
function run(
  p: ResolvedPolicy,
  rounds: number,
  results: Record<string, boolean>,
  start: { state?: EvaluationState; t?: number; active?: string } = {},
): Evaluation & { t: number } {
  let state = start.state;
  let t = start.t ?? T0;
  let last: Evaluation | undefined;
  for (let i = 0; i < rounds; i++) {
    t += SEC;
    last = evaluatePolicy(p, state, samplesAt(t, results), {
      activeRegion: start.active ?? "use1",
      runInProgress: false,
      localRegion: LOCAL,
      now: t,
    });
    state = last.state;
  }
  if (last === undefined) throw new Error("no rounds");
  return { ...last, t };
}

const allOk = { "http@use1": true, "r53@use1": true, "http@euw1": true, "r53@euw1": true };
const use1Down = { ...allOk, "http@use1": false, "r53@use1": false };
const use1LocalOnlyDown = { ...allOk, "http@use1": false };

describe("evaluatePolicy", () => {
  it("starts with every region Unknown and does nothing", () => {
    const e = evaluatePolicy(policy(), undefined, [], {
      activeRegion: "use1",
      runInProgress: false,
      localRegion: LOCAL,
      now: T0,
    });
    expect(e.verdicts.map((v) => v.health)).toEqual(["Unknown", "Unknown"]);
    expect(e.decision).toMatchObject({ kind: "Stay", reason: Reason.ActiveUnknown });
    expect(e.state.signals.map((s) => [s.signal, s.region, s.observer, s.health])).toEqual([
      ["http", "use1", "controller/euw1", "Unknown"],
      ["r53", "use1", "route53", "Unknown"],
      ["http", "euw1", "controller/euw1", "Unknown"],
      ["r53", "euw1", "route53", "Unknown"],
    ]);
  });

  it("is Healthy after successThreshold rounds, not before", () => {
    expect(run(policy(), 4, allOk).verdicts.map((v) => v.health)).toEqual(["Unknown", "Unknown"]);
    const e = run(policy(), 5, allOk);
    expect(e.verdicts.map((v) => v.health)).toEqual(["Healthy", "Healthy"]);
    expect(e.decision).toMatchObject({ kind: "Stay", reason: Reason.ActiveHealthy });
  });

  it("fails over on the failureThreshold-th failing round, not before", () => {
    const healthy = run(policy(), 5, allOk);
    const two = run(policy(), 2, use1Down, { state: healthy.state, t: healthy.t });
    expect(two.decision.kind).toBe("Stay");
    const three = run(policy(), 3, use1Down, { state: healthy.state, t: healthy.t });
    expect(three.decision).toMatchObject({
      kind: "Failover",
      from: "use1",
      to: "euw1",
      reason: Reason.ActiveUnhealthy,
    });
    expect(three.verdicts[0]).toMatchObject({ health: "Unhealthy", failingSignals: ["http", "r53"] });
  });

  it("with quorum 2, the local probe alone does not fail a region over (invariant 3)", () => {
    const p = policy({ regionUnhealthyWhen: { failingSignals: 1, quorum: 2 } });
    const healthy = run(p, 5, allOk);
    const local = run(p, 10, use1LocalOnlyDown, { state: healthy.state, t: healthy.t });
    // Neither side has a quorum: the region is no longer judged Healthy (a target) nor Unhealthy (a source).
    expect(local.verdicts[0]).toMatchObject({
      health: "Unknown",
      failingSignals: ["http"],
      failingObservers: ["controller/euw1"],
      healthyObservers: ["route53"],
    });
    expect(local.decision.kind).toBe("Stay");
    const both = run(p, 3, use1Down, { state: healthy.state, t: healthy.t });
    expect(both.decision.kind).toBe("Failover");
  });

  it("counts the peers' published views as observers, and a stale view as absent", () => {
    const p = policy(
      {
        signals: [
          { name: "http", region: "use1" },
          { name: "http", region: "euw1" },
        ],
        regionUnhealthyWhen: { failingSignals: 1, quorum: 2 },
      },
      { holdDownSeconds: 0 },
    );
    const localDown = { "http@use1": false, "http@euw1": true };
    const healthy = run(p, 5, { "http@use1": true, "http@euw1": true });
    const t = healthy.t + SEC;
    const peer = (at: number, use1: "Healthy" | "Unhealthy") => ({
      observer: "controller/use1",
      at,
      regions: [
        { region: "use1", health: use1, failingSignals: use1 === "Unhealthy" ? ["http"] : [] },
        { region: "euw1", health: "Healthy" as const, failingSignals: [] },
      ],
    });
    const evaluate = (peerViews: ReturnType<typeof peer>[]) => {
      let state = healthy.state;
      let e: Evaluation | undefined;
      for (let i = 0; i < 3; i++) {
        e = evaluatePolicy(p, state, samplesAt(t + i * SEC, localDown), {
          activeRegion: "use1",
          runInProgress: false,
          localRegion: LOCAL,
          peerViews,
          now: t + i * SEC,
        });
        state = e.state;
      }
      if (e === undefined) throw new Error("no evaluation");
      return e;
    };
    // use1's own controller agrees: two observers condemn use1, and two find euw1 Healthy: a target.
    const agreed = evaluate([peer(t, "Unhealthy")]);
    expect(agreed.verdicts.map((v) => v.health)).toEqual(["Unhealthy", "Healthy"]);
    expect(agreed.decision).toMatchObject({ kind: "Failover", to: "euw1" });
    // use1's controller sees itself fine: one observer's word is not enough (and euw1 is still a target).
    expect(evaluate([peer(t, "Healthy")]).decision.kind).toBe("Stay");
    // A view older than the limit is absent: euw1 then has only its own controller's word and is no target.
    const stale = evaluate([peer(t - 200 * SEC, "Unhealthy")]);
    expect(stale.verdicts.map((v) => v.health)).toEqual(["Unknown", "Unknown"]);
    expect(stale.decision.kind).toBe("Stay");
    // A peer view claiming to be this controller is not counted twice.
    const impostor = evaluate([{ ...peer(t, "Unhealthy"), observer: "controller/euw1" }]);
    expect(impostor.verdicts[0]?.health).toBe("Unknown");
    // What this controller publishes for its peers is its own view only.
    expect(agreed.view).toMatchObject({
      observer: "controller/euw1",
      regions: [
        { region: "use1", health: "Unhealthy" },
        { region: "euw1", health: "Healthy" },
      ],
    });
  });

  it("takes hold-down, suppression and a move in progress from the system (the fencing record)", () => {
    const healthy = run(policy(), 5, allOk);
    const t = healthy.t;
    const down = (system: Parameters<typeof evaluatePolicy>[3]["system"]) => {
      let state = healthy.state;
      let e: Evaluation | undefined;
      for (let i = 1; i <= 3; i++) {
        e = evaluatePolicy(policy(), state, samplesAt(t + i * SEC, use1Down), {
          activeRegion: "use1",
          runInProgress: false,
          localRegion: LOCAL,
          ...(system ? { system } : {}),
          now: t + i * SEC,
        });
        state = e.state;
      }
      if (e === undefined) throw new Error("no evaluation");
      return e.decision;
    };
    expect(down(undefined).kind).toBe("Failover");
    expect(down({ lastTransitionAt: t - 60 * SEC, penalty: 1000, suppressed: false })).toMatchObject({
      kind: "Suppressed",
      reason: Reason.HoldDown,
      until: t + 540 * SEC,
    });
    expect(down({ penalty: 2500, suppressed: true, suppressedUntil: t + 900 * SEC })).toMatchObject({
      kind: "Suppressed",
      reason: Reason.FlapSuppressed,
    });
    expect(
      down({ penalty: 0, suppressed: false, moveInProgress: { run: "theirs", until: t + 99 * SEC } }),
    ).toMatchObject({
      kind: "Stay",
      reason: Reason.RunInProgress,
      message: "FailoverRun theirs of this policy is in progress.",
    });
  });

  it("ignores samples of unknown signals and samples dated after now", () => {
    const healthy = run(policy(), 5, allOk);
    const t = healthy.t + SEC;
    const noise: ObservedSample[] = [
      { signal: "nope", region: "use1", ok: false, at: t },
      { signal: "http", region: "apse1", ok: false, at: t },
      { signal: "http", region: "use1", ok: false, at: t + 60 * SEC },
    ];
    const e = evaluatePolicy(policy(), healthy.state, noise, {
      activeRegion: "use1",
      runInProgress: false,
      localRegion: LOCAL,
      now: t,
    });
    expect(e.state).toEqual(healthy.state);
  });

  it("follows the spec: new signals start Unknown, removed signals and regions are dropped", () => {
    const healthy = run(policy(), 5, allOk);
    const edited = policy({
      regions: [
        { name: "use1", role: "primary" },
        { name: "apse1", role: "secondary" },
      ],
      signals: [
        { name: "http", region: "use1" },
        { name: "latency", region: "use1" },
        { name: "http", region: "apse1" },
        { name: "ghost", region: "nowhere" },
      ],
    });
    const e = evaluatePolicy(edited, healthy.state, [], {
      activeRegion: "use1",
      runInProgress: false,
      localRegion: LOCAL,
      now: healthy.t + SEC,
    });
    expect(e.state.signals.map((s) => `${s.signal}@${s.region}:${s.health}`)).toEqual([
      "http@use1:Healthy",
      "latency@use1:Unknown",
      "http@apse1:Unknown",
    ]);
    expect(e.state.regions.map((r) => `${r.name}:${r.health}`)).toEqual(["use1:Unknown", "apse1:Unknown"]);
  });

  it("starts a signal over when its observer changes", () => {
    const healthy = run(policy(), 5, allOk);
    const moved = policy({
      signals: [
        { name: "http", region: "use1", route53HealthCheck: { healthCheckId: "now-r53" } },
        { name: "http", region: "euw1" },
      ],
    });
    const e = evaluatePolicy(moved, healthy.state, [], {
      activeRegion: "use1",
      runInProgress: false,
      localRegion: LOCAL,
      now: healthy.t + SEC,
    });
    expect(e.state.signals.map((s) => [s.observer, s.health])).toEqual([
      ["route53", "Unknown"],
      ["controller/euw1", "Healthy"],
    ]);
  });

  it("carries lastAutomaticTransitionAt and applies the hold-down with it", () => {
    const healthy = run(policy(), 5, allOk);
    const state = { ...healthy.state, lastAutomaticTransitionAt: healthy.t - 60 * SEC };
    const e = run(policy(), 3, use1Down, { state, t: healthy.t });
    expect(e.state.lastAutomaticTransitionAt).toBe(healthy.t - 60 * SEC);
    expect(e.decision).toMatchObject({ kind: "Suppressed", reason: Reason.HoldDown, until: healthy.t + 540 * SEC });
  });

  it("reports each region's penalty and suppression for status", () => {
    const p = policy({}, { holdDownSeconds: 0 });
    let e = run(p, 5, allOk);
    // Three quick transitions of use1: down, up, down.
    e = run(p, 3, use1Down, { state: e.state, t: e.t });
    e = run(p, 5, allOk, { state: e.state, t: e.t, active: "euw1" });
    e = run(p, 3, use1Down, { state: e.state, t: e.t });
    const use1 = e.regions[0];
    expect(use1?.penalty).toBeGreaterThan(2000);
    expect(use1).toMatchObject({ suppressed: true, suppressedNotAfter: e.t + 3600 * SEC });
    expect(use1?.suppressedUntil).toBeLessThanOrEqual(e.t + 3600 * SEC);
    expect(e.decision).toMatchObject({
      kind: "Suppressed",
      reason: Reason.FlapSuppressed,
      until: use1?.suppressedUntil,
    });
  });

  it("the order of samples within a batch does not matter when their times differ", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.constantFrom("http@use1", "r53@use1", "http@euw1"),
            ok: fc.boolean(),
            dt: fc.integer({ min: 0, max: 20_000 }),
          }),
          { maxLength: 40 },
        ),
        fc.integer(),
        (raw, seed) => {
          // Distinct times per signal: equal times are a duplicate delivery, where batch order does decide.
          const seen = new Set<string>();
          const samples = raw
            .filter((s) => !seen.has(`${s.key}/${s.dt}`) && seen.add(`${s.key}/${s.dt}`))
            .flatMap((s) => samplesAt(T0 + s.dt, { [s.key]: s.ok }));
          const shuffled = [...samples].sort((a, b) => ((a.at * 31 + seed) % 7) - ((b.at * 31 + seed) % 7));
          const ctx = { activeRegion: "use1", runInProgress: false as const, localRegion: LOCAL, now: T0 + 30_000 };
          const p = policy({}, { failureThreshold: 2, successThreshold: 2 });
          expect(evaluatePolicy(p, undefined, shuffled, ctx)).toEqual(evaluatePolicy(p, undefined, samples, ctx));
        },
      ),
    );
  });

  it("is deterministic and does not modify its inputs", () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 1, max: 20 }),
        (oks, rounds) => {
          const results = Object.fromEntries(Object.keys(allOk).map((k, i) => [k, oks[i] ?? true]));
          const p = policy({}, { failureThreshold: 2, successThreshold: 2 });
          const before = run(p, rounds, results);
          const frozenState = structuredClone(before.state);
          const frozenPolicy = structuredClone(p);
          const samples = samplesAt(before.t + SEC, results);
          const ctx = { activeRegion: "use1", runInProgress: false as const, localRegion: LOCAL, now: before.t + SEC };
          const a = evaluatePolicy(p, before.state, samples, ctx);
          const b = evaluatePolicy(structuredClone(p), structuredClone(before.state), structuredClone(samples), ctx);
          expect(a).toEqual(b);
          expect(before.state).toEqual(frozenState);
          expect(p).toEqual(frozenPolicy);
        },
      ),
    );
  });
});

// ── Simulating the shell over time ─────────────────────────────────────────────────────────────────────────────────

interface Step {
  /** Seconds since the previous evaluation. */
  dt: number;
  /** Per region index, whether its signals pass. */
  up: boolean[];
  /** How many evaluations (dt apart) these results last: runs long enough to cross thresholds. */
  repeat: number;
}

interface Transition {
  at: number;
  kind: string;
  to: string;
  toHealth: string | undefined;
}

/** The shell, reduced to what the core relies on: on Failover/Failback it moves the active region and records now. */
function simulate(p: ResolvedPolicy, steps: Step[], onEvaluation?: (e: Evaluation, now: number) => void) {
  let state: EvaluationState | undefined;
  let active = p.regions[0]?.name ?? "";
  let t = T0;
  const transitions: Transition[] = [];
  for (const step of steps) {
    for (let i = 0; i < step.repeat; i++) {
      t += step.dt * SEC;
      const samples = p.signals.map((s) => ({
        signal: s.name,
        region: s.region,
        ok: step.up[p.regions.findIndex((r) => r.name === s.region)] ?? true,
        at: t,
      }));
      const e = evaluatePolicy(p, state, samples, {
        activeRegion: active,
        runInProgress: false,
        localRegion: LOCAL,
        now: t,
      });
      onEvaluation?.(e, t);
      state = e.state;
      if ((e.decision.kind === "Failover" || e.decision.kind === "Failback") && e.decision.to !== undefined) {
        const to = e.decision.to;
        transitions.push({
          at: t,
          kind: e.decision.kind,
          to,
          toHealth: e.verdicts.find((v) => v.region === to)?.health,
        });
        active = to;
        state = { ...state, lastAutomaticTransitionAt: t };
      }
    }
  }
  return { transitions, state, t, active };
}

const threeRegions = (
  failback: "Automatic" | "Manual",
  holdDownSeconds: number,
  f: number,
  s: number,
): ResolvedPolicy =>
  policy(
    {
      regions: [
        { name: "use1", role: "primary" },
        { name: "euw1", role: "secondary" },
        { name: "apse1", role: "secondary" },
      ],
      signals: [
        { name: "http", region: "use1" },
        { name: "http", region: "euw1" },
        { name: "r53", region: "euw1", route53HealthCheck: { healthCheckId: "x" } },
        { name: "http", region: "apse1" },
      ],
    },
    { holdDownSeconds, failureThreshold: f, successThreshold: s },
  );

describe("properties over time", () => {
  it("(a) automatic transitions are never closer than holdDownSeconds, and always go to a Healthy region", () => {
    let total = 0;
    fc.assert(
      fc.property(
        fc.constantFrom<"Automatic" | "Manual">("Automatic", "Manual"),
        fc.integer({ min: 0, max: 1800 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1, max: 300 }),
            up: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
            repeat: fc.integer({ min: 1, max: 8 }),
          }),
          { maxLength: 60 },
        ),
        (failback, holdDown, f, s, steps) => {
          const { transitions } = simulate(threeRegions(failback, holdDown, f, s), steps);
          total += transitions.length;
          for (let i = 1; i < transitions.length; i++) {
            const gap = (transitions[i]?.at ?? 0) - (transitions[i - 1]?.at ?? 0);
            expect(gap).toBeGreaterThanOrEqual(holdDown * SEC);
          }
          for (const tr of transitions) expect(tr.toHealth).toBe("Healthy");
        },
      ),
      { numRuns: 300 },
    );
    // The property above must not hold vacuously: the generated runs do fail over and back.
    expect(total).toBeGreaterThan(100);
  });

  it("(b) a flapping region gets suppressed, and suppression ends within maxSuppressSeconds once flapping stops", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 30 }),
        fc.record({
          perTransition: fc.integer({ min: 500, max: 1500 }),
          halfLifeSeconds: fc.integer({ min: 300, max: 1800 }),
          suppressAbove: fc.integer({ min: 1000, max: 3000 }),
          reuseBelow: fc.integer({ min: 0, max: 999 }),
          maxSuppressSeconds: fc.integer({ min: 60, max: 7200 }),
        }),
        fc.integer({ min: 4, max: 12 }),
        (f, s, interval, flapPenalty, cycles) => {
          // Only configurations where this much flapping must build up more than suppressAbove.
          const q = Math.pow(2, (-Math.max(f, s) * interval) / flapPenalty.halfLifeSeconds);
          const flaps = 2 * cycles;
          fc.pre((flapPenalty.perTransition * (1 - Math.pow(q, flaps))) / (1 - q) > flapPenalty.suppressAbove * 1.01);

          const p = policy(
            {
              regions: [
                { name: "use1", role: "primary" },
                { name: "euw1", role: "secondary" },
              ],
              signals: [
                { name: "http", region: "use1" },
                { name: "http", region: "euw1" },
              ],
            },
            { failureThreshold: f, successThreshold: s, holdDownSeconds: 0, flapPenalty },
          );
          const flapping: Step[] = [{ dt: interval, up: [true, true], repeat: s }];
          for (let c = 0; c < cycles; c++) {
            flapping.push(
              { dt: interval, up: [false, true], repeat: f },
              { dt: interval, up: [true, true], repeat: s },
            );
          }

          let sawSuppressedDecision = false;
          let maxPenalty = 0;
          const during = simulate(p, flapping, (e, now) => {
            const use1 = e.regions[0];
            maxPenalty = Math.max(maxPenalty, use1?.penalty ?? 0);
            if (e.decision.reason === Reason.FlapSuppressed) sawSuppressedDecision = true;
            // Whenever suppressed, it is within maxSuppressSeconds of its start.
            if (use1?.suppressed) expect(now).toBeLessThan(use1.suppressedNotAfter ?? -Infinity);
          });
          expect(maxPenalty).toBeGreaterThan(flapPenalty.suppressAbove);
          expect(sawSuppressedDecision).toBe(true);

          // Flapping stops: use1 stays up. Its last flap was its last change of health.
          const lastFlapAt = during.state?.regions[0]?.since ?? NaN;
          const quiet: Step[] = [
            { dt: interval, up: [true, true], repeat: Math.ceil(flapPenalty.maxSuppressSeconds / interval) + 2 },
          ];
          simulate(p, [...flapping, ...quiet], (e, now) => {
            if (now >= lastFlapAt + flapPenalty.maxSuppressSeconds * SEC) {
              expect(e.regions[0]?.suppressed).toBe(false);
              expect(e.regions[1]?.suppressed).toBe(false);
              expect(e.decision.reason).not.toBe(Reason.FlapSuppressed);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
    // Thousands of evaluations: generous, since the suite shares two cores with apiservers and emulators.
  }, 120_000);
});
