/**
 * Story: us-east-1 is lost — its application endpoint fails and its Kubernetes control plane goes down with it.
 * eu-west-1's controller and Route53's health checkers agree that us-east-1 is down (the default quorum of two
 * observers; us-east-1's own controller cannot be heard from), and eu-west-1's controller skips the steps that needed us-east-1 (bestEffort), moves
 * traffic and the epoch, fails Aurora over with data loss allowed (recording the replication lag it gave up as RPO
 * evidence) and finishes. When us-east-1's control plane comes back, its controller reads the record, fences its own
 * cluster read-only and never promotes. us-east-1 here is a control plane of this file's own, since it is stopped.
 */
import { isFinalPhase } from "../../src/core/runs.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateHealthCheckCommand } from "@aws-sdk/client-route-53";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readFence } from "../../src/actuators/route53/fencing-record.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { fenceName, publishReplicationLag, seedCheckout, type CheckoutAws } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const west = new Cluster(env, env.regions[1]!);
const control = new EmulatorControl(env.aws.endpoint);
const namespace = "unplanned";
const lease = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
let controllers: Controllers | undefined;
const endpoints: Record<string, RegionEndpoint> = {};
let plane: ControlPlane;
let east: Cluster;
let dir: string;
let aws: CheckoutAws;
/** region → its Route53 health check: Route53's checkers are the observer that confirms eu-west-1's view */
const healthChecks: Record<string, string> = {};

const promotionCalls = async () =>
  (await control.calls()).filter((c) => c.action === "SwitchoverGlobalCluster" || c.action === "FailoverGlobalCluster");
const flag = async (cluster: Cluster) =>
  (await cluster.core.readNamespacedConfigMap({ name: "app-flags", namespace })).data?.read_only;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-unplanned-"));
  plane = await startControlPlane("us-east-1-own", dir, await ensureBinaries());
  east = new Cluster({ ...env, dir }, plane.info);
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.2, globalClusterTransitionSeconds: 1 });
  endpoints["us-east-1"] = await RegionEndpoint.start();
  endpoints["eu-west-1"] = await RegionEndpoint.start();
  for (const region of ["us-east-1", "eu-west-1"]) {
    const { HealthCheck } = await route53Client(env.aws).send(
      new CreateHealthCheckCommand({
        CallerReference: `unplanned-${region}-${Date.now()}`,
        HealthCheckConfig: { Type: "HTTPS", FullyQualifiedDomainName: `${region}.example.com`, ResourcePath: "/" },
      }),
    );
    healthChecks[region] = HealthCheck?.Id ?? "";
  }
  ({ aws } = await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    {
      namespace,
      endpoints: { "us-east-1": endpoints["us-east-1"].url, "eu-west-1": endpoints["eu-west-1"].url },
      mode: "Automatic",
      approval: false,
      healthChecks,
    },
  ));
  controllers = await startControllers(
    { "us-east-1": east.info, "eu-west-1": west.info },
    { aws: env.aws, logDir: dir, lease, leaseName: "unplanned", namespace },
  );
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  await Promise.all(Object.values(endpoints).map((e) => e.stop()));
  await plane?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("unplanned failover with us-east-1's control plane down", () => {
  it("eu-west-1 completes the run alone: A-side steps skipped, Aurora failed over with data loss, RPO recorded", async () => {
    await eventually("both regions Healthy in eu-west-1's view", async () => {
      const regions = (await west.policy(namespace, "checkout")).status?.regions ?? [];
      return regions.length === 2 && regions.every((r) => r.health === "Healthy") ? true : undefined;
    });
    // The replication lag Aurora reported for the secondary in the last minutes: what a failover may lose.
    await publishReplicationLag(env.aws, "eu-west-1", 1500);

    endpoints["us-east-1"]!.status = 503;
    await control.setHealthCheck(healthChecks["us-east-1"] ?? "", 0);
    await plane.stopApiserver();

    const run = await eventually(
      "eu-west-1's automatic run to finish",
      async () => {
        const finished = (await west.runs(namespace)).find((r) => isFinalPhase(r.status?.phase));
        return finished;
      },
      90_000,
    );
    expect(run.spec).toMatchObject({ from: "us-east-1", to: "eu-west-1", trigger: "Automatic" });
    expect(run.status?.phase).toBe("Succeeded");
    expect(run.status?.journal?.map((e) => [e.name, e.state])).toEqual([
      ["freeze-writes", "Skipped"],
      ["shift-traffic", "Succeeded"],
      ["promote-db", "Succeeded"],
      ["wait-new-region", "Succeeded"],
      ["unfreeze", "Succeeded"],
    ]);
    expect(run.status?.journal?.[0]?.message).toMatch(/^RegionUnreachable/);
    expect((await promotionCalls()).map((c) => c.action)).toEqual(["FailoverGlobalCluster"]);
    expect(run.status?.rpo?.seconds).toBe(1.5);
    expect(run.status?.rpo?.source).toMatch(/AuroraGlobalDBReplicationLag/);
    expect(run.status?.rto?.seconds).toBeGreaterThan(0);
    expect(await flag(west)).toBe("false");
    const fence = await readFence(
      route53Client(env.aws),
      { hostedZoneId: aws.zoneId, recordName: fenceName, ttlSeconds: 60 },
      { acquire: () => Promise.resolve(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    );
    expect(fence?.record).toMatchObject({ active: "eu-west-1", epoch: 2 });
  }, 150_000);

  it("when us-east-1's control plane returns, its controller fences its cluster and never promotes", async () => {
    await plane.startApiserver();
    // Its application comes back too: healthy or not, the record decides who is active.
    endpoints["us-east-1"]!.status = 200;
    const fenced = await eventually(
      "us-east-1's controller to fence itself",
      async () => {
        const policy = await east.policy(namespace, "checkout");
        const condition = policy.status?.conditions?.find((c) => c.type === "Fenced");
        return condition?.status === "True" && policy.status?.epoch === 2 ? policy : undefined;
      },
      90_000,
    );
    expect(fenced.status?.activeRegion).toBe("eu-west-1");
    await eventually("us-east-1 read-only", async () => ((await flag(east)) === "true" ? true : undefined));
    expect(await east.eventReasons(namespace, "checkout")).toContain("SelfFenced");
    // Some evaluations later: still exactly the one promotion, and no run started on us-east-1's side.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await promotionCalls()).toHaveLength(1);
    // A control plane just restarted may still answer 429 now and then (priority and fairness settling): read again.
    const eastRuns: FailoverRun[] = await eventually("us-east-1's runs", () => east.runs(namespace));
    expect(eastRuns).toEqual([]);
  }, 120_000);
});
