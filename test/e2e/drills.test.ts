/**
 * Story: drills of the checkout service on two real clusters and the AWS emulator. A Switchover drill asked for with
 * `drill-now` moves us-east-1 → eu-west-1 for real, holds, and fails back (the failback run executed by us-east-1's
 * controller); its history keeps the run's RTO and a report ConfigMap. A schedule whose due times fall in a blackout
 * starts nothing and records why. A person's failover during a drill pre-empts it: the drill run is cancelled, the
 * drill is Aborted and never fails back.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { observeWeightedRecords } from "../../src/actuators/route53/weights.js";
import { drillNowAnnotation, drillScheduleLabel, plurals } from "../../src/crds/definitions.js";
import type { DrillSchedule } from "../../src/crds/generated/drillschedules.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import { checkoutPlan, seedCheckout } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const control = new EmulatorControl(env.aws.endpoint);
const route53 = route53Client(env.aws);
const namespace = "drills";
let controllers: Controllers | undefined;
let endpoint: RegionEndpoint;
let zoneId = "";
let blackoutStart = 0;

const api = { group: "switchyard.dev", version: "v1alpha1", namespace };
const schedule = async (name: string, cluster: Cluster = west) =>
  (await cluster.custom.getNamespacedCustomObject({ ...api, plural: plurals.DrillSchedule, name })) as DrillSchedule;
const run = (name: string, cluster: Cluster = west) => cluster.run(namespace, name);
/** The schedule once its latest drill has a result. */
const drillEnded = (name: string, what: string, timeoutMs?: number) =>
  eventually(
    what,
    async () => {
      const s = await schedule(name);
      return s.status?.history?.[0]?.result ? s : undefined;
    },
    timeoutMs,
  );
const runOrNothing = async (name: string, cluster: Cluster) => {
  try {
    return await run(name, cluster);
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
};
const drillRuns = async (scheduleName: string) =>
  (await west.runs(namespace)).filter((r) => r.metadata.labels?.[drillScheduleLabel] === scheduleName);
const weights = async () => {
  const records = await observeWeightedRecords(
    route53,
    { hostedZoneId: zoneId, recordName: "api.checkout.example.com", type: "CNAME" },
    { acquire: () => Promise.resolve(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  );
  return { "us-east-1": records.get("use1")?.Weight, "eu-west-1": records.get("euw1")?.Weight };
};

function drillSchedule(name: string, spec: Record<string, unknown>, drillNow?: string) {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "DrillSchedule",
    metadata: { name, namespace, ...(drillNow ? { annotations: { [drillNowAnnotation]: drillNow } } : {}) },
    // A weekly due time that no test reaches: drills here are asked for with drill-now, or fall in a blackout.
    spec: { schedule: "0 10 * * 2", planRef: { name: "checkout" }, ...spec },
  };
}

beforeAll(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5, globalClusterTransitionSeconds: 1 });
  endpoint = await RegionEndpoint.start();
  const options = await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    { namespace, endpoints: endpoint.url, mode: "Manual", approval: false },
  );
  zoneId = options.aws.zoneId;
  // The same plan with a person's approval before writes resume: a drill of it waits there, for the pre-emption story.
  const withApproval = checkoutPlan({ ...options, approval: true });
  for (const cluster of [east, west]) {
    await cluster.apply({ ...withApproval, metadata: { ...withApproval.metadata, name: "checkout-approval" } });
  }
  controllers = await startControllers(
    { "eu-west-1": west.info, "us-east-1": east.info },
    { aws: env.aws, leaseName: "drills", namespace },
  );
  // Given a schedule due every minute whose blackout (this hour and the next two, UTC) covers every due time in this
  // file: it is created first, so its first due time has passed by the last story.
  blackoutStart = Math.floor(Date.now() / 3600_000) * 3600_000;
  const hour = new Date(blackoutStart).getUTCHours();
  await west.apply(
    drillSchedule("frozen", {
      schedule: "* * * * *",
      // Pinned, so eu-west-1's controller handles its due times wherever the other stories move the active region.
      from: "us-east-1",
      to: "eu-west-1",
      blackoutWindows: [{ name: "release-freeze", schedule: `0 ${hour} * * *`, durationMinutes: 180 }],
    }),
  );
}, 120_000);

afterAll(async () => {
  await controllers?.stop();
  await endpoint?.stop();
});

describe("drills", () => {
  it("a Switchover drill moves to eu-west-1 for real, holds, fails back, and keeps its RTO and report", async () => {
    // spec.to pinned, spec.from the active region: during the hold eu-west-1 is active, which must not make the
    // schedule doubt its own drill (Ready stays True, the failback happens).
    await west.apply(
      drillSchedule("weekly", { type: "Switchover", holdSeconds: 2, to: "eu-west-1" }, new Date().toISOString()),
    );

    const done = await drillEnded("weekly", "the drill to finish", 60_000);
    const entry = done.status!.history![0]!;
    expect(entry.result).toBe("Succeeded");
    expect(done.status?.lastResult).toBe("Succeeded");
    expect(done.status?.activeRun).toBeUndefined();

    const [drill] = await drillRuns("weekly");
    expect(drill?.metadata.name).toBe(entry.runName);
    expect(drill?.spec).toMatchObject({
      from: "us-east-1",
      to: "eu-west-1",
      trigger: "Drill",
      dryRun: false,
      drill: { scheduleRef: { name: "weekly" }, holdSeconds: 2, failback: true },
    });
    expect(drill?.status?.phase).toBe("Succeeded");
    expect(entry.rtoSeconds).toBeGreaterThan(0);
    expect(entry.rtoSeconds).toBe(drill?.status?.rto?.seconds);

    // The failback was executed by its target region, in its own cluster.
    const failback = await run(`${entry.runName}-failback`, east);
    expect(failback.spec).toMatchObject({
      from: "eu-west-1",
      to: "us-east-1",
      trigger: "Drill",
      drill: { failback: false },
    });
    expect(failback.status?.phase).toBe("Succeeded");
    // Status times are whole seconds.
    const seconds = (t: string | undefined) => Math.floor(Date.parse(t ?? "") / 1000);
    expect(seconds(entry.finishedAt)).toBe(seconds(failback.status?.finishedAt));
    expect(await weights()).toEqual({ "us-east-1": 100, "eu-west-1": 0 });

    const report = await west.core.readNamespacedConfigMap({ name: entry.reportRef?.name ?? "", namespace });
    expect(report.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "FailoverRun", name: entry.runName });
    expect(report.data?.["report.md"]).toContain(entry.runName);
    expect(JSON.stringify(JSON.parse(report.data?.["report.json"] ?? "{}"))).toContain(String(entry.rtoSeconds));
    const reasons = await west.eventReasons(namespace, "weekly");
    expect(reasons).toEqual(expect.arrayContaining(["DrillStarted", "DrillFailbackStarted", "DrillSucceeded"]));
    expect(reasons).not.toContain("NoMove");
    expect(done.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  }, 90_000);

  it("a person's failover during a drill pre-empts it: the drill run is cancelled, Aborted, no failback", async () => {
    await west.apply(
      drillSchedule(
        "preempted",
        { type: "Switchover", holdSeconds: 2, planRef: { name: "checkout-approval" } },
        new Date().toISOString(),
      ),
    );
    const waiting = await eventually(
      "the drill to wait for its approval",
      async () => {
        const [r] = await drillRuns("preempted");
        return r?.status?.phase === "WaitingApproval" ? r : undefined;
      },
      45_000,
    );
    const drillName = waiting.metadata.name ?? "";

    await west.apply(manualRun(namespace, "incident-1", { from: "us-east-1", to: "eu-west-1", reason: "INC-42" }));

    const aborted = await drillEnded("preempted", "the drill to be Aborted");
    expect(aborted.status?.history?.[0]).toMatchObject({ runName: drillName, result: "Aborted" });
    const cancelled = await run(drillName);
    expect(cancelled.spec.cancel).toBe(true);
    expect(cancelled.status?.phase).toBe("Cancelled");
    expect(await runOrNothing(`${drillName}-failback`, east)).toBeUndefined();
    expect(await west.eventReasons(namespace, "preempted")).toEqual(
      expect.arrayContaining(["DrillAborting", "DrillAborted"]),
    );
    // The person's run carries on.
    await eventually("the incident run to succeed", async () =>
      (await run("incident-1")).status?.phase === "Succeeded" ? true : undefined,
    );
  }, 90_000);

  it("a due time in a blackout starts no drill and is recorded as skipped, Blackout", async () => {
    const frozen = await eventually(
      "a due time of the frozen schedule",
      async () => {
        const s = await schedule("frozen");
        return s.status?.skipped?.length ? s : undefined;
      },
      70_000,
    );
    expect(frozen.status?.skipped?.[0]).toMatchObject({ reason: "Blackout" });
    expect(frozen.status?.skipped?.[0]?.message).toContain("release-freeze");
    expect(frozen.status?.lastResult).toBe("Skipped");
    expect(await drillRuns("frozen")).toEqual([]);
    // The next time it would start is the end of the blackout.
    expect(Date.parse(frozen.status?.nextScheduleTime ?? "")).toBe(blackoutStart + 3 * 3600_000);
  }, 90_000);

  it("a schedule aimed at an unknown region says Ready=False, naming spec.to, before any drill; fixed, it is Ready", async () => {
    await west.apply(drillSchedule("misaimed", { from: "us-east-1", to: "eu-west-9" }, new Date().toISOString()));
    const broken = await eventually("the misaimed schedule to be Ready=False", async () => {
      const ready = (await schedule("misaimed")).status?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === "False" ? ready : undefined;
    });
    expect(broken.reason).toBe("UnknownRegion");
    expect(broken.message).toBe(
      "spec.to: eu-west-9 is not a region (regions of RegionPolicy checkout: us-east-1, eu-west-1)",
    );
    await eventually("a Warning event UnknownRegion", async () =>
      (await west.eventReasons(namespace, "misaimed")).includes("UnknownRegion") ? true : undefined,
    );
    // The drill asked for with drill-now is not started against a region that does not exist.
    expect(await drillRuns("misaimed")).toEqual([]);

    await west.apply(drillSchedule("misaimed", { from: "us-east-1", to: "eu-west-1" }));
    const fixed = await eventually("the fixed schedule to be Ready", async () => {
      const ready = (await schedule("misaimed")).status?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === "True" ? ready : undefined;
    });
    expect(fixed).toMatchObject({
      reason: "Scheduling",
      message: "Drills of FailoverPlan checkout from us-east-1 to eu-west-1",
    });
    await eventually("a Normal event Ready", async () =>
      (await west.eventReasons(namespace, "misaimed")).includes("Ready") ? true : undefined,
    );
  }, 60_000);

  it("a cron due time with nothing in its way starts the drill, scheduled at that time", async () => {
    await west.apply(
      drillSchedule("every-minute", { schedule: "* * * * *", type: "DryRun", from: "us-east-1", to: "eu-west-1" }),
    );
    const done = await drillEnded("every-minute", "the next minute's drill to finish", 90_000);
    const entry = done.status!.history![0]!;
    expect(entry.result).toBe("Succeeded");
    expect(Date.parse(entry.scheduledTime ?? "") % 60_000).toBe(0);
    const [drill] = await drillRuns("every-minute");
    expect(drill?.metadata.name).toBe(entry.runName);
    expect(drill?.spec).toMatchObject({ trigger: "Drill", dryRun: true, from: "us-east-1", to: "eu-west-1" });
    expect(drill?.status?.journal?.map((e) => e.state)).toEqual(drill?.status?.journal?.map(() => "Skipped"));
  }, 120_000);
});
