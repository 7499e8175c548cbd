import { describe, expect, it } from "vitest";
import { judgeRegion, type UnhealthyWhen } from "./region-health.js";
import type { Health, SignalState } from "./signal-health.js";

const LOCAL = "controller/eu-west-1";
const R53 = "route53";

function signal(name: string, health: Health, observer = LOCAL, region = "us-east-1"): SignalState {
  return { signal: name, region, observer, health, consecutiveFailures: 0, consecutiveSuccesses: 0 };
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
      case: "quorum 2: only the local observer fails (a partitioned controller)",
      when: twoObservers,
      signals: [signal("http", "Unhealthy"), signal("prom", "Unhealthy"), signal("r53", "Healthy", R53)],
      health: "Healthy",
    },
    {
      case: "quorum 2: two signals of one observer are still one observer",
      when: { failingSignals: 2, quorum: 2 },
      signals: [signal("http", "Unhealthy"), signal("prom", "Unhealthy"), signal("r53", "Healthy", R53)],
      health: "Healthy",
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
    expect(judgeRegion("us-east-1", signals, when).health).toBe(health);
  });

  it("lists failing signals and their distinct observers, even below the thresholds", () => {
    const v = judgeRegion(
      "us-east-1",
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
      health: "Healthy",
      failingSignals: ["http", "prom"],
      failingObservers: [LOCAL],
    });
  });
});
