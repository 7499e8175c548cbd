/**
 * The Aurora Global lever against the AWS emulator (switchover and failover come from Switchyard's moto plugin): the
 * writer moves once, a restart in the middle never calls AWS a second time, data loss needs the step's permission,
 * and a failover's replication lag is read from CloudWatch as RPO evidence.
 */
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { RDSClient } from "@aws-sdk/client-rds";
import { beforeEach, describe, expect, inject, it } from "vitest";
import {
  advancePromotion,
  observeGlobalCluster,
  startPromotion,
  type PromotionMode,
  type PromotionOptions,
} from "../../src/actuators/aurora/global-cluster.js";
import { replicationLagSeconds } from "../../src/actuators/aurora/replication-lag.js";
import { cloudwatchClient, rdsClient } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { createGlobalDatabase } from "../fixtures/checkout-world.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);
const east: RDSClient = rdsClient(env.aws, "us-east-1");
const west: RDSClient = rdsClient(env.aws, "eu-west-1");
let eastArn = "";
let westArn = "";
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const journal: string[] = [];
const options = (overrides: Partial<PromotionOptions> = {}): PromotionOptions => ({
  sourceHealthy: true,
  allowDataLoss: false,
  beforeCall: (mode) => {
    journal.push(`calling ${mode}`);
    return Promise.resolve(undefined);
  },
  ...overrides,
});

/** Looks again until the target writes, carrying what was called as the journal does between reconciles. */
async function promote(rds: RDSClient, target: string, opts: PromotionOptions) {
  let called: PromotionMode | undefined;
  for (let look = 0; look < 200; look++) {
    const progress = await advancePromotion(rds, "checkout", target, {
      ...opts,
      ...(called ? { alreadyCalled: called } : {}),
    });
    if (progress.type === "done") return { writer: progress.writer, ...(called ? { called } : {}) };
    if (progress.type === "refused") throw new Error(progress.message);
    called = progress.called ?? called;
    await sleep(100);
  }
  throw new Error("the promotion never finished");
}
const promotionCalls = async () =>
  (await control.calls()).filter((c) => c.action === "SwitchoverGlobalCluster" || c.action === "FailoverGlobalCluster");

beforeEach(async () => {
  journal.length = 0;
  await control.reset();
  await control.configure({ globalClusterTransitionSeconds: 0.5 });
  const members = await createGlobalDatabase(env.aws, "checkout", ["us-east-1", "eu-west-1"]);
  eastArn = members["us-east-1"] ?? "";
  westArn = members["eu-west-1"] ?? "";
});

describe("Aurora Global lever", () => {
  it("switches over when the source is healthy, journaling before the one call", async () => {
    const result = await promote(west, westArn, options());
    expect(result).toEqual({ called: "switchover", writer: westArn });
    expect(journal).toEqual(["calling switchover"]);
    expect(await promotionCalls()).toHaveLength(1);
  });

  it("does nothing when the target already writes", async () => {
    const result = await promote(east, eastArn, options());
    expect(result).toEqual({ writer: eastArn });
    expect(await promotionCalls()).toHaveLength(0);
  });

  it("after a crash right after the call, waits for the promotion instead of calling again", async () => {
    await startPromotion(west, "checkout", westArn, "switchover"); // the crashed controller's call
    const result = await promote(west, westArn, options());
    expect(result).toEqual({ writer: westArn });
    expect(journal).toEqual([]);
    expect(await promotionCalls()).toHaveLength(1);
  });

  it("never calls twice in one attempt, even while the accepted call is not visible yet", async () => {
    // What a later look sees when an earlier one made the call but Aurora does not show it yet: no second call.
    const progress = await advancePromotion(west, "checkout", westArn, options({ alreadyCalled: "switchover" }));
    expect(progress).toEqual({ type: "underWay", reason: expect.stringMatching(/accepted/) as unknown });
    expect(journal).toEqual([]);
    expect(await promotionCalls()).toHaveLength(0);
  });

  it("refuses to lose data without the step's permission, and fails over with it", async () => {
    await expect(promote(west, westArn, options({ sourceHealthy: false }))).rejects.toThrow(/allows no data loss/);
    expect(await promotionCalls()).toHaveLength(0);
    const result = await promote(west, westArn, options({ sourceHealthy: false, allowDataLoss: true }));
    expect(result).toEqual({ called: "failover", writer: westArn });
    const [call] = await promotionCalls();
    expect(call?.action).toBe("FailoverGlobalCluster");
  });

  it("refuses while a promotion towards another member is under way", async () => {
    await control.configure({ globalClusterTransitionSeconds: 30 });
    await startPromotion(west, "checkout", westArn, "switchover");
    expect((await observeGlobalCluster(east, "checkout")).transition?.to).toBe(westArn);
    await expect(promote(east, eastArn, options())).rejects.toThrow(/under way/);
  });
});

describe("RPO evidence", () => {
  it("is the worst replication lag CloudWatch reported for the target cluster in the last minutes", async () => {
    const cloudwatch = cloudwatchClient(env.aws, "eu-west-1");
    const now = new Date();
    expect(await replicationLagSeconds(cloudwatch, westArn, now)).toBeUndefined();
    for (const [ago, ms] of [
      [120, 800],
      [60, 2300],
      [10, 400],
    ] as const) {
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: "AWS/RDS",
          MetricData: [
            {
              MetricName: "AuroraGlobalDBReplicationLag",
              Dimensions: [{ Name: "DBClusterIdentifier", Value: "checkout-eu-west-1" }],
              Timestamp: new Date(now.getTime() - ago * 1000),
              Value: ms,
              Unit: "Milliseconds",
            },
          ],
        }),
      );
    }
    expect(await replicationLagSeconds(cloudwatch, westArn, now)).toBe(2.3);
    // Another cluster's lag is not this one's evidence.
    expect(await replicationLagSeconds(cloudwatch, eastArn, now)).toBeUndefined();
  });
});
