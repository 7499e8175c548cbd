/**
 * Story: a planned switchover of the checkout service from us-east-1 to eu-west-1, executed by eu-west-1's
 * controller against two real clusters and the AWS emulator: writes frozen in us-east-1 (through the peer kubeconfig),
 * traffic and the fencing epoch moved in one Route53 batch, Aurora switched over, a wait on the new region's signal,
 * a human approval, writes unfrozen in eu-west-1. Then a dry run back, which changes nothing.
 */
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { observeGlobalCluster } from "../../src/actuators/aurora/global-cluster.js";
import { readFence } from "../../src/actuators/route53/fencing-record.js";
import { observeWeightedRecords } from "../../src/actuators/route53/weights.js";
import { plurals } from "../../src/crds/definitions.js";
import { rdsClient, route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import { seedCheckout } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const control = new EmulatorControl(env.aws.endpoint);
const route53 = route53Client(env.aws);
const namespace = "switchover";
const fast = { acquire: () => Promise.resolve(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
let controllers: Controllers | undefined;
let endpoint: RegionEndpoint;
let zoneId = "";
const members: Record<string, string> = {};

const run = (name: string, cluster: Cluster = west) => cluster.run(namespace, name);

const flag = async (cluster: Cluster) =>
  (await cluster.core.readNamespacedConfigMap({ name: "app-flags", namespace })).data?.read_only;
const weights = async () => {
  const records = await observeWeightedRecords(
    route53,
    { hostedZoneId: zoneId, recordName: "api.checkout.example.com", type: "CNAME" },
    fast,
  );
  return { "us-east-1": records.get("use1")?.Weight, "eu-west-1": records.get("euw1")?.Weight };
};
const fence = async () =>
  (
    await readFence(
      route53,
      { hostedZoneId: zoneId, recordName: "_switchyard.checkout.example.com", ttlSeconds: 60 },
      fast,
    )
  )?.record;
const writer = async () => (await observeGlobalCluster(rdsClient(env.aws, "us-east-1"), "checkout")).writer;

beforeAll(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5, globalClusterTransitionSeconds: 1 });
  endpoint = await RegionEndpoint.start();
  const { aws } = await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    { namespace, endpoints: endpoint.url, mode: "Manual", approval: true },
  );
  zoneId = aws.zoneId;
  Object.assign(members, aws.members);
  controllers = await startControllers(
    { "eu-west-1": west.info, "us-east-1": east.info },
    { aws: env.aws, leaseName: "switchover", namespace },
  );
}, 120_000);

afterAll(async () => {
  await controllers?.stop();
  await endpoint?.stop();
});

describe("planned switchover us-east-1 → eu-west-1", () => {
  it("runs every step in order, waits for a person, and ends Succeeded with evidence", async () => {
    // Given the system settled: us-east-1's controller has applied its active role state for epoch 1 (once per epoch;
    // applied after the run's freeze step, it would undo it — see docs/decisions.md on role state).
    await eventually("us-east-1's active role state at epoch 1", async () =>
      (await east.policy(namespace, "checkout")).status?.activeRoleStateEpoch === 1 ? true : undefined,
    );
    await west.apply(manualRun(namespace, "switchover-1", { from: "us-east-1", to: "eu-west-1", reason: "e2e" }));

    const waiting = await eventually(
      "the run to wait for approval",
      async () => {
        const r = await run("switchover-1");
        const journaled = r.status?.journal?.some(
          (e) => e.name === "approve-unfreeze" && e.state === "WaitingApproval",
        );
        return r.status?.phase === "WaitingApproval" && journaled ? r : undefined;
      },
      60_000,
    );
    expect(waiting.status?.currentStep).toBe("approve-unfreeze");
    expect(waiting.status?.journal?.map((e) => [e.name, e.state])).toEqual([
      ["freeze-writes", "Succeeded"],
      ["shift-traffic", "Succeeded"],
      ["promote-db", "Succeeded"],
      ["wait-new-region", "Succeeded"],
      ["approve-unfreeze", "WaitingApproval"],
    ]);
    expect(await flag(east)).toBe("true");
    expect(await weights()).toEqual({ "us-east-1": 0, "eu-west-1": 100 });
    expect(await fence()).toMatchObject({
      active: "eu-west-1",
      epoch: 2,
      run: "switchover-1",
      history: { by: "manual" },
    });
    expect(waiting.status?.epoch).toBe(2);
    expect(await writer()).toBe(members["eu-west-1"]);
    const shift = waiting.status?.journal?.find((e) => e.name === "shift-traffic");
    expect(shift?.before).toEqual({ weights: { "us-east-1": 100, "eu-west-1": 0 } });

    await west.custom.patchNamespacedCustomObject(
      {
        group: "switchyard.dev",
        version: "v1alpha1",
        namespace,
        plural: plurals.FailoverRun,
        name: "switchover-1",
        body: { spec: { approvals: [{ step: "approve-unfreeze", approvedBy: "sre@example.com" }] } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const done = await eventually("the run to succeed", async () => {
      const r = await run("switchover-1");
      return r.status?.phase === "Succeeded" ? r : undefined;
    });
    expect(await flag(west)).toBe("false");
    expect(done.status?.rto?.seconds).toBeGreaterThan(0);
    expect(done.status?.rto?.trafficShiftedAt).toBeDefined();
    expect(done.status?.rto?.writerPromotedAt).toBeDefined();
    // A switchover waits for the secondary to catch up: nothing is lost, and the evidence says why.
    expect(done.status?.rpo).toEqual({ seconds: 0, source: "SwitchoverGlobalCluster (no data loss)" });
    const promotions = (await control.calls()).filter(
      (c) => c.action.endsWith("GlobalCluster") && !c.action.startsWith("Describe"),
    );
    expect(promotions.map((c) => c.action)).toEqual(["CreateGlobalCluster", "SwitchoverGlobalCluster"]);
  });

  it("the old region's controller fences itself from the record, and keeps its cluster fenced", async () => {
    const fenced = await eventually("us-east-1's controller to see the new epoch", async () => {
      const policy = await east.policy(namespace, "checkout");
      const condition = policy.status?.conditions?.find((c) => c.type === "Fenced");
      return policy.status?.epoch === 2 && condition?.status === "True" ? policy : undefined;
    });
    expect(fenced.status?.activeRegion).toBe("eu-west-1");
    expect(fenced.status?.conditions?.find((c) => c.type === "Fenced")).toMatchObject({
      status: "True",
      reason: "AnotherRegionActive",
    });
    // eu-west-1's controller says so at its next reconcile after the swap.
    await eventually("eu-west-1's controller to see itself active", async () => {
      const policy = await west.policy(namespace, "checkout");
      return policy.status?.conditions?.find((c) => c.type === "Fenced")?.status === "False" ? true : undefined;
    });
    // Someone makes the fenced region writable again: its own controller puts the fenced role state back.
    await east.core.patchNamespacedConfigMap(
      { name: "app-flags", namespace, body: { data: { read_only: "false" } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await eventually("us-east-1 read-only again", async () => ((await flag(east)) === "true" ? true : undefined));
    // Events are recorded a moment after the change they tell of.
    await eventually("the SelfFenced Event", async () =>
      (await east.eventReasons(namespace, "checkout")).includes("SelfFenced") ? true : undefined,
    );
  });

  it("a dry run back to us-east-1, executed by us-east-1's controller, records each step's intent and changes nothing", async () => {
    const world = async () => ({
      weights: await weights(),
      fence: await fence(),
      writer: await writer(),
      flags: [await flag(east), await flag(west)],
    });
    const before = await world();
    const callsBefore = (await control.calls()).length;
    await east.apply(manualRun(namespace, "dry-back", { from: "eu-west-1", to: "us-east-1", dryRun: true }));
    const done = await eventually("the dry run to finish", async () => {
      const r = await run("dry-back", east);
      return r.status?.phase === "Succeeded" ? r : undefined;
    });
    const steps = ["freeze-writes", "shift-traffic", "promote-db", "wait-new-region", "approve-unfreeze", "unfreeze"];
    expect(done.status?.journal?.map((e) => [e.name, e.state])).toEqual(steps.map((n) => [n, "Skipped"]));
    expect(done.status?.journal?.find((e) => e.name === "shift-traffic")?.intent).toMatchObject({
      weights: { "us-east-1": 100, "eu-west-1": 0 },
      changes: 2,
      fence: { from: { active: "eu-west-1", epoch: 2 }, to: { active: "us-east-1", epoch: 3, run: "dry-back" } },
    });
    const writes = (await control.calls()).slice(callsBefore).filter((c) => !/^(List|Get|Describe)/.test(c.action));
    expect(writes).toEqual([]);
    expect(await world()).toEqual(before);
  });
});
