/**
 * Invariant 1 against the AWS emulator: the active region moves by one batch that swaps the fencing record and the
 * weights together; of two controllers racing from the same read, exactly one wins and the loser changes nothing.
 */
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, type Change } from "@aws-sdk/client-route-53";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { readFence, swapFence, type FencingLocation } from "../../src/actuators/route53/fencing-record.js";
import type { BatchOptions } from "../../src/actuators/route53/change-batch.js";
import { observeWeightedRecords, planWeights, type WeightTarget } from "../../src/actuators/route53/weights.js";
import { fenceChange, fencingRecordSet, nextFencingRecord } from "../../src/core/plan/fencing.js";
import { route53Quota } from "../../src/runtime/route53-quota.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);
const route53 = route53Client(env.aws);
const options: BatchOptions = {
  acquire: route53Quota(50),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  pollIntervalMs: 100,
};
let where: FencingLocation;
let weights: (to: string, from: string) => WeightTarget;

beforeEach(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.2 });
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: "example.com", CallerReference: `${Date.now()}` }),
  );
  const hostedZoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
  where = { hostedZoneId, recordName: "_switchyard.checkout.example.com", ttlSeconds: 60 };
  const record = (id: string, weight: number): Change => ({
    Action: "CREATE",
    ResourceRecordSet: {
      Name: "api.example.com",
      Type: "CNAME",
      SetIdentifier: id,
      Weight: weight,
      TTL: 30,
      ResourceRecords: [{ Value: `${id}.example.com` }],
    },
  });
  const initial = fenceChange(undefined, fencingRecordSet(where.recordName, 60, { active: "us-east-1", epoch: 1 }));
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: { Changes: [record("use1", 100), record("euw1", 0), record("apse2", 0), ...initial] },
    }),
  );
  weights = (to, from) => ({
    hostedZoneId,
    recordName: "api.example.com",
    type: "CNAME",
    setIdentifiers: { "us-east-1": "use1", "eu-west-1": "euw1", "ap-southeast-2": "apse2" },
    weights: { [to]: 100, [from]: 0 },
  });
});

async function attempt(to: string, run: string) {
  const current = await readFence(route53, where, options);
  const plan = planWeights(
    weights(to, "us-east-1"),
    await observeWeightedRecords(route53, weights(to, "us-east-1"), options),
  );
  return { current, changes: plan.changes, next: nextFencingRecord(current?.record, to, run) };
}

describe("fencing record", () => {
  it("reads the record written at set-up", async () => {
    expect((await readFence(route53, where, options))?.record).toEqual({ active: "us-east-1", epoch: 1 });
  });

  it("moves the active region and the weights in one batch", async () => {
    const { current, changes, next } = await attempt("eu-west-1", "checkout-run-1");
    const before = (await control.calls()).length;
    const result = await swapFence(route53, where, current, next, changes, options);
    expect(result).toMatchObject({ won: true, record: { active: "eu-west-1", epoch: 2, run: "checkout-run-1" } });
    const batches = (await control.calls()).slice(before).filter((c) => c.action === "ChangeResourceRecordSets");
    expect(batches).toHaveLength(1);
    expect((await readFence(route53, where, options))?.record).toEqual(next);
    const observed = await observeWeightedRecords(route53, weights("eu-west-1", "us-east-1"), options);
    expect([observed.get("use1")?.Weight, observed.get("euw1")?.Weight]).toEqual([0, 100]);
  });

  it("lets exactly one of two racing controllers win; the loser changes nothing", async () => {
    // Both read the same world, then both try to become active at once.
    const [west, south] = await Promise.all([attempt("eu-west-1", "run-west"), attempt("ap-southeast-2", "run-south")]);
    const results = await Promise.all([
      swapFence(route53, where, west.current, west.next, west.changes, options),
      swapFence(route53, where, south.current, south.next, south.changes, options),
    ]);
    const winners = results.filter((r) => r.won);
    const losers = results.filter((r) => !r.won);
    expect(winners).toHaveLength(1);
    expect(losers).toEqual([expect.objectContaining({ reason: "LostFencingRace" })]);
    const winner = winners[0]!.won ? winners[0]!.record : undefined;
    expect((await readFence(route53, where, options))?.record).toEqual(winner);
    const observed = await observeWeightedRecords(route53, weights("eu-west-1", "us-east-1"), options);
    const byRegion = {
      "us-east-1": observed.get("use1")?.Weight,
      "eu-west-1": observed.get("euw1")?.Weight,
      "ap-southeast-2": observed.get("apse2")?.Weight,
    };
    expect(byRegion).toEqual({ "us-east-1": 0, "eu-west-1": 0, "ap-southeast-2": 0, [winner!.active]: 100 });
  });

  it("a stale read loses even when it is not racing", async () => {
    const stale = await attempt("eu-west-1", "run-a");
    const first = await swapFence(route53, where, stale.current, stale.next, stale.changes, options);
    expect(first.won).toBe(true);
    const again = await swapFence(route53, where, stale.current, stale.next, [], options);
    expect(again).toMatchObject({ won: false, reason: "LostFencingRace" });
  });
});
