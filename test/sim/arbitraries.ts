/**
 * fast-check generators of scenarios: a general one (any views, flapping, partitions, crashes, timings), and narrower
 * families that put each of issue 9's measured situations within a few shrinks. Times are whole tenths of a second so
 * that shrunk timelines read well.
 */
import fc from "fast-check";
import type { SimPolicy } from "./logic.js";
import {
  controllerOf,
  ROUTE53,
  type Crash,
  type Outage,
  type Scenario,
  type Timing,
  type ViewOverride,
} from "./scenario.js";

const NAMES = ["a", "b", "c"] as const;

const ms = (min: number, max: number) => fc.integer({ min: min * 10, max: max * 10 }).map((x) => x * 100);

export interface PolicyOptions {
  regions: number;
  /** A scenario's length, in the policy's intervals (a reconcile per interval per controller is what it costs). */
  intervals?: { min: number; max: number };
  /** At most this many controller crashes (default 2). */
  maxCrashes?: number;
  holdDownIntervals?: fc.Arbitrary<number>;
  quorum?: fc.Arbitrary<number | undefined>;
  route53Signals?: fc.Arbitrary<boolean>;
  failback?: fc.Arbitrary<"Automatic" | "Manual">;
}

export function policyArb(o: PolicyOptions): fc.Arbitrary<SimPolicy> {
  const regions = NAMES.slice(0, o.regions).map((name, i) => ({
    name,
    role: i === 0 ? ("primary" as const) : ("secondary" as const),
  }));
  return fc
    .record({
      route53Signals: o.route53Signals ?? fc.boolean(),
      intervalSeconds: fc.constantFrom(1, 2),
      failureThreshold: fc.integer({ min: 1, max: 3 }),
      successThreshold: fc.integer({ min: 1, max: 3 }),
      holdDownIntervals: o.holdDownIntervals ?? fc.integer({ min: 3, max: 15 }),
      quorum: o.quorum ?? fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      failback: o.failback ?? fc.constantFrom<"Automatic" | "Manual">("Automatic", "Automatic", "Manual"),
      halfLifeSeconds: fc.integer({ min: 60, max: 600 }),
      maxSuppressFactor: fc.integer({ min: 2, max: 4 }),
    })
    .map(({ halfLifeSeconds, maxSuppressFactor, quorum, holdDownIntervals, ...p }) => ({
      regions,
      ...p,
      holdDownSeconds: holdDownIntervals * p.intervalSeconds,
      ...(quorum !== undefined ? { quorum } : {}),
      flapPenalty: {
        perTransition: 1000,
        halfLifeSeconds,
        suppressAbove: 2000,
        reuseBelow: 750,
        maxSuppressSeconds: halfLifeSeconds * maxSuppressFactor,
      },
    }));
}

export function timingArb(regions: readonly string[], intervalSeconds: number): fc.Arbitrary<Timing> {
  return fc.record({
    phaseMs: fc.record(Object.fromEntries(regions.map((r) => [r, ms(0, intervalSeconds - 0.1)]))),
    casLatencyMs: ms(0, 2),
    freezeMs: ms(0, 2),
    promotionMs: ms(1, 30),
    waitMs: ms(0, 10),
    approvalMs: fc.oneof(fc.constant(0), ms(5, 60)),
    cacheMs: fc.constant(5000),
    peerLagMs: ms(0, 3),
  });
}

function outageArb(durationMs: number): fc.Arbitrary<Outage> {
  return fc.record({
    at: ms(0, durationMs / 1000),
    downMs: ms(2, 60),
    repeat: fc.integer({ min: 1, max: 6 }),
    upMs: ms(2, 30),
  });
}

function overrideArb(observers: readonly string[], regions: readonly string[], durationMs: number) {
  return fc
    .record({
      observer: fc.constantFrom(...observers),
      region: fc.constantFrom(...regions),
      from: ms(0, durationMs / 1000),
      lengthMs: ms(5, durationMs / 1000),
      up: fc.boolean(),
    })
    .map(({ lengthMs, ...o }): ViewOverride => ({ ...o, to: o.from + lengthMs }));
}

function crashArb(regions: readonly string[], durationMs: number): fc.Arbitrary<Crash> {
  return fc.record({ region: fc.constantFrom(...regions), at: ms(0, durationMs / 1000), downMs: ms(1, 40) });
}

/**
 * 16 to 40 intervals: long enough for a failover, a failback inside or after hold-down and the start of a suppression,
 * short enough for ten thousand scenarios in a minute. Families that need longer (flapping) ask for it.
 */
const defaultIntervals = { min: 16, max: 40 };

/** Anything: views, flapping, partitions, crashes, stray runs, all timings. */
export function scenarioArb(o: PolicyOptions): fc.Arbitrary<Scenario> {
  return policyArb(o).chain((policy) => {
    const regions = policy.regions.map((r) => r.name);
    const observers = [...regions.map(controllerOf), ...(policy.route53Signals ? [ROUTE53] : [])];
    // Sized in intervals, not seconds: a reconcile per interval per controller is what a scenario costs.
    return fc.integer(o.intervals ?? defaultIntervals).chain((intervals) => {
      const seconds = intervals * policy.intervalSeconds;
      const durationMs = seconds * 1000;
      return fc.record({
        policy: fc.constant(policy),
        durationMs: fc.constant(durationMs),
        outages: fc.record(
          Object.fromEntries(regions.map((r) => [r, fc.array(outageArb(durationMs), { maxLength: 2 })])),
        ),
        overrides: fc.array(overrideArb(observers, regions, durationMs), { maxLength: 3 }),
        crashes: fc.array(crashArb(regions, durationMs), { maxLength: o.maxCrashes ?? 2 }),
        timing: timingArb(regions, policy.intervalSeconds),
        stray: fc.option(
          fc.record({
            cluster: fc.constantFrom(...regions),
            from: fc.constant("a"),
            to: fc.constant("x"),
            at: ms(0, seconds),
          }),
          { nil: undefined, freq: 10 },
        ),
      });
    });
  });
}

export interface FixedViews {
  /** Regions down for every observer from `at` to the end. */
  down?: string[];
  /** Observers that see `region` otherwise from `from` (default 5 s) to the end. */
  odd?: { observers: string[]; region: string; up: boolean; from?: number }[];
}

/**
 * Views fixed by the family (who sees what), everything else (policy, timings, duration) generated: issue 9's
 * asymmetric views, where one observer alone condemns a region, or alone finds it healthy.
 */
export function fixedViewsArb(o: PolicyOptions & FixedViews): fc.Arbitrary<Scenario> {
  return fc.tuple(scenarioArb(o), ms(0, 10)).map(([s, at]) => {
    const scenario: Scenario = {
      ...s,
      outages: Object.fromEntries(
        s.policy.regions.map((r) => [
          r.name,
          o.down?.includes(r.name) ? [{ at, downMs: s.durationMs, repeat: 1, upMs: 0 }] : [],
        ]),
      ),
      overrides: (o.odd ?? []).flatMap(({ observers, region, up, from = 5000 }) =>
        observers.map((observer) => ({ observer, region, from, to: s.durationMs, up })),
      ),
      crashes: [],
    };
    delete scenario.stray;
    return scenario;
  });
}

/** Region a flaps for every observer; nothing else goes wrong. */
export function flappingArb(o: PolicyOptions): fc.Arbitrary<Scenario> {
  return fc
    .tuple(
      scenarioArb({ intervals: { min: 40, max: 80 }, ...o }),
      ms(3, 20),
      ms(3, 20),
      fc.integer({ min: 4, max: 12 }),
    )
    .map(([s, downMs, upMs, repeat]) => ({
      ...s,
      outages: {
        ...Object.fromEntries(s.policy.regions.map((r) => [r.name, []])),
        a: [{ at: 5000, downMs, upMs, repeat }],
      },
      overrides: [],
      crashes: [],
      stray: undefined,
    }));
}

/** Region a goes down for every observer and stays down: the plain outage every failover exists for. */
export function cleanOutageArb(o: PolicyOptions & { stray?: boolean }): fc.Arbitrary<Scenario> {
  const outage = fixedViewsArb({ ...o, down: ["a"] });
  // A stray run in the failover target's cluster, there from the start (a dry run applied in the wrong cluster).
  return o.stray ? outage.map((s) => ({ ...s, stray: { cluster: "b", from: "a", to: "x", at: 1000 } })) : outage;
}

/**
 * Region a is briefly down for everyone, so b fails over and, a being back, a fails back as soon as hold-down allows;
 * b's run takes about as long as the hold-down (its approval step), so the failback comes within a record cache's
 * lifetime of the failover's end.
 */
export function quickFailbackArb(o: PolicyOptions): fc.Arbitrary<Scenario> {
  return fc
    .tuple(scenarioArb({ failback: fc.constant<"Automatic" | "Manual">("Automatic"), ...o }), ms(2, 10), ms(0, 4.5))
    .map(([s, downMs, early]) => {
      const scenario: Scenario = {
        ...s,
        outages: {
          ...Object.fromEntries(s.policy.regions.map((r) => [r.name, []])),
          a: [{ at: 1000, downMs, repeat: 1, upMs: 0 }],
        },
        overrides: [],
        crashes: [],
        timing: { ...s.timing, approvalMs: Math.max(5000, s.policy.holdDownSeconds * 1000 - early) },
      };
      delete scenario.stray;
      return scenario;
    });
}

/**
 * Three regions; c goes down for everyone and stays down, while the controllers of a and b are dead (crashed just
 * before, for longer than the dampening needs): c's own controller is the one live observer.
 */
export function deadPeersArb(o: Omit<PolicyOptions, "regions">): fc.Arbitrary<Scenario> {
  return fc
    .tuple(fixedViewsArb({ route53Signals: fc.constant(false), ...o, regions: 3, down: ["c"] }), ms(0, 5), ms(30, 60))
    .map(([s, at, downMs]) => ({
      ...s,
      crashes: [
        { region: "a", at, downMs },
        { region: "b", at, downMs },
      ],
    }));
}

/**
 * Two regions, quorum 1: a's own controller alone sees a down (so b takes over, and nothing moves back while it does);
 * b's controller then sees b down for a while, and dies still condemning b. When a's controller finds a healthy
 * again, long after, b's last view is the only word against b.
 */
export function deadPeerCondemnsArb(): fc.Arbitrary<Scenario> {
  return fc.tuple(scenarioArb({ regions: 2 }), ms(30, 50)).map(([s, backAt]): Scenario => {
    const policy = { ...s.policy, quorum: 1, route53Signals: false, intervalSeconds: 1 };
    return {
      ...s,
      policy: { ...policy, holdDownSeconds: Math.min(policy.holdDownSeconds, 15) },
      durationMs: backAt + 30_000,
      outages: { a: [], b: [] },
      overrides: [
        { observer: controllerOf("a"), region: "a", from: 0, to: backAt, up: false },
        { observer: controllerOf("b"), region: "b", from: 8000, to: 20_000, up: false },
      ],
      crashes: [{ region: "b", at: 20_000, downMs: backAt + 60_000 }],
      timing: { ...s.timing, approvalMs: 0, waitMs: 0 },
    };
  });
}

/**
 * Three regions, quorum 2, with Route53's checkers: c's controller dies while all is well (its last view finds every
 * region Healthy); then b goes down for every controller (Route53 still sees it up), and well after, a goes down for
 * everyone. b's own controller condemns b; Route53 and c's last view vouch for it.
 */
export function deadPeerVouchesArb(): fc.Arbitrary<Scenario> {
  return fc.tuple(scenarioArb({ regions: 3 }), ms(0, 3), ms(40, 60)).map(([s, gap, later]): Scenario => {
    const crashAt = 10_000;
    const downAt = crashAt + gap;
    const durationMs = downAt + later + 40_000;
    const rest = (at: number) => [{ at, downMs: durationMs, repeat: 1, upMs: 0 }];
    const scenario: Scenario = {
      ...s,
      policy: { ...s.policy, quorum: 2, route53Signals: true, failback: "Manual" },
      durationMs,
      outages: { a: rest(downAt + later), b: rest(downAt), c: [] },
      overrides: [{ observer: ROUTE53, region: "b", from: 0, to: durationMs, up: true }],
      crashes: [{ region: "c", at: crashAt, downMs: durationMs }],
    };
    delete scenario.stray;
    return scenario;
  });
}
