/**
 * Invariant 1 against the AWS emulator: the active region moves by one batch that swaps the fencing record and the
 * weights together; of two controllers racing from the same read, exactly one wins and the loser changes nothing.
 * A fencing record kept in its own (private) hosted zone is swapped alone, and the weights follow under the epoch won.
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  type Change,
} from "@aws-sdk/client-route-53";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { readFence, swapFence, type FencingLocation } from "../../src/actuators/route53/fencing-record.js";
import type { BatchOptions, Route53Api } from "../../src/actuators/route53/change-batch.js";
import { observeWeightedRecords, planWeights, type WeightTarget } from "../../src/actuators/route53/weights.js";
import type { LeverContext, LeverDeps } from "../../src/controllers/failoverrun/levers/lever.js";
import { route53Lever } from "../../src/controllers/failoverrun/levers/route53.js";
import { fenceChange, fencingRecordSet, nextFencingRecord } from "../../src/core/plan/fencing.js";
import type { Route53Step } from "../../src/core/plan/steps.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { route53AccountDefaults, route53Budget } from "../../src/runtime/route53-budget.js";
import { asController, route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { regionPolicy } from "../fixtures/builders.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);
const route53 = route53Client(env.aws);
const options: BatchOptions = {
  acquire: route53Budget({ ...route53AccountDefaults, controllers: 1 }),
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

const unused = (what: string) => () => {
  throw new Error(`the route53 lever must not use ${what}`);
};
const deps = (): LeverDeps => ({
  route53: route53Client(asController(env.aws)),
  route53Options: options,
  rds: unused("rds"),
  cloudwatch: unused("cloudwatch"),
  configMaps: unused("configMaps"),
  scales: unused("scales"),
  jobs: unused("jobs"),
  secrets: unused("secrets"),
  fetch: unused("fetch"),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
});
const step = (): Route53Step => ({
  kind: "route53",
  name: "shift-traffic",
  bestEffort: false,
  timeoutSeconds: 60,
  retries: { limit: 3, backoffSeconds: 1 },
  onRollback: "Restore",
  route53: { ...weights("eu-west-1", "us-east-1") },
});
const context = (name: string, fencing: FencingLocation): LeverContext => {
  const run: FailoverRun = {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: { planRef: { name: "checkout" }, from: "us-east-1", to: "eu-west-1", trigger: "Manual" },
    status: {},
  };
  const policy = regionPolicy("checkout", (p) => {
    p.spec.fencing = { route53: { hostedZoneId: fencing.hostedZoneId, recordName: fencing.recordName } };
  });
  return { run, policy, namespace: "default", dryRun: false };
};

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

describe("the traffic step, fencing record and weights in one zone", () => {
  const routeCalls = async (since: number) =>
    (await control.calls())
      .slice(since)
      .filter((c) => c.service === "route53")
      .map((c) => c.action);

  it("costs three Route53 requests: one listing for weights and record, the batch, the GetChange", async () => {
    await control.configure({ changePropagationSeconds: 0 });
    const lever = route53Lever(deps());
    const ctx = context("checkout-run-11", where);
    const before = (await control.calls()).length;
    const prepared = await lever.prepare(step(), ctx);
    expect(prepared.refusal).toBeUndefined();
    expect(prepared.before).toEqual({ weights: { "us-east-1": 100, "eu-west-1": 0, "ap-southeast-2": 0 } });
    const result = await lever.act(step(), ctx, prepared.observed);
    expect(result).toMatchObject({ type: "Succeeded", epoch: 2 });
    expect(await routeCalls(before)).toEqual(["ListResourceRecordSets", "ChangeResourceRecordSets", "GetChange"]);
    expect((await readFence(route53, where, options))?.record).toMatchObject({ active: "eu-west-1", epoch: 2 });
  });

  it("acting on what prepare read loses the race when the record moved in between, and changes nothing", async () => {
    const lever = route53Lever(deps());
    const ctx = context("checkout-run-12", where);
    const prepared = await lever.prepare(step(), ctx);
    const { current, changes, next } = await attempt("ap-southeast-2", "someone-else");
    expect((await swapFence(route53, where, current, next, changes, options)).won).toBe(true);
    const result = await lever.act(step(), ctx, prepared.observed);
    expect(result).toMatchObject({ type: "Refused", reason: "LostFencingRace" });
    expect((await readFence(route53, where, options))?.record).toMatchObject({ epoch: 2, run: "someone-else" });
  });

  it("a change of the record that is no move (its history, the same epoch) costs one more read, not the move", async () => {
    await control.configure({ changePropagationSeconds: 0 });
    const lever = route53Lever(deps());
    const ctx = context("checkout-run-14", where);
    const prepared = await lever.prepare(step(), ctx);
    // The previous run's end, as finishMove writes it: the same region and epoch, only the history differs.
    const current = await readFence(route53, where, options);
    const same = { ...current!.record, history: { since: 1_700_000_000_000, by: "manual" as const, penalty: 1 } };
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: where.hostedZoneId,
        ChangeBatch: { Changes: fenceChange(current!.set, fencingRecordSet(where.recordName, 60, same)) },
      }),
    );
    const before = (await control.calls()).length;
    expect(await lever.act(step(), ctx, prepared.observed)).toMatchObject({ type: "Succeeded", epoch: 2 });
    expect(await routeCalls(before)).toEqual([
      "ChangeResourceRecordSets",
      "ListResourceRecordSets",
      "ChangeResourceRecordSets",
      "GetChange",
    ]);
    expect((await readFence(route53, where, options))?.record).toMatchObject({ active: "eu-west-1", epoch: 2 });
  });

  it("resumed without what prepare read, reads the zone anew and still makes the one move", async () => {
    const lever = route53Lever(deps());
    const ctx = context("checkout-run-13", where);
    const before = (await control.calls()).length;
    expect(await lever.act(step(), ctx)).toMatchObject({ type: "Succeeded", epoch: 2 });
    expect((await routeCalls(before)).filter((a) => a === "ListResourceRecordSets")).toHaveLength(1);
    // The same act again (a second resume): the record names this run, the weights already match, nothing is sent.
    const again = (await control.calls()).length;
    expect(await lever.act(step(), ctx)).toMatchObject({ type: "Succeeded", epoch: 2, observed: { changes: 0 } });
    expect(await routeCalls(again)).toEqual(["ListResourceRecordSets"]);
  });
});

describe("a fencing record in its own private hosted zone", () => {
  let privateWhere: FencingLocation;
  const trafficWeights = async () => {
    const observed = await observeWeightedRecords(route53, weights("eu-west-1", "us-east-1"), options);
    return { "us-east-1": observed.get("use1")?.Weight, "eu-west-1": observed.get("euw1")?.Weight };
  };

  beforeEach(async () => {
    // The record's own zone: private, reachable by name only inside the VPC; the weights stay in the public zone.
    const zone = await route53.send(
      new CreateHostedZoneCommand({
        Name: "switchyard.internal",
        CallerReference: `private-${Date.now()}`,
        VPC: { VPCRegion: "us-east-1", VPCId: "vpc-0a1b2c3d" },
        HostedZoneConfig: { PrivateZone: true, Comment: "fencing records" },
      }),
    );
    const hostedZoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
    const found = await route53.send(new GetHostedZoneCommand({ Id: hostedZoneId }));
    expect(found.HostedZone?.Config?.PrivateZone).toBe(true);
    privateWhere = { hostedZoneId, recordName: "_switchyard.checkout.switchyard.internal", ttlSeconds: 60 };
    const initial = fenceChange(
      undefined,
      fencingRecordSet(privateWhere.recordName, 60, { active: "us-east-1", epoch: 1 }),
    );
    await route53.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Changes: initial } }),
    );
  });

  it("swaps the record alone in its zone, then moves the weights under the epoch won", async () => {
    const lever = route53Lever(deps());
    const ctx = context("checkout-run-7", privateWhere);
    const prepared = await lever.prepare(step(), ctx);
    expect(prepared.refusal).toBeUndefined();
    const before = (await control.calls()).length;
    const result = await lever.act(step(), ctx);
    expect(result).toMatchObject({ type: "Succeeded", epoch: 2, observed: { changes: 2, fence: { epoch: 2 } } });
    // Two batches, one per zone: the swap (the linearization point), then the weights.
    const batches = (await control.calls()).slice(before).filter((c) => c.action === "ChangeResourceRecordSets");
    expect(batches).toHaveLength(2);
    expect((await readFence(route53, privateWhere, options))?.record).toMatchObject({
      active: "eu-west-1",
      epoch: 2,
      run: "checkout-run-7",
    });
    expect(await trafficWeights()).toEqual({ "us-east-1": 0, "eu-west-1": 100 });
    // The public zone never held a fencing record.
    expect(await readFence(route53, { ...privateWhere, hostedZoneId: where.hostedZoneId }, options)).toBeUndefined();
  });

  it("after dying between the swap and the weights, moves only the weights under the same epoch", async () => {
    // The swap of a run that died before its weights batch: the record names it, the traffic has not moved.
    const current = await readFence(route53, privateWhere, options);
    const won = await swapFence(
      route53,
      privateWhere,
      current,
      nextFencingRecord(current?.record, "eu-west-1", "checkout-run-8"),
      [],
      options,
    );
    expect(won.won).toBe(true);
    expect(await trafficWeights()).toEqual({ "us-east-1": 100, "eu-west-1": 0 });

    const result = await route53Lever(deps()).act(step(), context("checkout-run-8", privateWhere));
    expect(result).toMatchObject({ type: "Succeeded", epoch: 2 });
    expect((await readFence(route53, privateWhere, options))?.record).toMatchObject({
      epoch: 2,
      run: "checkout-run-8",
    });
    expect(await trafficWeights()).toEqual({ "us-east-1": 0, "eu-west-1": 100 });
  });

  it("leaves the weights alone once another run has taken the record elsewhere", async () => {
    const current = await readFence(route53, privateWhere, options);
    await swapFence(
      route53,
      privateWhere,
      current,
      nextFencingRecord(current?.record, "ap-southeast-2", "someone-else"),
      [],
      options,
    );
    const result = await route53Lever(deps()).act(step(), context("checkout-run-9", privateWhere));
    expect(result.type).toBe("Refused");
    expect((await readFence(route53, privateWhere, options))?.record).toMatchObject({ epoch: 2, run: "someone-else" });
    expect(await trafficWeights()).toEqual({ "us-east-1": 100, "eu-west-1": 0 });
  });

  it("moves no weight when another run takes the record between its swap and its weights", async () => {
    const controller = route53Client(asController(env.aws));
    let interloped = false;
    // Route53 as the lever sees it, with a second controller's swap landing just after the lever's own.
    const racing: Route53Api = {
      send: (async (command: Parameters<Route53Api["send"]>[0]) => {
        const result = await controller.send(command as never);
        const input = command.input as { HostedZoneId?: string };
        if (
          !interloped &&
          command instanceof ChangeResourceRecordSetsCommand &&
          input.HostedZoneId === privateWhere.hostedZoneId
        ) {
          interloped = true;
          const current = await readFence(route53, privateWhere, options);
          const next = nextFencingRecord(current?.record, "ap-southeast-2", "someone-else");
          expect(await swapFence(route53, privateWhere, current, next, [], options)).toMatchObject({ won: true });
        }
        return result;
      }) as Route53Api["send"],
    };
    const result = await route53Lever({ ...deps(), route53: racing }).act(
      step(),
      context("checkout-run-10", privateWhere),
    );
    expect(interloped).toBe(true);
    expect(result.type).toBe("Failed");
    expect(result.type === "Failed" && result.message).toMatch(
      /^the fencing record now names ap-southeast-2 at epoch 3 \(run someone-else\), not this run's/,
    );
    expect(await trafficWeights()).toEqual({ "us-east-1": 100, "eu-west-1": 0 });
  });

  it("of two runs racing across the zones, exactly one swaps and only its weights move", async () => {
    const lever = route53Lever(deps());
    const other = { ...step(), route53: { ...weights("ap-southeast-2", "us-east-1") } };
    const south = (): LeverContext => {
      const ctx = context("run-south", privateWhere);
      ctx.run.spec.to = "ap-southeast-2";
      ctx.policy.spec.regions.push({ name: "ap-southeast-2", role: "secondary" });
      return ctx;
    };
    const west = context("run-west", privateWhere);
    west.policy.spec.regions.push({ name: "ap-southeast-2", role: "secondary" });
    const results = await Promise.all([lever.act(step(), west), lever.act(other, south())]);
    const winners = results.filter((r) => r.type === "Succeeded");
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.type === "Refused")).toEqual([
      expect.objectContaining({ reason: "LostFencingRace" }),
    ]);
    const record = (await readFence(route53, privateWhere, options))?.record;
    const observed = await observeWeightedRecords(route53, weights("eu-west-1", "us-east-1"), options);
    const byRegion = {
      "us-east-1": observed.get("use1")?.Weight,
      "eu-west-1": observed.get("euw1")?.Weight,
      "ap-southeast-2": observed.get("apse2")?.Weight,
    };
    expect(byRegion).toEqual({ "us-east-1": 0, "eu-west-1": 0, "ap-southeast-2": 0, [record!.active]: 100 });
  });
});
