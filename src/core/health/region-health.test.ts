import { describe, expect, it } from "vitest";
import { judgeRegion, localViews, type ObserverView, type UnhealthyWhen } from "./region-health.js";
import type { Health, SignalState } from "./signal-health.js";

const LOCAL = "controller/eu-west-1";
const R53 = "route53";

function signal(name: string, health: Health, observer = LOCAL, region = "us-east-1"): SignalState {
  return { signal: name, region, observer, health, consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

const REGIONS = ["us-east-1", "eu-west-1"];

/** The verdict on us-east-1 from the views of the observers these signals belong to. */
function verdict(signals: SignalState[], when: UnhealthyWhen) {
  return judgeRegion("us-east-1", localViews(REGIONS, signals, when.failingSignals, 0), when.quorum);
}

const one: UnhealthyWhen = { failingSignals: 1, quorum: 1 };
const twoObservers: UnhealthyWhen = { failingSignals: 1, quorum: 2 };
const twoSignals: UnhealthyWhen = { failingSignals: 2, quorum: 1 };

describe("judgeRegion", () => {
  it.each([
    { case: "all Healthy", when: one, signals: [signal("a", "Healthy"), signal("b", "Healthy")], health: "Healthy" },
    { case: "no signals at all", when: one, signals: [], health: "Unknown" },
    {
      case: "one Unknown among Healthy",
      when: one,
      signals: [signal("a", "Healthy"), signal("b", "Unknown")],
      health: "Unknown",
    },
    {
      case: "one Unhealthy is enough by default",
      when: one,
      signals: [signal("a", "Unhealthy"), signal("b", "Healthy")],
      health: "Unhealthy",
    },
    {
      case: "Unhealthy wins over Unknown",
      when: one,
      signals: [signal("a", "Unhealthy"), signal("b", "Unknown")],
      health: "Unhealthy",
    },
    {
      case: "quorum 2: only the local observer fails (a partitioned controller): no quorum either way",
      when: twoObservers,
      signals: [signal("http", "Unhealthy"), signal("prom", "Unhealthy"), signal("r53", "Healthy", R53)],
      health: "Unknown",
    },
    {
      case: "quorum 2: two signals of one observer are still one observer",
      when: { failingSignals: 2, quorum: 2 },
      signals: [signal("http", "Unhealthy"), signal("prom", "Unhealthy"), signal("r53", "Healthy", R53)],
      health: "Unknown",
    },
    {
      case: "quorum 2: one observer finding the region Healthy does not make it a target",
      when: twoObservers,
      signals: [signal("http", "Healthy"), signal("r53", "Unknown", R53)],
      health: "Unknown",
    },
    {
      case: "quorum 2: two observers finding it Healthy do",
      when: twoObservers,
      signals: [signal("http", "Healthy"), signal("r53", "Healthy", R53)],
      health: "Healthy",
    },
    {
      case: "quorum 1: observers disagree: Unhealthy wins (not a safe place for the writer)",
      when: one,
      signals: [signal("http", "Healthy"), signal("r53", "Unhealthy", R53)],
      health: "Unhealthy",
    },
    {
      case: "failingSignals 2 with a single signal: that one failing condemns (all of the observer's signals)",
      when: twoSignals,
      signals: [signal("a", "Unhealthy"), signal("r53", "Healthy", R53)],
      health: "Unhealthy",
    },
    {
      case: "quorum 2: local probe and Route53 agree",
      when: twoObservers,
      signals: [signal("http", "Unhealthy"), signal("r53", "Unhealthy", R53)],
      health: "Unhealthy",
    },
    {
      case: "quorum 2 not met, and an observer still Unknown",
      when: twoObservers,
      signals: [signal("http", "Unhealthy"), signal("r53", "Unknown", R53)],
      health: "Unknown",
    },
    {
      case: "failingSignals 2: one failing is not enough",
      when: twoSignals,
      signals: [signal("a", "Unhealthy"), signal("b", "Healthy")],
      health: "Healthy",
    },
    {
      case: "failingSignals 2: two failing is enough",
      when: twoSignals,
      signals: [signal("a", "Unhealthy"), signal("b", "Unhealthy")],
      health: "Unhealthy",
    },
    {
      case: "zero thresholds never condemn a region with nothing failing",
      when: { failingSignals: 0, quorum: 0 },
      signals: [signal("a", "Healthy")],
      health: "Healthy",
    },
    {
      case: "another region's signals are not counted",
      when: one,
      signals: [signal("a", "Healthy"), signal("b", "Unhealthy", LOCAL, "eu-west-1")],
      health: "Healthy",
    },
  ])("$case → $health", ({ when, signals, health }) => {
    expect(verdict(signals, when).health).toBe(health);
  });

  it("lists failing signals and the observers on each side, even short of a quorum", () => {
    const v = verdict(
      [
        signal("http", "Unhealthy"),
        signal("prom", "Unhealthy"),
        signal("ok", "Healthy"),
        signal("r53", "Healthy", R53),
      ],
      twoObservers,
    );
    expect(v).toEqual({
      region: "us-east-1",
      health: "Unknown",
      failingSignals: ["http", "prom"],
      failingObservers: [LOCAL],
      healthyObservers: [R53],
    });
  });

  const view = (observer: string, health: ObserverView["regions"][number]["health"]): ObserverView => ({
    observer,
    at: 0,
    regions: [{ region: "us-east-1", health, failingSignals: health === "Unhealthy" ? ["http"] : [] }],
  });

  it.each([
    { case: "three controllers, two condemn", views: ["Unhealthy", "Unhealthy", "Healthy"], health: "Unhealthy" },
    { case: "three controllers, two find it Healthy", views: ["Unhealthy", "Healthy", "Healthy"], health: "Healthy" },
    { case: "one absent, the others split", views: ["Unhealthy", "Healthy"], health: "Unknown" },
    { case: "nobody heard from", views: [], health: "Unknown" },
  ] as const)("quorum 2 across controllers: $case → $health", ({ views, health }) => {
    const all = views.map((h, i) => view(`controller/r${i}`, h));
    expect(judgeRegion("us-east-1", all, 2).health).toBe(health);
  });
});
