import { describe, expect, it } from "vitest";
import type { RegionPolicyStatus } from "../../crds/generated/regionpolicies.js";
import { fenceReadAge, readAnewBecause, unsettledBy, type FenceReadFacts } from "./fence-read-age.js";

const now = 1_700_000_000_000;
const ages = { settledMs: 30_000, unsettledMs: 5_000 };
const settled: RegionPolicyStatus = {
  activeRegion: "us-east-1",
  epoch: 3,
  activeRoleStateEpoch: 3,
  regions: [
    { name: "us-east-1", health: "Healthy", failingObservers: [], healthyObservers: ["controller/us-east-1"] },
    { name: "eu-west-1", health: "Healthy" },
  ],
};
const facts = (over: Partial<FenceReadFacts> = {}): FenceReadFacts => ({
  status: settled,
  localRegion: "us-east-1",
  runInProgress: false,
  now,
  ...over,
});

describe("how old a fencing record a reconcile may act on", () => {
  it("is the long age while nothing is happening", () => {
    expect(unsettledBy(facts())).toBeUndefined();
    expect(unsettledBy(facts({ peerEpochs: [3, 2] }))).toBeUndefined();
    expect(fenceReadAge(facts(), ages)).toBe(30_000);
    // A region that is not the active one needs no role state of its own to settle.
    expect(
      fenceReadAge(facts({ localRegion: "eu-west-1", status: { ...settled, activeRoleStateEpoch: 1 } }), ages),
    ).toBe(30_000);
    // A region nobody has enough samples of yet is no evidence of anything.
    expect(
      fenceReadAge(facts({ status: { ...settled, regions: [{ name: "eu-west-1", health: "Unknown" }] } }), ages),
    ).toBe(30_000);
    // A record whose move is over (busy in the past) is settled too.
    const record = {
      active: "us-east-1",
      epoch: 3,
      history: { since: now - 60_000, by: "auto" as const, penalty: 1, busyUntil: now - 1 },
    };
    expect(fenceReadAge(facts({ record }), ages)).toBe(30_000);
  });

  it.each<[string, Partial<FenceReadFacts>, string]>([
    ["a run in progress", { runInProgress: true }, "a run is in progress"],
    ["no record read yet", { status: { ...settled, epoch: undefined } }, "no fencing record read yet"],
    ["no status yet", { status: undefined }, "no fencing record read yet"],
    [
      "a region Unhealthy",
      { status: { ...settled, regions: [{ name: "eu-west-1", health: "Unhealthy" }] } },
      "eu-west-1 is failing to some observer",
    ],
    [
      "one observer condemning a region the quorum finds Healthy",
      { status: { ...settled, regions: [{ name: "us-east-1", health: "Healthy", failingObservers: ["route53"] }] } },
      "us-east-1 is failing to some observer",
    ],
    [
      "a move the record calls in progress",
      {
        record: {
          active: "us-east-1",
          epoch: 3,
          history: { since: now, by: "manual", penalty: 1, busyUntil: now + 1 },
        },
      },
      "the record calls a move in progress",
    ],
    ["a record at another epoch", { record: { active: "eu-west-1", epoch: 4 } }, "the record moved to epoch 4"],
    [
      "the active region's role state behind its epoch",
      { status: { ...settled, activeRoleStateEpoch: 2 } },
      "this region's role state has not followed its epoch yet",
    ],
  ])("is the short age with %s", (_what, over, why) => {
    expect(unsettledBy(facts(over))).toBe(why);
    expect(fenceReadAge(facts(over), ages)).toBe(5_000);
  });
});

describe("readAnewBecause", () => {
  it.each<[string, Partial<FenceReadFacts>, string]>([
    [
      "a run here that ended within the short age",
      { runFinishedAt: now - 4_999 },
      "a run of the policy has just ended",
    ],
    ["a peer that has read a newer epoch", { peerEpochs: [3, 4] }, "a peer has read epoch 4"],
  ])("reads the record anew (age 0) after %s", (_what, over, why) => {
    expect(readAnewBecause(facts(over), ages)).toBe(why);
    expect(fenceReadAge(facts(over), ages)).toBe(0);
  });

  it("does not for a run that ended longer ago, or a peer at the same or an older epoch", () => {
    expect(readAnewBecause(facts({ runFinishedAt: now - 5_000, peerEpochs: [3, 2] }), ages)).toBeUndefined();
    expect(fenceReadAge(facts({ runFinishedAt: now - 60_000 }), ages)).toBe(30_000);
  });
});
