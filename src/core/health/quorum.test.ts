import { describe, expect, it } from "vitest";
import type { ResolvedPolicy } from "../policy.js";
import { possibleObservers, regionLossUndetectable, unreachableQuorum } from "./quorum.js";

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

describe("regionLossUndetectable", () => {
  it.each([
    {
      case: "two regions, quorum 2, controllers only",
      quorum: 2,
      signals: [http("use1"), http("euw1")],
      regions: 2,
      lost: "use1",
    },
    {
      case: "two regions, quorum 2, Route53 checks each region",
      quorum: 2,
      signals: [http("use1"), r53("use1"), http("euw1"), r53("euw1")],
      regions: 2,
      lost: undefined,
    },
    {
      case: "two regions, Route53 checks only the primary",
      quorum: 2,
      signals: [http("use1"), r53("use1"), http("euw1")],
      regions: 2,
      lost: "euw1",
    },
    {
      case: "three regions, quorum 2, controllers only",
      quorum: 2,
      signals: [http("use1"), http("euw1"), http("aps1")],
      regions: 3,
      lost: undefined,
    },
    { case: "two regions, quorum 1", quorum: 1, signals: [http("use1"), http("euw1")], regions: 2, lost: undefined },
  ])("$case", ({ quorum, signals, regions, lost }) => {
    const found = regionLossUndetectable(policy(quorum, signals, ["use1", "euw1", "aps1"].slice(0, regions)));
    expect(found?.region).toBe(lost);
    if (lost) expect(found?.message).toMatch(/route53HealthCheck/);
  });

  it("for one controller, judges the loss of the other regions only", () => {
    const p = policy(2, [http("use1"), http("euw1")]);
    const peers = { ...p, regions: p.regions.map((r) => ({ ...r, peer: true })) };
    expect(regionLossUndetectable(peers, "euw1")?.region).toBe("use1");
    expect(regionLossUndetectable(peers, "use1")?.region).toBe("euw1");
    const one = policy(1, [http("use1"), http("euw1")]);
    expect(regionLossUndetectable(one, "euw1")).toBeUndefined();
  });

  it("leaves a quorum no observer can reach to unreachableQuorum", () => {
    const p = policy(3, [http("use1"), http("euw1")]);
    expect(unreachableQuorum(p)).toBeDefined();
    expect(regionLossUndetectable(p)).toBeUndefined();
  });
});
