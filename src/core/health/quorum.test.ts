import { describe, expect, it } from "vitest";
import type { ResolvedPolicy } from "../policy.js";
import { possibleObservers, unreachableQuorum } from "./quorum.js";

function policy(quorum: number, signals: ResolvedPolicy["signals"], regions = ["use1", "euw1"]): ResolvedPolicy {
  return {
    regions: regions.map((name, i) => ({ name, role: i === 0 ? "primary" : "secondary" })),
    signals,
    regionUnhealthyWhen: { failingSignals: 1, quorum },
    dampening: {
      failureThreshold: 3,
      successThreshold: 5,
      holdDownSeconds: 600,
      flapPenalty: {
        perTransition: 1000,
        halfLifeSeconds: 900,
        suppressAbove: 2000,
        reuseBelow: 750,
        maxSuppressSeconds: 3600,
      },
    },
    automation: { mode: "Automatic", failback: "Manual" },
  };
}

const http = (region: string) => ({ name: "http", region });
const r53 = (region: string) => ({ name: "r53", region, route53HealthCheck: { healthCheckId: `h-${region}` } });

describe("unreachableQuorum", () => {
  it("counts every region's controller for a probed signal, and Route53 for a health check", () => {
    const p = policy(2, [http("use1"), r53("use1"), r53("euw1")]);
    expect(possibleObservers(p, "use1")).toEqual(["controller/use1", "controller/euw1", "route53"]);
    expect(possibleObservers(p, "euw1")).toEqual(["route53"]);
  });

  it("counts, for one controller, only the peers whose views it can read", () => {
    const p = policy(2, [http("use1"), http("euw1")]);
    expect(possibleObservers(p, "use1", "euw1")).toEqual(["controller/euw1"]);
    expect(unreachableQuorum(p, "euw1")?.message).toMatch(/kubeconfigSecretRef/);
    const withPeer = { ...p, regions: p.regions.map((r) => (r.name === "use1" ? { ...r, peer: true } : r)) };
    expect(possibleObservers(withPeer, "use1", "euw1")).toEqual(["controller/use1", "controller/euw1"]);
    expect(unreachableQuorum(withPeer, "euw1")).toBeUndefined();
  });

  it.each([
    { case: "quorum 2 with two controllers", quorum: 2, signals: [http("use1"), http("euw1")], problem: undefined },
    {
      case: "quorum 3 with two controllers and Route53",
      quorum: 3,
      signals: [http("use1"), r53("use1"), http("euw1"), r53("euw1")],
      problem: undefined,
    },
    {
      case: "quorum 3 with two controllers only",
      quorum: 3,
      signals: [http("use1"), http("euw1")],
      problem: /region use1 only 2 observers/,
    },
    {
      case: "a region only Route53 checks, quorum 2",
      quorum: 2,
      signals: [http("use1"), r53("euw1")],
      problem: /region euw1 only 1 observer can/,
    },
    {
      case: "a region nothing observes",
      quorum: 1,
      signals: [http("use1")],
      problem: /region euw1 no signal observes it/,
    },
  ])("$case", ({ quorum, signals, problem }) => {
    const found = unreachableQuorum(policy(quorum, signals));
    if (problem === undefined) expect(found).toBeUndefined();
    else {
      expect(found?.field).toBe("spec.regionUnhealthyWhen.quorum");
      expect(found?.message).toMatch(problem);
    }
  });
});
