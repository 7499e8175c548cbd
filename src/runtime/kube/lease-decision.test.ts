import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  afterSuccessfulWrite,
  decideLease,
  isLeading,
  leaderElectionConfig,
  notLeading,
  releasedRecord,
  type ElectorState,
  type LeaderElectionConfig,
  type LeaseDecision,
  type LeaseRecord,
  type ObservedLease,
} from "./lease-decision.js";

const config = leaderElectionConfig(); // 15 s / 10 s / 2 s
const t0 = 1_700_000_000_000;

function record(overrides: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    holderIdentity: "other",
    leaseDurationSeconds: 15,
    acquireTime: t0 - 60_000,
    renewTime: t0,
    leaseTransitions: 3,
    ...overrides,
  };
}

function seen(overrides: Partial<LeaseRecord> = {}, observedAt = t0): ObservedLease {
  return { record: record(overrides), observedAt };
}

const leadingSince = (renewedAt: number): ElectorState => ({ leading: true, renewedAt });

describe("leaderElectionConfig", () => {
  it("defaults to controller-runtime's 15 s / 10 s / 2 s", () => {
    expect(leaderElectionConfig()).toEqual({
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    });
  });

  it.each([
    [{ leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }, /leaseDurationSeconds/],
    [{ renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }, /renewDeadlineSeconds/],
    [{ retryPeriodSeconds: 0 }, /retryPeriodSeconds/],
  ])("refuses %o, under which two leaders could overlap", (partial, message) => {
    expect(() => leaderElectionConfig(partial)).toThrow(message);
  });

  it("accepts the short timings of the integration test (3 s / 2 s / 0.5 s)", () => {
    expect(() =>
      leaderElectionConfig({ leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 }),
    ).not.toThrow();
  });
});

describe("decideLease", () => {
  const cases: {
    name: string;
    observed: ObservedLease | undefined;
    state: ElectorState;
    now: number;
    expected: LeaseDecision;
  }[] = [
    {
      name: "no Lease yet: create it, first term",
      observed: undefined,
      state: notLeading,
      now: t0,
      expected: {
        action: "acquire",
        record: { holderIdentity: "me", leaseDurationSeconds: 15, acquireTime: t0, renewTime: t0, leaseTransitions: 0 },
      },
    },
    {
      name: "held by another and seen less than the lease duration ago: wait",
      observed: seen({}, t0),
      state: notLeading,
      now: t0 + 14_999,
      expected: { action: "wait", holder: "other", expiresAt: t0 + 15_000 },
    },
    {
      name: "held by another, unchanged for the lease duration: take it over, one more transition",
      observed: seen({}, t0),
      state: notLeading,
      now: t0 + 15_000,
      expected: {
        action: "acquire",
        record: {
          holderIdentity: "me",
          leaseDurationSeconds: 15,
          acquireTime: t0 + 15_000,
          renewTime: t0 + 15_000,
          leaseTransitions: 4,
        },
      },
    },
    {
      name: "expiry counts from when we saw it, not from the holder's renewTime (clocks may differ)",
      observed: seen({ renewTime: t0 - 3_600_000 }, t0),
      state: notLeading,
      now: t0 + 1_000,
      expected: { action: "wait", holder: "other", expiresAt: t0 + 15_000 },
    },
    {
      name: "expiry uses the duration the holder declared",
      observed: seen({ leaseDurationSeconds: 40 }, t0),
      state: notLeading,
      now: t0 + 20_000,
      expected: { action: "wait", holder: "other", expiresAt: t0 + 40_000 },
    },
    {
      name: "released (no holder): take it at once",
      observed: seen({ holderIdentity: "", leaseDurationSeconds: 1 }, t0),
      state: notLeading,
      now: t0,
      expected: {
        action: "acquire",
        record: { holderIdentity: "me", leaseDurationSeconds: 15, acquireTime: t0, renewTime: t0, leaseTransitions: 4 },
      },
    },
    {
      name: "held by us while leading: renew, same term",
      observed: seen({ holderIdentity: "me", acquireTime: t0 - 5_000, renewTime: t0 - 2_000 }, t0 - 2_000),
      state: leadingSince(t0 - 2_000),
      now: t0,
      expected: {
        action: "renew",
        record: {
          holderIdentity: "me",
          leaseDurationSeconds: 15,
          acquireTime: t0 - 5_000,
          renewTime: t0,
          leaseTransitions: 3,
        },
      },
    },
    {
      name: "held by us but not leading (restart, or stepped down after a slow renewal): acquire, no transition",
      observed: seen({ holderIdentity: "me", acquireTime: t0 - 5_000 }, t0),
      state: notLeading,
      now: t0 + 1_000,
      expected: {
        action: "acquire",
        record: {
          holderIdentity: "me",
          leaseDurationSeconds: 15,
          acquireTime: t0 - 5_000,
          renewTime: t0 + 1_000,
          leaseTransitions: 3,
        },
      },
    },
    {
      name: "leading but the last renewal is a renew deadline old: lost",
      observed: seen({ holderIdentity: "me" }, t0),
      state: leadingSince(t0),
      now: t0 + 10_000,
      expected: { action: "lost", reason: "RenewDeadlineExceeded", holder: "me" },
    },
    {
      name: "leading but the Lease names another holder: lost",
      observed: seen({ holderIdentity: "other" }, t0),
      state: leadingSince(t0),
      now: t0 + 1_000,
      expected: { action: "lost", reason: "LeaseHeldByAnother", holder: "other" },
    },
    {
      name: "leading but the Lease was released by someone else: lost",
      observed: seen({ holderIdentity: "" }, t0),
      state: leadingSince(t0),
      now: t0 + 1_000,
      expected: { action: "lost", reason: "LeaseReleased", holder: undefined },
    },
    {
      name: "leading but the Lease was deleted: lost",
      observed: undefined,
      state: leadingSince(t0),
      now: t0 + 1_000,
      expected: { action: "lost", reason: "LeaseDeleted", holder: undefined },
    },
  ];

  it.each(cases)("$name", ({ observed, state, now, expected }) => {
    expect(decideLease({ observed, identity: "me", now, config, state })).toEqual(expected);
  });
});

describe("isLeading and afterSuccessfulWrite", () => {
  it("leads from a write's send time until the renew deadline, exclusive", () => {
    const state = afterSuccessfulWrite(t0, t0 + 300, config);
    expect(state).toEqual({ leading: true, renewedAt: t0 });
    expect(isLeading(state, t0 + 9_999, config)).toBe(true);
    expect(isLeading(state, t0 + 10_000, config)).toBe(false);
    expect(isLeading(notLeading, t0, config)).toBe(false);
  });

  it("makes no leader of a write that came back after the deadline", () => {
    expect(afterSuccessfulWrite(t0, t0 + 10_000, config)).toEqual(notLeading);
  });
});

describe("releasedRecord", () => {
  it("clears the holder and keeps the transition count, as client-go's ReleaseOnCancel", () => {
    expect(releasedRecord(record({ holderIdentity: "me" }), t0)).toEqual({
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: t0,
      renewTime: t0,
      leaseTransitions: 3,
    });
  });
});

/**
 * A simulation of several electors sharing one Lease through a compare-and-swap store, with every timing chosen at
 * random: clock offsets and rates, request latencies (up to far beyond the renew deadline), writes lost before or after the
 * store applied them, and long pauses (GC, CPU starvation). Electors follow decideLease/afterSuccessfulWrite exactly as
 * the shell does, without the shell's extra caution (its deadline timer and its request timeouts only ever end a term
 * earlier), so safety shown here holds for the shell too.
 */
interface SimElector {
  id: string;
  /** local clock = global time × rate + offset */
  offset: number;
  rate: number;
  config: LeaderElectionConfig;
  state: ElectorState;
  observed: ObservedLease | undefined;
  observedJson: string | undefined;
}

interface Store {
  version: number;
  record: LeaseRecord | undefined;
}

interface Scenario {
  seed: number;
  electors: { offset: number; rate: number; config: LeaderElectionConfig }[];
  /** probability that a write is lost (before or after it is applied) */
  faultRate: number;
  /** probability that an elector pauses before its next attempt */
  pauseRate: number;
  /** latency of a request leg, ms, most of the time */
  latencyMs: number;
  /** probability that a request leg is very slow (up to 20 s, twice the default renew deadline) */
  slowRate: number;
  durationMs: number;
}

/** mulberry32: a small seeded PRNG, so a failing scenario replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function simulate(scenario: Scenario): { maxConcurrentLeaders: number; leadersAtEnd: number; everLed: number } {
  const random = prng(scenario.seed);
  const store: Store = { version: 0, record: undefined };
  const electors: SimElector[] = scenario.electors.map((e, i) => ({
    id: `e${i}`,
    offset: e.offset,
    rate: e.rate,
    config: e.config,
    state: notLeading,
    observed: undefined,
    observedJson: undefined,
  }));
  const events: { at: number; seq: number; run: () => void }[] = [];
  let seq = 0;
  let now = 0;
  const at = (time: number, run: () => void) => events.push({ at: time, seq: seq++, run });
  const local = (e: SimElector) => now * e.rate + e.offset;
  const latency = () => (random() < scenario.slowRate ? random() * 20_000 : random() * scenario.latencyMs);
  const led = new Set<string>();

  const observe = (e: SimElector, snapshot: Store) => {
    if (!snapshot.record) {
      e.observed = undefined;
      e.observedJson = undefined;
      return;
    }
    const json = JSON.stringify(snapshot.record);
    if (json !== e.observedJson) {
      e.observed = { record: snapshot.record, observedAt: local(e) };
      e.observedJson = json;
    }
  };
  const stepDownIfLate = (e: SimElector) => {
    if (e.state.leading && !isLeading(e.state, local(e), e.config)) e.state = notLeading;
  };
  const scheduleNext = (e: SimElector) => {
    const retry = e.config.retryPeriodSeconds * 1000;
    let delay = e.state.leading ? retry : retry * (1 + 1.2 * random());
    if (random() < scenario.pauseRate) delay += random() * 40_000;
    at(now + delay / e.rate, () => tick(e));
  };

  const tick = (e: SimElector) => {
    const servedAt = now + latency();
    at(servedAt, () => {
      const snapshot: Store = { ...store };
      at(now + latency(), () => {
        observe(e, snapshot);
        const decision = decideLease({
          observed: e.observed,
          identity: e.id,
          now: local(e),
          config: e.config,
          state: e.state,
        });
        if (decision.action === "wait") return scheduleNext(e);
        if (decision.action === "lost") {
          e.state = notLeading;
          return scheduleNext(e);
        }
        const sentAt = local(e);
        const fault = random() < scenario.faultRate ? (random() < 0.5 ? "dropped" : "responseLost") : "none";
        at(now + latency(), () => {
          // The API server: create fails if the Lease exists, replace fails unless the version is unchanged.
          const applies = fault !== "dropped" && store.version === snapshot.version;
          if (applies) {
            store.version++;
            store.record = decision.record;
          }
          const written: Store = { ...store };
          at(now + latency(), () => {
            if (applies && fault === "none") {
              observe(e, written);
              const next = afterSuccessfulWrite(sentAt, local(e), e.config);
              if (next.leading) e.state = next;
              else stepDownIfLate(e);
            } else {
              stepDownIfLate(e);
            }
            scheduleNext(e);
          });
        });
      });
    });
  };

  for (const e of electors) at(random() * 1000, () => tick(e));
  let maxConcurrentLeaders = 0;
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = events.shift();
    if (!next || next.at > scenario.durationMs) break;
    now = next.at;
    next.run();
    const leaders = electors.filter((e) => isLeading(e.state, local(e), e.config));
    for (const e of leaders) led.add(e.id);
    maxConcurrentLeaders = Math.max(maxConcurrentLeaders, leaders.length);
  }
  const leadersAtEnd = electors.filter((e) => isLeading(e.state, local(e), e.config)).length;
  return { maxConcurrentLeaders, leadersAtEnd, everLed: led.size };
}

const configArb: fc.Arbitrary<LeaderElectionConfig> = fc
  .record({
    retry: fc.integer({ min: 100, max: 3000 }),
    renewExtra: fc.integer({ min: 1, max: 10_000 }),
    leaseMargin: fc.double({ min: 0.02, max: 1, noNaN: true }),
  })
  .map(({ retry, renewExtra, leaseMargin }) => {
    const renew = 1.2 * retry + renewExtra;
    return {
      retryPeriodSeconds: retry / 1000,
      renewDeadlineSeconds: renew / 1000,
      // The margin between deadline and lease absorbs clock-rate differences; it must exceed them (here ≤ 2 × 0.5 %).
      leaseDurationSeconds: (renew * (1 + leaseMargin)) / 1000,
    };
  });

// Quartz clocks drift by tens of parts per million; 0.5 % is far beyond that and still safe with the margin above.
const rateArb = fc.double({ min: 0.995, max: 1.005, noNaN: true });

describe("leader election over one Lease history (property)", () => {
  it("never lets two electors think they lead at the same instant", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(
          fc.record({ offset: fc.integer({ min: -3_600_000, max: 3_600_000 }), rate: rateArb, config: configArb }),
          {
            minLength: 2,
            maxLength: 4,
          },
        ),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        (seed, electors, faultRate, pauseRate, latencyMs, slowRate) => {
          const result = simulate({ seed, electors, faultRate, pauseRate, latencyMs, slowRate, durationMs: 300_000 });
          expect(result.maxConcurrentLeaders).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("elects a leader when nothing goes wrong (so the safety property is not vacuous)", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.integer({ min: -3_600_000, max: 3_600_000 }), { minLength: 2, maxLength: 4 }),
        (seed, offsets) => {
          const result = simulate({
            seed,
            electors: offsets.map((offset) => ({ offset, rate: 1, config })),
            faultRate: 0,
            pauseRate: 0,
            latencyMs: 50,
            slowRate: 0,
            durationMs: 120_000,
          });
          expect(result.leadersAtEnd).toBe(1);
          // and keeps it: without failures nobody takes over
          expect(result.everLed).toBe(1);
        },
      ),
      { numRuns: 100 },
    );
  });
});
