/**
 * The rdsPromoteReplica lever against the AWS emulator over HTTP with the real SDK (promotion timing from
 * Switchyard's moto plugin: the replica is `modifying` / `promoting` for a while, then standalone). The promotion is
 * called exactly once — whether act is called again mid-promotion or after a crash right after the call — and only
 * under the epoch the run won. Calls are counted in the emulator's own log.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
} from "@aws-sdk/client-rds";
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand } from "@aws-sdk/client-route-53";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { observeReplica, startReplicaPromotion } from "../../src/actuators/rds/read-replica.js";
import type { LeverContext, LeverDeps, LeverResult } from "../../src/controllers/failoverrun/levers/lever.js";
import { rdsPromoteReplicaLever } from "../../src/controllers/failoverrun/levers/rds-promote-replica.js";
import { fenceChange, fencingRecordSet } from "../../src/core/plan/fencing.js";
import { GuardReason } from "../../src/core/plan/reasons.js";
import type { RdsPromoteReplicaStep } from "../../src/core/plan/steps.js";
import type { FailoverRun, FailoverRunStatusJournal } from "../../src/crds/generated/failoverruns.js";
import { asController, rdsClient, route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { regionPolicy } from "../fixtures/builders.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);
const east = rdsClient(env.aws, "us-east-1");
const west = rdsClient(env.aws, "eu-west-1");
const route53 = route53Client(env.aws);
const fenceName = "_switchyard.orders.example.com";
let zoneId = "";

const unused = (what: string) => () => {
  throw new Error(`the rdsPromoteReplica lever must not use ${what}`);
};
const deps: LeverDeps = {
  route53: route53Client(asController(env.aws)),
  route53Options: { acquire: () => Promise.resolve(), sleep: () => Promise.resolve() },
  rds: (awsRegion) => rdsClient(asController(env.aws), awsRegion),
  cloudwatch: unused("cloudwatch"),
  configMaps: unused("configMaps"),
  scales: unused("scales"),
  jobs: unused("jobs"),
  secrets: () => ({ readNamespacedSecret: unused("secrets") }),
  fetch: unused("fetch"),
  sleep: () => Promise.resolve(),
  now: () => Date.now(),
};
const lever = rdsPromoteReplicaLever(deps);

const promotionCalls = async () =>
  (await control.calls()).filter(
    (c) => c.action === "PromoteReadReplica" || c.action === "PromoteReadReplicaDBCluster",
  );

function context(
  options: { epoch?: number; dryRun?: boolean; journal?: FailoverRunStatusJournal[] } = {},
): LeverContext {
  const policy = regionPolicy("orders");
  policy.spec.fencing = { route53: { hostedZoneId: zoneId, recordName: fenceName } };
  const run: FailoverRun = {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name: "orders-failover", namespace: "default", uid: "uid-orders-failover" },
    spec: { planRef: { name: "orders" }, from: "us-east-1", to: "eu-west-1", dryRun: options.dryRun ?? false },
    status: {
      journal: options.journal ?? [],
      ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
    },
  };
  return { run, policy, namespace: "default", dryRun: options.dryRun ?? false };
}

const step = (target: { dbInstanceIdentifier: string } | { dbClusterIdentifier: string }): RdsPromoteReplicaStep => ({
  kind: "rdsPromoteReplica",
  name: "promote-orders",
  bestEffort: false,
  timeoutSeconds: 300,
  retries: { limit: 3, backoffSeconds: 5 },
  onRollback: "None",
  rdsPromoteReplica: { region: "eu-west-1", ...target },
});
const instanceStep = step({ dbInstanceIdentifier: "orders-replica" });
const clusterStep = step({ dbClusterIdentifier: "ledger-replica" });

/** Calls act as the shell does (again after each InProgress) until the step ends; bounded, never timed. */
async function actUntilDone(s: RdsPromoteReplicaStep, ctx: LeverContext): Promise<LeverResult[]> {
  const results: LeverResult[] = [];
  for (let look = 0; look < 100; look++) {
    const result = await lever.act(s, ctx);
    results.push(result);
    if (result.type !== "InProgress") return results;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`still in progress after 100 looks: ${JSON.stringify(results.at(-1))}`);
}

beforeEach(async () => {
  await control.reset();
  await control.configure({ replicaPromotionSeconds: 1 });
  // eu-west-1 has won epoch 2: this run's epoch, unless a test says otherwise.
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: "orders.example.com", CallerReference: `orders-${Date.now()}` }),
  );
  zoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
  const fence = fencingRecordSet(fenceName, 60, { active: "eu-west-1", epoch: 2 });
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: fenceChange(undefined, fence) },
    }),
  );
  const source = await east.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: "orders",
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      MasterUsername: "orders",
      MasterUserPassword: "not-a-secret-1",
      AllocatedStorage: 20,
    }),
  );
  await west.send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: "orders-replica",
      SourceDBInstanceIdentifier: source.DBInstance?.DBInstanceArn,
      DBInstanceClass: "db.t3.micro",
    }),
  );
  const ledger = await east.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: "ledger",
      Engine: "aurora-postgresql",
      MasterUsername: "ledger",
      MasterUserPassword: "not-a-secret-1",
    }),
  );
  await west.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: "ledger-replica",
      Engine: "aurora-postgresql",
      ReplicationSourceIdentifier: ledger.DBCluster?.DBClusterArn,
      MasterUsername: "ledger",
      MasterUserPassword: "not-a-secret-1",
    }),
  );
});

describe("rdsPromoteReplica lever", () => {
  it("promotes a replica instance with one call, however often act looks during the promotion", async () => {
    const ctx = context({ epoch: 2 });
    const prepared = await lever.prepare(instanceStep, ctx);
    expect(prepared.refusal).toBeUndefined();
    expect(prepared.intent).toEqual({
      region: "eu-west-1",
      awsRegion: "eu-west-1",
      dbInstanceIdentifier: "orders-replica",
      call: "PromoteReadReplica",
      alreadyStandalone: false,
    });
    expect(prepared.before).toEqual({ status: "available", source: "arn:aws:rds:us-east-1:123456789012:db:orders" });
    expect(await promotionCalls()).toHaveLength(0); // prepare changes nothing

    const first = await lever.act(instanceStep, ctx);
    expect(first).toMatchObject({ type: "InProgress", observed: { called: "PromoteReadReplica" } });
    // Mid-promotion (the emulator keeps it `modifying` for a second): looking again never calls again.
    const second = await lever.act(instanceStep, ctx);
    expect(second).toMatchObject({ type: "InProgress", observed: { status: "modifying" } });

    const results = await actUntilDone(instanceStep, ctx);
    expect(results.at(-1)).toMatchObject({ type: "Succeeded", observed: { status: "available", source: null } });
    expect(await promotionCalls()).toHaveLength(1);
    expect(await observeReplica(west, { kind: "instance", identifier: "orders-replica" })).toEqual({
      status: "available",
    });
  });

  it("after a crash right after the call, waits for the promotion instead of calling again", async () => {
    await startReplicaPromotion(west, { kind: "instance", identifier: "orders-replica" }); // the crashed controller
    const running: FailoverRunStatusJournal = {
      name: "promote-orders",
      kind: "rdsPromoteReplica",
      state: "Running",
      attempts: 1,
    };
    const results = await actUntilDone(instanceStep, context({ epoch: 2, journal: [running] }));
    expect(results[0]).toMatchObject({ type: "InProgress", observed: { status: "modifying", called: null } });
    expect(results.at(-1)?.type).toBe("Succeeded");
    expect(await promotionCalls()).toHaveLength(1);
  });

  it("never calls twice in one attempt, even while the accepted call is not visible yet", async () => {
    // What a later look sees when an earlier one made the call but RDS does not show it yet: no second call.
    const called: FailoverRunStatusJournal = {
      name: "promote-orders",
      kind: "rdsPromoteReplica",
      state: "Running",
      attempts: 1,
      observed: { called: "PromoteReadReplica" },
    };
    const look = await lever.act(instanceStep, context({ epoch: 2, journal: [called] }));
    expect(look).toMatchObject({ type: "InProgress", message: expect.stringMatching(/accepted/) as unknown });
    expect(await promotionCalls()).toHaveLength(0);
  });

  it("promotes a replica cluster with PromoteReadReplicaDBCluster, once", async () => {
    const ctx = context({ epoch: 2 });
    expect((await lever.prepare(clusterStep, ctx)).intent).toMatchObject({
      dbClusterIdentifier: "ledger-replica",
      call: "PromoteReadReplicaDBCluster",
    });
    expect(await lever.act(clusterStep, ctx)).toMatchObject({ type: "InProgress" });
    expect(await lever.act(clusterStep, ctx)).toMatchObject({ type: "InProgress", observed: { status: "promoting" } });
    expect((await actUntilDone(clusterStep, ctx)).at(-1)?.type).toBe("Succeeded");
    const calls = await promotionCalls();
    expect(calls.map((c) => c.action)).toEqual(["PromoteReadReplicaDBCluster"]);
  });

  it("succeeds without a call when the database is already standalone", async () => {
    await control.configure({ replicaPromotionSeconds: 0 });
    await startReplicaPromotion(west, { kind: "cluster", identifier: "ledger-replica" });
    const ctx = context({ epoch: 2 });
    expect((await lever.prepare(clusterStep, ctx)).intent).toMatchObject({ alreadyStandalone: true });
    expect(await lever.act(clusterStep, ctx)).toMatchObject({ type: "Succeeded", observed: { source: null } });
    expect(await promotionCalls()).toHaveLength(1); // the one made above, before the lever
  });

  it("refuses to promote under an epoch the run did not win, in prepare and again at the call", async () => {
    const superseded = context({ epoch: 1 });
    const prepared = await lever.prepare(instanceStep, superseded);
    expect(prepared.refusal?.reason).toBe(GuardReason.FencingEpochSuperseded);
    expect((await lever.prepare(instanceStep, context())).refusal?.reason).toBe(GuardReason.FencingEpochNotWon);
    // A resumed act re-reads the fence before the one call it may make.
    const result = await lever.act(instanceStep, superseded);
    expect(result).toMatchObject({ type: "Refused", reason: GuardReason.FencingEpochSuperseded });
    expect(await promotionCalls()).toHaveLength(0);
  });

  it("refuses a replica that does not exist: no writer would be left in the target region", async () => {
    const prepared = await lever.prepare(step({ dbInstanceIdentifier: "no-such-replica" }), context({ epoch: 2 }));
    expect(prepared.refusal?.reason).toBe(GuardReason.NoWriterLeft);
    expect(prepared.before).toEqual({ exists: false });
  });

  it("calls nothing in a dry run, and says what it would call", async () => {
    const ctx = context({ dryRun: true });
    expect((await lever.prepare(instanceStep, ctx)).refusal).toBeUndefined();
    expect(await lever.act(instanceStep, ctx)).toMatchObject({
      type: "Succeeded",
      observed: { wouldCall: "PromoteReadReplica" },
    });
    expect(await promotionCalls()).toHaveLength(0);
  });
});
