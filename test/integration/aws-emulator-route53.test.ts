/**
 * The AWS emulator answers the real Route53 SDK the way Route53 does for what Switchyard relies on: weighted records,
 * one-batch weight changes, PENDING → INSYNC propagation, stale-DELETE batches rejected whole, settable health-check
 * status, and Route53's throttling since 2026-07-30: account and per-action request-rate buckets, the change-throughput
 * bucket, and PriorRequestNotComplete per hosted zone.
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  waitUntilResourceRecordSetsChanged,
  type Change,
  type Route53Client,
} from "@aws-sdk/client-route-53";
import { DescribeDBClustersCommand } from "@aws-sdk/client-rds";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { rdsClient, route53Client } from "../env/aws-clients.js";
import { EmulatorControl, type Route53ThrottlingConfig } from "../env/aws-emulator.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);
let route53: Route53Client;
let zoneId: string;

const weighted = (setIdentifier: string, weight: number, target: string): Change["ResourceRecordSet"] => ({
  Name: "api.checkout.example.com",
  Type: "CNAME",
  SetIdentifier: setIdentifier,
  Weight: weight,
  TTL: 30,
  ResourceRecords: [{ Value: target }],
});
const fence = (value: string): Change["ResourceRecordSet"] => ({
  Name: "_switchyard.checkout.example.com",
  Type: "TXT",
  TTL: 60,
  ResourceRecords: [{ Value: `"${value}"` }],
});

async function weights(): Promise<Record<string, number | undefined>> {
  const { ResourceRecordSets = [] } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return Object.fromEntries(
    ResourceRecordSets.filter((r) => r.Type === "CNAME").map((r) => [r.SetIdentifier ?? "", r.Weight]),
  );
}

async function fenceValue(): Promise<string | undefined> {
  const { ResourceRecordSets = [] } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
  return ResourceRecordSets.find((r) => r.Type === "TXT")?.ResourceRecords?.[0]?.Value;
}

beforeAll(() => {
  route53 = route53Client(env.aws);
});

beforeEach(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5 });
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: "checkout.example.com", CallerReference: `zone-${Date.now()}` }),
  );
  zoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          { Action: "CREATE", ResourceRecordSet: weighted("use1", 100, "use1.checkout.example.com") },
          { Action: "CREATE", ResourceRecordSet: weighted("euw1", 0, "euw1.checkout.example.com") },
          { Action: "CREATE", ResourceRecordSet: fence("active=us-east-1 epoch=1") },
        ],
      },
    }),
  );
});

describe("Route53 in the emulator", () => {
  it("moves weights in one batch and reports the change PENDING, then INSYNC", async () => {
    const result = await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            { Action: "UPSERT", ResourceRecordSet: weighted("use1", 0, "use1.checkout.example.com") },
            { Action: "UPSERT", ResourceRecordSet: weighted("euw1", 100, "euw1.checkout.example.com") },
          ],
        },
      }),
    );
    expect(result.ChangeInfo?.Status).toBe("PENDING");
    const changeId = result.ChangeInfo?.Id ?? "";
    expect((await route53.send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status).toBe("PENDING");
    await waitUntilResourceRecordSetsChanged({ client: route53, maxWaitTime: 10, minDelay: 1 }, { Id: changeId });
    expect((await route53.send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status).toBe("INSYNC");
    expect(await weights()).toEqual({ use1: 0, euw1: 100 });
  });

  it("gives every change its own id", async () => {
    const ids = new Set<string | undefined>();
    for (const weight of [10, 20]) {
      const result = await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [{ Action: "UPSERT", ResourceRecordSet: weighted("euw1", weight, "euw1.checkout.example.com") }],
          },
        }),
      );
      ids.add(result.ChangeInfo?.Id);
    }
    expect(ids.size).toBe(2);
  });

  it("answers NoSuchChange for an id it never issued", async () => {
    await expect(route53.send(new GetChangeCommand({ Id: "CNOTISSUED" }))).rejects.toMatchObject({
      name: "NoSuchChange",
    });
  });

  it("swaps the fencing record and the weights atomically when the DELETE matches", async () => {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            { Action: "DELETE", ResourceRecordSet: fence("active=us-east-1 epoch=1") },
            { Action: "CREATE", ResourceRecordSet: fence("active=eu-west-1 epoch=2") },
            { Action: "UPSERT", ResourceRecordSet: weighted("use1", 0, "use1.checkout.example.com") },
            { Action: "UPSERT", ResourceRecordSet: weighted("euw1", 100, "euw1.checkout.example.com") },
          ],
        },
      }),
    );
    expect(await fenceValue()).toBe('"active=eu-west-1 epoch=2"');
    expect(await weights()).toEqual({ use1: 0, euw1: 100 });
  });

  it("rejects a batch whose DELETE is stale, and changes nothing of it", async () => {
    const stale = route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            { Action: "UPSERT", ResourceRecordSet: weighted("use1", 0, "use1.checkout.example.com") },
            { Action: "UPSERT", ResourceRecordSet: weighted("euw1", 100, "euw1.checkout.example.com") },
            { Action: "DELETE", ResourceRecordSet: fence("active=us-east-1 epoch=0") },
            { Action: "CREATE", ResourceRecordSet: fence("active=eu-west-1 epoch=1") },
          ],
        },
      }),
    );
    await expect(stale).rejects.toMatchObject({ name: "InvalidChangeBatch" });
    await expect(stale).rejects.toThrow(/values provided do not match the current values/);
    expect(await weights()).toEqual({ use1: 100, euw1: 0 });
    expect(await fenceValue()).toBe('"active=us-east-1 epoch=1"');
  });

  it("checks a DELETE against the zone as it is now, not against records that existed once", async () => {
    const swap = (from: string, to: string) =>
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              { Action: "DELETE", ResourceRecordSet: fence(from) },
              { Action: "CREATE", ResourceRecordSet: fence(to) },
            ],
          },
        }),
      );
    await swap("active=us-east-1 epoch=1", "active=eu-west-1 epoch=2");
    // A second controller that read epoch 1 before the first swap must lose, whatever it tries to write.
    await expect(swap("active=us-east-1 epoch=1", "active=ap-southeast-2 epoch=2")).rejects.toMatchObject({
      name: "InvalidChangeBatch",
    });
    expect(await fenceValue()).toBe('"active=eu-west-1 epoch=2"');
  });

  it("applies concurrent batches one at a time: of two swaps from the same read, one wins", async () => {
    const swap = (to: string) =>
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              { Action: "DELETE", ResourceRecordSet: fence("active=us-east-1 epoch=1") },
              { Action: "CREATE", ResourceRecordSet: fence(`active=${to} epoch=2`) },
            ],
          },
        }),
      );
    const results = await Promise.allSettled([swap("eu-west-1"), swap("ap-southeast-2"), swap("us-west-2")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("reports the health-check status a test sets", async () => {
    const { HealthCheck } = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `hc-${Date.now()}`,
        HealthCheckConfig: {
          Type: "HTTPS",
          FullyQualifiedDomainName: "use1.checkout.example.com",
          ResourcePath: "/healthz",
        },
      }),
    );
    const id = HealthCheck?.Id ?? "";
    const healthy = async () => {
      const { HealthCheckObservations = [] } = await route53.send(
        new GetHealthCheckStatusCommand({ HealthCheckId: id }),
      );
      return HealthCheckObservations.map((o) => o.StatusReport?.Status?.startsWith("Success"));
    };
    expect(await healthy()).toEqual(Array(8).fill(true));
    await control.setHealthCheck(id, 0);
    expect(await healthy()).toEqual(Array(8).fill(false));
    await control.setHealthCheck(id, 3);
    expect((await healthy()).filter(Boolean)).toHaveLength(3);
  });

  it("answers injected throttling with Route53's error code, which the SDK retries", async () => {
    await control.injectFault({ service: "route53", action: "ListResourceRecordSets", code: "Throttling", count: 1 });
    await expect(route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).rejects.toMatchObject({
      name: "Throttling",
      $metadata: { httpStatusCode: 400 },
    });

    await control.injectFault({ service: "route53", action: "ListResourceRecordSets", code: "Throttling", count: 2 });
    const before = (await control.calls()).length;
    const retrying = route53Client(env.aws, 3);
    await expect(retrying.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).resolves.toBeDefined();
    const served = (await control.calls()).slice(before).filter((c) => c.action === "ListResourceRecordSets");
    expect(served).toHaveLength(3);
  });

  it("answers a call held by injected latency normally, and serves other calls meanwhile", async () => {
    await control.injectFault({
      service: "route53",
      action: "ListResourceRecordSets",
      code: "Latency",
      count: 1,
      delaySeconds: 3,
    });
    const finished: string[] = [];
    const slow = route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId })).then((listed) => {
      finished.push("slow");
      return listed;
    });
    // Once the slow call has reached the emulator (it is in the call log), a second one goes past it.
    for (let i = 0; i < 100 && !(await control.calls()).some((c) => c.action === "ListResourceRecordSets"); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await route53.send(new GetHostedZoneCommand({ Id: zoneId }));
    finished.push("fast");
    expect((await slow).ResourceRecordSets?.length).toBeGreaterThan(0);
    expect(finished).toEqual(["fast", "slow"]);
  });
});

/** What a call came to: "ok", or the error code it was answered with (the SDK does not retry: maxAttempts 1). */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "ok";
  } catch (error) {
    return (error as { name?: string }).name ?? String(error);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const seconds = (since: number) => (performance.now() - since) / 1000;

describe("Route53 throttling in the emulator", () => {
  const throttling = async (config: Route53ThrottlingConfig) =>
    ((await control.configure({ route53Throttling: config })) as { route53Throttling: Record<string, unknown> })
      .route53Throttling;
  const getZone = () => route53.send(new GetHostedZoneCommand({ Id: zoneId }));
  const upserts = (count: number, weight: number): Change[] =>
    Array.from({ length: count }, (_, i) => ({
      Action: "UPSERT",
      ResourceRecordSet: weighted(`s${i}`, weight, `s${i}.checkout.example.com`),
    }));
  const submit = (changes: Change[], hostedZoneId = zoneId) =>
    route53.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Changes: changes } }),
    );

  it("is on by default with AWS's request-rate numbers", async () => {
    const config = await throttling({});
    expect(config).toMatchObject({
      enabled: true,
      accountCapacity: 50,
      accountRefillPerSecond: 10,
      defaultAction: { capacity: 50, refillPerSecond: 10 },
      priorRequestNotComplete: true,
    });
    expect((config.actions as Record<string, unknown>).GetHealthCheckStatus).toEqual({
      capacity: 4,
      refillPerSecond: 1,
    });
    expect((config.actions as Record<string, unknown>).CreateHealthCheck).toEqual({
      capacity: 50,
      refillPerSecond: 0.5,
    });
  });

  it("lets the account's burst through, then answers Throttling / Rate exceeded, then the refill rate", async () => {
    // A small bucket refilled slowly: the counts, not the machine's speed, are what is asserted.
    await throttling({ accountCapacity: 6, accountRefillPerSecond: 0.5 });
    for (let i = 0; i < 6; i++) await getZone(); // the burst, back to back (another action would pass too)
    const throttledAt = performance.now();
    const refused = getZone();
    await expect(refused).rejects.toMatchObject({ name: "Throttling", $metadata: { httpStatusCode: 400 } });
    await expect(refused).rejects.toThrow("Rate exceeded");
    // ListHostedZones has its own action bucket, full: the account bucket refuses it all the same.
    expect(await outcome(() => route53.send(new ListHostedZonesCommand({})))).toBe("Throttling");

    // Steady rate: after waiting for k = 2 tokens, about 2 more calls pass (the bound allows for the time taken).
    await sleep(4_500);
    const results: string[] = [];
    for (let i = 0; i < 6; i++) results.push(await outcome(getZone));
    const passed = results.filter((r) => r === "ok").length;
    expect(passed).toBeGreaterThanOrEqual(2);
    expect(passed).toBeLessThanOrEqual(Math.floor(1 + 0.5 * seconds(throttledAt)));
    expect(results.slice(0, 2)).toEqual(["ok", "ok"]);
    expect(results.at(-1)).toBe("Throttling");

    // The calls log shows every refused call, so tests can count Throttling answers.
    const log = (await control.calls()).filter((c) => c.action === "GetHostedZone" || c.action === "ListHostedZones");
    expect(log.filter((c) => c.throttled && c.error === "Throttling")).toHaveLength(2 + 6 - passed);
    expect(log.filter((c) => !c.throttled)).toHaveLength(6 + passed);
  });

  it("gives GetHealthCheckStatus its own bucket of 4 refilled at 1 per second, apart from the account's", async () => {
    const { HealthCheck } = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `hc-${Date.now()}`,
        HealthCheckConfig: { Type: "HTTPS", FullyQualifiedDomainName: "use1.checkout.example.com" },
      }),
    );
    await throttling({}); // AWS's defaults, every bucket full
    const status = () => route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: HealthCheck?.Id ?? "" }));
    const started = performance.now();
    const results: string[] = [];
    for (let i = 0; i < 8; i++) results.push(await outcome(status));
    const elapsed = seconds(started);
    const passed = results.filter((r) => r === "ok").length;
    expect(results.slice(0, 4)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(passed).toBeLessThanOrEqual(4 + Math.floor(elapsed));
    expect(results.filter((r) => r === "Throttling")).toHaveLength(8 - passed);
    expect(passed).toBeLessThan(8);
    // The account bucket (50) has plenty left: other actions pass while GetHealthCheckStatus is refused.
    expect(await outcome(getZone)).toBe("ok");
    expect(await outcome(status)).toBe("Throttling");

    // A configured action limit replaces AWS's for that action only.
    await throttling({ actions: { GetHealthCheckStatus: { capacity: 2 } } });
    const configured: string[] = [];
    for (let i = 0; i < 3; i++) configured.push(await outcome(status));
    expect(configured.slice(0, 2)).toEqual(["ok", "ok"]);
    expect(configured.filter((r) => r === "ok").length).toBeLessThanOrEqual(3);
  });

  it("counts every record change of a batch against the change-throughput bucket, an UPSERT as two", async () => {
    await throttling({ changeCapacity: 10, changeRefillPerSecond: 0.2 });
    const started = performance.now();
    await submit(upserts(4, 10)); // 8 changes: 2 left
    const refused = submit(upserts(2, 20)); // 4 changes
    await expect(refused).rejects.toMatchObject({ name: "Throttling", $metadata: { httpStatusCode: 400 } });
    await expect(refused).rejects.toThrow("Rate exceeded");
    expect(seconds(started)).toBeLessThan(10); // else the refill (0.2/s) could have let it through
    // The refused batch took nothing: one UPSERT (2 changes) still fits, and the records are those of the first batch.
    await submit(upserts(1, 30));
    const { ResourceRecordSets = [] } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const weightOf = (id: string) => ResourceRecordSets.find((r) => r.SetIdentifier === id)?.Weight;
    expect([weightOf("s0"), weightOf("s1"), weightOf("s2"), weightOf("s3")]).toEqual([30, 10, 10, 10]);
    // A DELETE + CREATE pair is two changes as well: the bucket is (nearly) empty now.
    expect(
      await outcome(() =>
        submit([
          { Action: "DELETE", ResourceRecordSet: fence("active=us-east-1 epoch=1") },
          { Action: "CREATE", ResourceRecordSet: fence("active=eu-west-1 epoch=2") },
        ]),
      ),
    ).toBe("Throttling");
    // The request-rate buckets are apart from it: reads pass.
    expect(await outcome(getZone)).toBe("ok");
  });

  it("refuses a batch larger than the change bucket could ever hold as invalid, not as throttled", async () => {
    await throttling({ changeCapacity: 10 });
    const oversized = submit(upserts(6, 50)); // 12 changes > 10
    await expect(oversized).rejects.toMatchObject({ name: "InvalidChangeBatch" });
    await expect(oversized).rejects.toThrow(/12 changes/);
    expect(await weights()).toEqual({ use1: 100, euw1: 0 });
    await submit(upserts(5, 50)); // 10 changes: exactly the capacity
  });

  it("answers PriorRequestNotComplete for a batch on a zone still processing a prior one, and only that zone", async () => {
    const other = await route53.send(
      new CreateHostedZoneCommand({ Name: "other.example.com", CallerReference: `other-${Date.now()}` }),
    );
    const otherId = other.HostedZone?.Id?.split("/").at(-1) ?? "";
    await throttling({ changeProcessingSeconds: 30 });
    await submit(upserts(1, 10));
    const refused = submit(upserts(1, 20));
    await expect(refused).rejects.toMatchObject({
      name: "PriorRequestNotComplete",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(refused).rejects.toThrow(
      "The request was rejected because Route 53 was still processing a prior request.",
    );
    expect((await weights()).s0).toBe(10);
    // Another zone is not held up, nor are reads of this one.
    await submit(
      [
        {
          Action: "CREATE",
          ResourceRecordSet: {
            Name: "_switchyard.other.example.com",
            Type: "TXT",
            TTL: 60,
            ResourceRecords: [{ Value: '"x"' }],
          },
        },
      ],
      otherId,
    );
    expect(await outcome(getZone)).toBe("ok");
    const log = await control.calls();
    expect(log.filter((c) => c.error === "PriorRequestNotComplete")).toHaveLength(1);

    // With the window at 0 (the default) a batch right after another is accepted.
    await throttling({ changeProcessingSeconds: 0 });
    await submit(upserts(1, 40));
    await submit(upserts(1, 50));
    expect((await weights()).s0).toBe(50);
  });

  it("refills every bucket and restores AWS's numbers on reset; only Route53 is throttled", async () => {
    await throttling({ accountCapacity: 2, accountRefillPerSecond: 0.01 });
    await getZone();
    await getZone();
    expect(await outcome(getZone)).toBe("Throttling");
    const rds = rdsClient(env.aws, "us-east-1");
    for (let i = 0; i < 3; i++) expect(await outcome(() => rds.send(new DescribeDBClustersCommand({})))).toBe("ok");

    await control.reset();
    const config = await throttling({});
    expect(config).toMatchObject({ accountCapacity: 50, accountRefillPerSecond: 10, changeCapacity: 1000 });
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: "reset.example.com", CallerReference: `reset-${Date.now()}` }),
    );
    const results: string[] = [];
    for (let i = 0; i < 20; i++)
      results.push(await outcome(() => route53.send(new GetHostedZoneCommand({ Id: zone.HostedZone?.Id ?? "" }))));
    expect(results).toEqual(Array(20).fill("ok"));
  });

  it("can be switched off, and injected faults still answer first", async () => {
    await throttling({ enabled: false, accountCapacity: 1 });
    for (let i = 0; i < 5; i++) expect(await outcome(getZone)).toBe("ok");
    await throttling({ enabled: true, accountCapacity: 1, accountRefillPerSecond: 0.01 });
    await control.injectFault({ service: "route53", action: "GetHostedZone", code: "NoSuchHostedZone", count: 1 });
    expect(await outcome(getZone)).toBe("NoSuchHostedZone"); // the fault takes no token
    expect(await outcome(getZone)).toBe("ok");
    expect(await outcome(getZone)).toBe("Throttling");
    const log = (await control.calls()).filter((c) => c.action === "GetHostedZone").slice(-3);
    expect(log.map((c) => [c.error, c.injected ?? false, c.throttled ?? false])).toEqual([
      ["NoSuchHostedZone", true, false],
      [undefined, false, false],
      ["Throttling", false, true],
    ]);
  });
});
