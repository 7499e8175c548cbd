/**
 * The AWS emulator answers the real Route53 SDK the way Route53 does for what Switchyard relies on: weighted records,
 * one-batch weight changes, PENDING → INSYNC propagation, stale-DELETE batches rejected whole, and settable
 * health-check status.
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  waitUntilResourceRecordSetsChanged,
  type Change,
  type Route53Client,
} from "@aws-sdk/client-route-53";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";

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
