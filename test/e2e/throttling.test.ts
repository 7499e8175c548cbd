/**
 * Story: four policies fail over at once while Route53 answers throttling errors. Every run completes, and the
 * controller's Route53 requests — listings, fencing reads, change batches, INSYNC polls and the retries of throttled
 * calls alike — stay within its share of the account's limits: the emulator, metering the account as Route53 does,
 * refuses none of them beyond the throttles injected.
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListHostedZonesCommand,
} from "@aws-sdk/client-route-53";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fenceChange, fencingRecordSet } from "../../src/core/plan/fencing.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl, controllerAccessKeyId, peakCalls } from "../env/aws-emulator.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import { checkoutPolicy, fenceName, recordName, setIdentifiers } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const west = new Cluster(env, env.regions[1]!);
const control = new EmulatorControl(env.aws.endpoint);
const route53 = route53Client(env.aws);
const policies = ["throttle-a", "throttle-b", "throttle-c", "throttle-d"];
const injectedThrottles = 12;
let controllers: Controllers | undefined;
let endpoint: RegionEndpoint;

/** A zone per policy (Route53 allows several of one name) with its weighted records (us-east-1 active) and fencing record at epoch 1. */
async function seedZone(namespace: string): Promise<string> {
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: "checkout.example.com", CallerReference: `${namespace}-${Date.now()}` }),
  );
  const zoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
  const weighted = (id: string, weight: number) => ({
    Action: "CREATE" as const,
    ResourceRecordSet: {
      Name: recordName,
      Type: "CNAME" as const,
      SetIdentifier: id,
      Weight: weight,
      TTL: 30,
      ResourceRecords: [{ Value: `${id}.example.com` }],
    },
  });
  const fence = fencingRecordSet(fenceName, 60, { active: "us-east-1", epoch: 1 });
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [weighted("use1", 100), weighted("euw1", 0), ...fenceChange(undefined, fence)] },
    }),
  );
  return zoneId;
}

beforeAll(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 1 });
  endpoint = await RegionEndpoint.start();
  await west.installCrds();
  for (const namespace of policies) {
    const zoneId = await seedZone(namespace);
    await west.createNamespace(namespace);
    const options = {
      namespace,
      aws: { zoneId, members: {} },
      endpoints: { "us-east-1": endpoint.url, "eu-west-1": endpoint.url },
      mode: "Manual" as const,
      approval: false,
    };
    await west.apply(checkoutPolicy(options, "none"), {
      apiVersion: "switchyard.dev/v1alpha1",
      kind: "FailoverPlan",
      metadata: { name: "checkout", namespace },
      spec: {
        regionPolicyRef: { name: "checkout" },
        steps: [
          {
            name: "shift-traffic",
            route53: {
              hostedZoneId: zoneId,
              recordName,
              type: "CNAME",
              setIdentifiers,
              weights: { "{{to}}": 100, "{{from}}": 0 },
            },
          },
        ],
      },
    });
  }
  controllers = await startControllers({ "eu-west-1": west.info }, { aws: env.aws, leaseName: "throttling" });
}, 120_000);

afterAll(async () => {
  await controllers?.stop();
  await endpoint?.stop();
});

describe("failovers under Route53 throttling", () => {
  it("all complete, and the request rate stays within the quota", async () => {
    // Taken before the fault is armed: the controller's plan checks read Route53 at any time, and a throttle they
    // draw between the two would otherwise go uncounted.
    const since = Date.now() / 1000;
    await control.injectFault({ service: "route53", action: "*", code: "Throttling", count: injectedThrottles });
    for (const namespace of policies) {
      await west.apply(manualRun(namespace, "move", { from: "us-east-1", to: "eu-west-1", reason: "e2e" }));
    }
    const runs = await eventually(
      "every run to finish",
      async () => {
        const all: FailoverRun[] = [];
        for (const namespace of policies) all.push(...(await west.runs(namespace)));
        const done = all.filter((r) => ["Succeeded", "Failed"].includes(r.status?.phase ?? ""));
        return done.length === policies.length ? done : undefined;
      },
      90_000,
    );
    expect(runs.map((r) => r.status?.phase)).toEqual(policies.map(() => "Succeeded"));
    expect(runs.map((r) => r.status?.epoch)).toEqual(policies.map(() => 2));
    // The emulator answered every injected throttle: the next call of ours is served normally.
    await expect(route53.send(new ListHostedZonesCommand({}))).resolves.toBeDefined();

    const calls = (await control.calls()).filter(
      (c) => c.service === "route53" && c.time >= since && c.accessKeyId === controllerAccessKeyId,
    );
    const times = calls.map((c) => c.time).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(injectedThrottles + policies.length * 3);
    // The emulator meters the account as Route53 does; the controller's share of it (half: --route53-controllers 2)
    // never let one of its own buckets refuse a call — the only throttles were the injected ones.
    expect(calls.filter((c) => c.throttled && !c.injected)).toEqual([]);
    // (The last injected throttle may have gone to the test's own call above.)
    expect(calls.filter((c) => c.injected).length).toBeGreaterThanOrEqual(injectedThrottles - 1);
    // Over any window of w seconds, at most the share's burst (25) and rate (5 a second): one more for the noise of
    // the emulator logging a call when it has parsed it.
    for (const w of [1, 2, 5, 10]) expect(peakCalls(times, w)).toBeLessThanOrEqual(25 + 5 * w + 1);
  }, 150_000);
});
