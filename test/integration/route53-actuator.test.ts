/**
 * The Route53 lever against the AWS emulator with the real SDK: weights observed and moved in one batch, nothing
 * changed when they already match, throttling retried, and the request rate held under the quota.
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  type ResourceRecordSet,
  type Route53Client,
} from "@aws-sdk/client-route-53";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { submitBatch, waitInsync, type BatchOptions } from "../../src/actuators/route53/change-batch.js";
import { keyOf, readRecordSets } from "../../src/actuators/route53/record-sets.js";
import { observeWeightedRecords, planWeights, type WeightTarget } from "../../src/actuators/route53/weights.js";
import { route53AccountDefaults, route53Budget } from "../../src/runtime/route53-budget.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);
const route53: Route53Client = route53Client(env.aws);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const budget = (capacity: number, refillPerSecond: number) =>
  route53Budget({ ...route53AccountDefaults, account: { capacity, refillPerSecond }, controllers: 1 });
const options = (): BatchOptions => ({ acquire: budget(20, 20), sleep, pollIntervalMs: 100 });
let target: WeightTarget;

beforeEach(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.3 });
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: "example.com", CallerReference: `${Date.now()}` }),
  );
  const hostedZoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
  const record = (name: string, id: string, weight: number) => ({
    Action: "CREATE" as const,
    ResourceRecordSet: {
      Name: name,
      Type: "CNAME" as const,
      SetIdentifier: id,
      Weight: weight,
      TTL: 30,
      ResourceRecords: [{ Value: `${id}.example.com` }],
    },
  });
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: {
        Changes: [
          record("api.example.com", "use1", 100),
          record("api.example.com", "euw1", 0),
          record("web.example.com", "web-use1", 100),
        ],
      },
    }),
  );
  target = {
    hostedZoneId,
    recordName: "api.example.com",
    type: "CNAME",
    setIdentifiers: { "us-east-1": "use1", "eu-west-1": "euw1" },
    weights: { "us-east-1": 0, "eu-west-1": 100 },
  };
});

async function move(): Promise<number> {
  const observed = await observeWeightedRecords(route53, target, options());
  const plan = planWeights(target, observed);
  if (plan.changes.length === 0) return 0;
  const id = await submitBatch(route53, target.hostedZoneId, plan.changes, "switchyard test", options());
  await waitInsync(route53, id, options());
  return plan.changes.length;
}

describe("Route53 weights lever", () => {
  it("observes only the records of the step's name and type", async () => {
    const observed = await observeWeightedRecords(route53, target, options());
    expect([...observed.keys()].sort()).toEqual(["euw1", "use1"]);
  });

  it("moves the weights in one batch, waits for INSYNC, and does nothing the second time", async () => {
    const before = (await control.calls()).length;
    expect(await move()).toBe(2);
    const calls = (await control.calls()).slice(before);
    expect(calls.filter((c) => c.action === "ChangeResourceRecordSets")).toHaveLength(1);
    expect(calls.some((c) => c.action === "GetChange")).toBe(true);
    const observed = await observeWeightedRecords(route53, target, options());
    expect(observed.get("use1")?.Weight).toBe(0);
    expect(observed.get("euw1")?.Weight).toBe(100);
    expect(observed.get("euw1")?.ResourceRecords).toEqual([{ Value: "euw1.example.com" }]);

    const again = (await control.calls()).length;
    expect(await move()).toBe(0);
    const second = (await control.calls()).slice(again);
    expect(second.filter((c) => c.action === "ChangeResourceRecordSets")).toHaveLength(0);
  });

  it("records what it found, for the journal and Restore", async () => {
    const plan = planWeights(target, await observeWeightedRecords(route53, target, options()));
    expect(plan.before).toEqual({ "us-east-1": 100, "eu-west-1": 0 });
    expect(plan.missing).toEqual([]);
    const broken = planWeights(
      { ...target, setIdentifiers: { ...target.setIdentifiers, "eu-west-1": "nope" } },
      new Map(),
    );
    expect(broken.missing.sort()).toEqual(["eu-west-1", "us-east-1"]);
  });

  it("retries Throttling answers and still applies the batch once", async () => {
    await control.injectFault({ service: "route53", action: "ChangeResourceRecordSets", code: "Throttling", count: 3 });
    const before = (await control.calls()).length;
    expect(await move()).toBe(2);
    const submitted = (await control.calls()).slice(before).filter((c) => c.action === "ChangeResourceRecordSets");
    expect(submitted).toHaveLength(4); // three throttled, one applied
    const observed = await observeWeightedRecords(route53, target, options());
    expect(observed.get("euw1")?.Weight).toBe(100);
  });

  it("gives up on throttling after its attempts, with Route53's error", async () => {
    await control.injectFault({ service: "route53", action: "GetChange", code: "Throttling", count: 100 });
    const quick: BatchOptions = { ...options(), maxAttempts: 3, sleep: () => Promise.resolve() };
    await expect(waitInsync(route53, "/change/CANY", quick)).rejects.toMatchObject({ name: "Throttling" });
  });

  it("keeps its request rate within its budget: the burst at once, then the sustained rate", async () => {
    const quota = { acquire: budget(3, 5), sleep };
    const before = (await control.calls()).length;
    for (let i = 0; i < 16; i++) await observeWeightedRecords(route53, target, quota);
    const times = (await control.calls()).slice(before).map((c) => c.time);
    expect(times).toHaveLength(16);
    // Over any window of w seconds at most 3 + 5w calls (one more for the clocks of client and emulator).
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) {
        expect(j - i + 1).toBeLessThanOrEqual(3 + 5 * (times[j]! - times[i]!) + 1);
      }
    }
  });
});

describe("reading record sets of several names", () => {
  const listings = async (since: number) =>
    (await control.calls()).slice(since).filter((c) => c.action === "ListResourceRecordSets").length;
  const txt = (name: string) => ({
    Action: "CREATE" as const,
    ResourceRecordSet: { Name: name, Type: "TXT" as const, TTL: 60, ResourceRecords: [{ Value: `"${name}"` }] },
  });
  const names = (sets: ResourceRecordSet[] | undefined) =>
    (sets ?? []).map((r) => `${r.Name}/${r.SetIdentifier ?? ""}`).sort();

  it("serves neighbours from one request", async () => {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: target.hostedZoneId,
        ChangeBatch: { Changes: [txt("_fence.api.example.com")] },
      }),
    );
    const before = (await control.calls()).length;
    const keys = [
      { name: "_fence.api.example.com", type: "TXT" },
      { name: "api.example.com", type: "CNAME" },
    ];
    const read = await readRecordSets(route53, target.hostedZoneId, keys, options());
    expect(await listings(before)).toBe(1);
    expect(names(read.get(keyOf(keys[1]!)))).toEqual(["api.example.com./euw1", "api.example.com./use1"]);
    expect(names(read.get(keyOf(keys[0]!)))).toEqual(["_fence.api.example.com./"]);
  });

  it("reads a key the first page does not reach on its own, and a missing key as empty", async () => {
    // 320 names between the two keys: more than a page of 300.
    const filler = Array.from({ length: 320 }, (_, i) => txt(`m${String(i).padStart(3, "0")}.example.com`));
    for (let i = 0; i < filler.length; i += 100) {
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: target.hostedZoneId,
          ChangeBatch: { Changes: filler.slice(i, i + 100) },
        }),
      );
    }
    const keys = [
      { name: "api.example.com", type: "CNAME" },
      { name: "web.example.com", type: "CNAME" },
      { name: "nothing.example.com", type: "TXT" },
    ];
    const before = (await control.calls()).length;
    const read = await readRecordSets(route53, target.hostedZoneId, keys, options());
    expect(names(read.get(keyOf(keys[0]!)))).toEqual(["api.example.com./euw1", "api.example.com./use1"]);
    expect(names(read.get(keyOf(keys[1]!)))).toEqual(["web.example.com./web-use1"]);
    expect(read.get(keyOf(keys[2]!))).toEqual([]);
    // The first page holds api's sets; the second starts at the next key unread, nothing (absent), and holds web's.
    expect(await listings(before)).toBe(2);
  });
});
