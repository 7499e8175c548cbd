/**
 * Story: two controllers race to fail over (invariant 1). The checkout application runs in three regions: us-east-1
 * (primary, active at epoch 1), eu-west-1 and ap-south-1. The link between eu-west-1 and ap-south-1 is cut, so the two
 * controllers disagree about each other's health — exactly when the fencing compare-and-swap must decide: the
 * RegionPolicy applied in each of those clusters is the same except that the signal of the *other* candidate points at
 * an endpoint that fails in that cluster's copy (what a partition looks like from each side). Then us-east-1's
 * endpoint fails. Each controller judges the other candidate Unhealthy, so each picks itself as the failover target and
 * creates a FailoverRun, at about the same moment. Exactly one Route53 change batch moves the fence to epoch 2 and
 * that region's run completes; the other run ends Failed at its traffic step with LostFencingRace, never reaches its
 * promotion, and its controller fences its own cluster under the winner's epoch. Who wins is up to timing; the test
 * only insists that there is exactly one winner and that the loser aborts cleanly.
 *
 * us-east-1 is the shared environment's cluster; its controller is not started (the region is lost), its cluster only
 * takes the bestEffort "freeze the source" writes through the peer kubeconfig. eu-west-1 is the shared environment's
 * cluster too; ap-south-1 is a control plane of this file's own.
 */
import { isFinalPhase } from "../../src/core/runs.js";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readFence } from "../../src/actuators/route53/fencing-record.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { Controllers } from "../env/controllers.js";
import {
  checkoutPlan,
  fenceName,
  publishReplicationLag,
  recordName,
  seedCheckoutAws,
  setIdentifiersFor,
  type CheckoutAws,
} from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const namespace = "race";
const lease = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
/** In spec order: the order breaks ties between failover targets, so it is the same in every copy. */
const regions = ["us-east-1", "eu-west-1", "ap-south-1"] as const;
type Region = (typeof regions)[number];
const candidates = ["eu-west-1", "ap-south-1"] as const;
type Candidate = (typeof candidates)[number];
const setIdentifiers = setIdentifiersFor(regions);
const otherCandidate = (region: Candidate): Candidate => (region === "eu-west-1" ? "ap-south-1" : "eu-west-1");

const control = new EmulatorControl(env.aws.endpoint);
const clusters = {} as Record<Region, Cluster>;
const endpoints = {} as Record<Region, RegionEndpoint>;
/** What each candidate's probe of the other candidate reaches across the cut link: it always fails. */
let cutLink: RegionEndpoint;
let controllers: Controllers | undefined;
let plane: ControlPlane;
let dir: string;
let zoneId: string;
let aws: CheckoutAws;

const fencingLocation = () => ({ hostedZoneId: zoneId, recordName: fenceName, ttlSeconds: 60 });
const unthrottled = {
  acquire: () => Promise.resolve(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};
const flag = async (cluster: Cluster) =>
  (await cluster.core.readNamespacedConfigMap({ name: "app-flags", namespace })).data?.read_only;
const promotionCalls = async () =>
  (await control.calls()).filter((c) => c.action === "SwitchoverGlobalCluster" || c.action === "FailoverGlobalCluster");

/** The policy as applied in `local`'s cluster: the same everywhere but for what the cut link does to one signal. */
function policy(local: Candidate) {
  const probed = (region: Region) => (region === otherCandidate(local) ? cutLink.url : endpoints[region].url);
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "checkout", namespace },
    spec: {
      regions: [
        { name: "us-east-1", role: "primary", cluster: { kubeconfigSecretRef: { name: "peer-us-east-1" } } },
        { name: "eu-west-1", role: "secondary" },
        { name: "ap-south-1", role: "secondary" },
      ],
      signals: regions.map((region) => ({
        name: "api",
        region,
        intervalSeconds: 1,
        http: { url: probed(region), timeoutSeconds: 1 },
      })),
      // Each side of the cut link decides on its own word: that is the race the fencing record must settle.
      regionUnhealthyWhen: { quorum: 1 },
      dampening: { failureThreshold: 2, successThreshold: 2, holdDownSeconds: 600 },
      automation: { mode: "Automatic", failoverPlanRef: { name: "checkout" }, failback: "Manual" },
      fencing: { route53: { hostedZoneId: zoneId, recordName: fenceName } },
      objectives: { rtoSeconds: 300, rpoSeconds: 5 },
    },
  };
}

async function seedClusters(): Promise<void> {
  const east = clusters["us-east-1"];
  await east.createNamespace(namespace);
  await east.core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: "app-flags" }, data: { read_only: "false" } },
  });
  const eastKubeconfig = await readFile(east.info.kubeconfig, "utf8");
  for (const region of candidates) {
    const cluster = clusters[region];
    await cluster.installCrds();
    await cluster.createNamespace(namespace);
    await cluster.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "app-flags" }, data: { read_only: "true" } },
    });
    await cluster.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: "peer-us-east-1" }, stringData: { kubeconfig: eastKubeconfig } },
    });
    await cluster.apply(
      policy(region),
      checkoutPlan({ namespace, aws, endpoints: {}, mode: "Automatic", approval: false }),
    );
  }
}

async function runsIn(region: Candidate): Promise<FailoverRun[]> {
  return clusters[region].runs(namespace);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-race-"));
  plane = await startControlPlane("ap-south-1", dir, await ensureBinaries());
  clusters["us-east-1"] = new Cluster(env, env.regions[0]!);
  clusters["eu-west-1"] = new Cluster(env, env.regions[1]!);
  clusters["ap-south-1"] = new Cluster({ ...env, dir }, plane.info);
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5, globalClusterTransitionSeconds: 1 });
  for (const region of regions) endpoints[region] = await RegionEndpoint.start();
  cutLink = await RegionEndpoint.start();
  cutLink.status = 503;
  aws = await seedCheckoutAws(env.aws, regions);
  zoneId = aws.zoneId;
  await seedClusters();
  // Both candidates start at once, as two regions' controllers would.
  controllers = new Controllers({ aws: env.aws, logDir: dir, lease, leaseName: "race", namespace });
  await Promise.all(candidates.map((region) => controllers!.start(region, clusters[region].info)));
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  await Promise.all([...Object.values(endpoints), cutLink].filter(Boolean).map((e) => e.stop()));
  await plane?.stop();
  if (process.env.SWITCHYARD_KEEP_LOGS) console.log(`controller logs kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
});

describe("two controllers race to fail over", () => {
  it("exactly one wins the fencing CAS; the other's run fails with LostFencingRace and never promotes", async () => {
    // Given: us-east-1 active and healthy; each candidate sees itself healthy and the other across the cut link failing.
    for (const region of candidates) {
      await eventually(`${region}'s view of the partition`, async () => {
        const status = (await clusters[region].policy(namespace, "checkout")).status;
        const health = Object.fromEntries((status?.regions ?? []).map((r) => [r.name, r.health]));
        const expected = { "us-east-1": "Healthy", [region]: "Healthy", [otherCandidate(region)]: "Unhealthy" };
        return status?.activeRegion === "us-east-1" &&
          status.epoch === 1 &&
          Object.entries(expected).every(([name, h]) => health[name] === h)
          ? true
          : undefined;
      });
    }
    expect(await runsIn("eu-west-1")).toEqual([]);
    expect(await runsIn("ap-south-1")).toEqual([]);

    // The replication lag each candidate's Aurora member reports: within the policy's RPO objective, so a failover
    // with data loss may go ahead (invariant 7) — whichever candidate wins.
    for (const region of candidates) await publishReplicationLag(env.aws, region, 800);

    // When: us-east-1's endpoint fails, as both candidates see it.
    endpoints["us-east-1"].status = 503;

    // Then: both candidates decided to fail over to themselves, and both runs ended.
    const finished = {} as Record<Candidate, FailoverRun>;
    for (const region of candidates) {
      finished[region] = await eventually(
        `${region}'s automatic run to end`,
        async () => {
          const runs = await runsIn(region);
          return runs.length > 0 && runs.every((r) => isFinalPhase(r.status?.phase)) ? runs[0] : undefined;
        },
        90_000,
      );
    }
    for (const region of candidates) {
      expect(await runsIn(region)).toHaveLength(1);
      // Both decided while us-east-1 was still the active region: a race, not one failover after another.
      expect(finished[region].spec, `${region}'s run`).toMatchObject({
        from: "us-east-1",
        to: region,
        trigger: "Automatic",
      });
    }

    const winners = candidates.filter((r) => finished[r].status?.phase === "Succeeded");
    expect(winners, "exactly one run succeeded").toHaveLength(1);
    const winner = winners[0]!;
    const loser = otherCandidate(winner);
    const won = finished[winner];
    const lost = finished[loser];

    // The fence moved exactly once: to epoch 2, naming the winner's run (epoch 3 would mean the loser moved it again).
    const fence = await readFence(route53Client(env.aws), fencingLocation(), unthrottled);
    expect(fence?.record, "the fencing record").toMatchObject({ active: winner, epoch: 2, run: won.metadata.name });

    // The winner: the whole plan, under epoch 2.
    expect(won.status?.journal?.map((e) => [e.name, e.state])).toEqual([
      ["freeze-writes", "Succeeded"],
      ["shift-traffic", "Succeeded"],
      ["promote-db", "Succeeded"],
      ["wait-new-region", "Succeeded"],
      ["unfreeze", "Succeeded"],
    ]);
    expect(won.status?.epoch).toBe(2);

    // The loser: stopped at the traffic step by the lost compare-and-swap, with nothing after it started.
    expect(lost.status?.phase).toBe("Failed");
    const complete = lost.status?.conditions?.find((c) => c.type === "Complete");
    expect(complete?.status).toBe("False");
    expect(complete?.reason).toBe("LostFencingRace");
    // A refusal is journaled as a permanent failure of the step; nothing after it was ever started.
    expect(lost.status?.journal?.map((e) => [e.name, e.state])).toEqual([
      ["freeze-writes", "Succeeded"],
      ["shift-traffic", "Failed"],
    ]);
    const traffic = lost.status?.journal?.find((e) => e.name === "shift-traffic");
    expect(traffic?.observed?.failure).toEqual({ reason: "LostFencingRace", permanent: true });
    expect(lost.status?.epoch).toBeUndefined();

    // At the emulator: one promotion, and the traffic where the winner put it.
    expect((await promotionCalls()).map((c) => c.action)).toEqual(["FailoverGlobalCluster"]);
    const records = await route53Client(env.aws).send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        StartRecordName: recordName,
        StartRecordType: "CNAME",
      }),
    );
    const weights: Record<string, number | undefined> = {};
    for (const r of records.ResourceRecordSets ?? []) {
      if (r.Type === "CNAME" && r.SetIdentifier) weights[r.SetIdentifier] = r.Weight;
    }
    expect(weights).toEqual({ use1: 0, [setIdentifiers[winner]]: 100, [setIdentifiers[loser]]: 0 });
    // The winner's batch moved the fence and the weights together, and at the run's end one more marked its move over
    // (the same epoch). The loser sent one too if both read epoch 1 before either wrote (Route53 then rejected it
    // whole: the loser's weight is still 0 above); if it read epoch 2, it sent none.
    const batches = (await control.calls()).filter((c) => c.action === "ChangeResourceRecordSets").length - 1;
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThanOrEqual(3);
    expect(fence?.record.history?.busyUntil, "the winner's move marked over").toBeUndefined();
    console.log(
      `fencing race: ${winner} won epoch 2; ${loser}'s run ` +
        (batches === 3 ? "sent its change batch and Route53 rejected it" : "refused before sending a batch") +
        `: ${traffic?.message ?? ""}`,
    );

    // And the loser fences itself under the winner's epoch: read-only, and its policy says why.
    const fenced = await eventually(`${loser} to fence itself at epoch 2`, async () => {
      const status = (await clusters[loser].policy(namespace, "checkout")).status;
      const condition = status?.conditions?.find((c) => c.type === "Fenced");
      return condition?.status === "True" && status?.epoch === 2 ? status : undefined;
    });
    expect(fenced.activeRegion).toBe(winner);
    expect(fenced.conditions?.find((c) => c.type === "Fenced")?.reason).toBe("AnotherRegionActive");
    expect(await flag(clusters[loser])).toBe("true");
    expect(await flag(clusters[winner])).toBe("false");
    expect(await flag(clusters["us-east-1"])).toBe("true");

    // Some evaluations later (the partition still there): no second run, no second promotion, no newer epoch.
    await new Promise((r) => setTimeout(r, 3000));
    for (const region of candidates) expect(await runsIn(region)).toHaveLength(1);
    expect(await promotionCalls()).toHaveLength(1);
    expect((await readFence(route53Client(env.aws), fencingLocation(), unthrottled))?.record.epoch).toBe(2);
    expect(await flag(clusters[loser])).toBe("true");
  }, 150_000);
});
