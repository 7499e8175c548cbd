/**
 * The AWS emulator answers the real RDS SDK for an Aurora global database across two regions, including the
 * switchover and failover operations that Switchyard's plugin adds to moto.
 */
import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  type GlobalCluster,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { rdsClient } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { createGlobalDatabase } from "../fixtures/checkout-world.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);
const east: RDSClient = rdsClient(env.aws, "us-east-1");
const west: RDSClient = rdsClient(env.aws, "eu-west-1");
let eastArn: string;
let westArn: string;

async function describe_(identifier = "checkout"): Promise<GlobalCluster> {
  // moto ignores the identifier filter of DescribeGlobalClusters, so pick ours out of the list.
  const { GlobalClusters = [] } = await east.send(
    new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: identifier }),
  );
  const found = GlobalClusters.find((g) => g.GlobalClusterIdentifier === identifier);
  if (!found) throw new Error(`no global cluster ${identifier}`);
  return found;
}

async function writer(): Promise<string | undefined> {
  return (await describe_()).GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
}

async function settled(): Promise<GlobalCluster> {
  for (let i = 0; i < 100; i++) {
    const cluster = await describe_();
    if (cluster.Status === "available") return cluster;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("global cluster did not settle");
}

beforeEach(async () => {
  await control.reset();
  await control.configure({ globalClusterTransitionSeconds: 0.5 });
  const members = await createGlobalDatabase(env.aws, "checkout", ["us-east-1", "eu-west-1"]);
  eastArn = members["us-east-1"] ?? "";
  westArn = members["eu-west-1"] ?? "";
});

describe("Aurora global database in the emulator", () => {
  it("spans two regions with the first member as writer", async () => {
    expect(eastArn).toContain(":us-east-1:");
    expect(westArn).toContain(":eu-west-1:");
    expect(await writer()).toBe(eastArn);
  });

  it("switches over: switching-over with FailoverState, then the target writes", async () => {
    const { GlobalCluster } = await west.send(
      new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: "checkout", TargetDbClusterIdentifier: westArn }),
    );
    expect(GlobalCluster?.Status).toBe("switching-over");
    const during = await describe_();
    expect(during.FailoverState).toMatchObject({
      Status: "switching-over",
      FromDbClusterArn: eastArn,
      ToDbClusterArn: westArn,
      IsDataLossAllowed: false,
    });
    expect(await writer()).toBe(eastArn);
    const after = await settled();
    expect(after.FailoverState).toBeUndefined();
    expect(await writer()).toBe(westArn);
  });

  it("fails over with data loss allowed", async () => {
    const { GlobalCluster } = await west.send(
      new FailoverGlobalClusterCommand({
        GlobalClusterIdentifier: "checkout",
        TargetDbClusterIdentifier: westArn,
        AllowDataLoss: true,
      }),
    );
    expect(GlobalCluster?.Status).toBe("failing-over");
    expect((await describe_()).FailoverState?.IsDataLossAllowed).toBe(true);
    await settled();
    expect(await writer()).toBe(westArn);
  });

  it("refuses what AWS refuses", async () => {
    const switchover = (target: string, id = "checkout") =>
      west.send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: id, TargetDbClusterIdentifier: target }));
    await expect(switchover(westArn, "nope")).rejects.toMatchObject({ name: "GlobalClusterNotFoundFault" });
    await expect(switchover(eastArn)).rejects.toMatchObject({ name: "InvalidDBClusterStateFault" });
    await expect(switchover("arn:aws:rds:eu-west-1:123456789012:cluster:stranger")).rejects.toMatchObject({
      name: "DBClusterNotFoundFault",
    });
    await expect(
      west.send(
        new FailoverGlobalClusterCommand({
          GlobalClusterIdentifier: "checkout",
          TargetDbClusterIdentifier: westArn,
          AllowDataLoss: true,
          Switchover: true,
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterCombination" });
    await switchover(westArn);
    await expect(switchover(westArn)).rejects.toMatchObject({ name: "InvalidGlobalClusterStateFault" });
  });

  it("counts every promotion call it serves", async () => {
    const before = (await control.calls()).length;
    await west.send(
      new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: "checkout", TargetDbClusterIdentifier: westArn }),
    );
    const served = (await control.calls()).slice(before);
    expect(served.filter((c) => c.service === "rds" && c.action === "SwitchoverGlobalCluster")).toHaveLength(1);
  });
});
