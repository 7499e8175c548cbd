/**
 * The Aurora Global lever against the AWS emulator (switchover and failover come from Switchyard's moto plugin): the
 * writer moves once, a restart in the middle never calls AWS a second time, and data loss needs the step's permission.
 */
import type { RDSClient } from "@aws-sdk/client-rds";
import { beforeEach, describe, expect, inject, it } from "vitest";
import {
  observeGlobalCluster,
  promote,
  startPromotion,
  type PromoteOptions,
} from "../../src/actuators/aurora/global-cluster.js";
import { rdsClient } from "../env/aws-clients.js";
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
const options = (overrides: Partial<PromoteOptions> = {}): PromoteOptions => ({
  sourceHealthy: true,
  allowDataLoss: false,
  beforeCall: (mode) => {
    journal.push(`calling ${mode}`);
    return Promise.resolve();
  },
  sleep,
  pollIntervalMs: 100,
  ...overrides,
});
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
    const result = await promote(west, "checkout", westArn, options());
    expect(result).toEqual({ called: "switchover", writer: westArn });
    expect(journal).toEqual(["calling switchover"]);
    expect(await promotionCalls()).toHaveLength(1);
  });

  it("does nothing when the target already writes", async () => {
    const result = await promote(east, "checkout", eastArn, options());
    expect(result).toEqual({ writer: eastArn });
    expect(await promotionCalls()).toHaveLength(0);
  });

  it("after a crash right after the call, waits for the promotion instead of calling again", async () => {
    await startPromotion(west, "checkout", westArn, "switchover"); // the crashed controller's call
    const result = await promote(west, "checkout", westArn, options());
    expect(result).toEqual({ writer: westArn });
    expect(journal).toEqual([]);
    expect(await promotionCalls()).toHaveLength(1);
  });

  it("refuses to lose data without the step's permission, and fails over with it", async () => {
    await expect(promote(west, "checkout", westArn, options({ sourceHealthy: false }))).rejects.toThrow(
      /allows no data loss/,
    );
    expect(await promotionCalls()).toHaveLength(0);
    const result = await promote(west, "checkout", westArn, options({ sourceHealthy: false, allowDataLoss: true }));
    expect(result).toEqual({ called: "failover", writer: westArn });
    const [call] = await promotionCalls();
    expect(call?.action).toBe("FailoverGlobalCluster");
  });

  it("refuses while a promotion towards another member is under way", async () => {
    await control.configure({ globalClusterTransitionSeconds: 30 });
    await startPromotion(west, "checkout", westArn, "switchover");
    expect((await observeGlobalCluster(east, "checkout")).transition?.to).toBe(westArn);
    await expect(promote(east, "checkout", eastArn, options())).rejects.toThrow(/under way/);
  });
});
