/**
 * Story: the controller process in its cluster — leader election between replicas (crash and graceful hand-over), and
 * a restart of the API server underneath a running controller. Uses a control plane of its own, since it stops the
 * API server.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoordinationV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { Controllers, type ControllerProcess } from "../env/controllers.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
let plane: ControlPlane;
let cluster: Cluster;
let dir: string;
let endpoint: RegionEndpoint;
let started: Controllers | undefined;
const fast = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };

async function holder(leaseName: string): Promise<string | undefined> {
  const kc = new KubeConfig();
  kc.loadFromFile(plane.info.kubeconfig);
  const lease = await kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: leaseName, namespace: "default" });
  return lease.spec?.holderIdentity || undefined;
}

/** A policy with one signal, probing the test's endpoint, and the automation a story needs. */
function oneSignalPolicy(namespace: string, name: string, automation: Record<string, unknown>) {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name, namespace },
    spec: {
      regions: [
        { name: "us-east-1", role: "primary" },
        { name: "eu-west-1", role: "secondary" },
      ],
      signals: [{ name: "api", region: "us-east-1", intervalSeconds: 1, http: { url: endpoint.url } }],
      automation,
    },
  };
}

/** Stops the replicas of earlier tests: each leads its own lease and would reconcile this test's objects too. */
async function stopEarlierReplicas(): Promise<void> {
  await started?.stop();
}

async function reconciles(controller: ControllerProcess): Promise<number> {
  const metrics = await (await fetch(`${controller.healthUrl}/metrics`)).text();
  const count = /^switchyard_reconcile_duration_seconds_count\{controller="regionpolicy"\} (\d+)$/m.exec(metrics);
  return Number(count?.[1] ?? 0);
}

/** A replica of us-east-1's controller, contending for `leaseName`. */
function replica(identity: string, leaseName: string, lease = fast): Promise<ControllerProcess> {
  return started!.start("us-east-1", plane.info, { identity, lease, leaseName });
}

async function leaderOf(replicas: ControllerProcess[]): Promise<ControllerProcess> {
  return eventually("one leader", async () => {
    const leading = [];
    for (const r of replicas) if (!r.process.exited() && (await r.isLeader())) leading.push(r);
    return leading.length === 1 ? leading[0] : undefined;
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-lifecycle-"));
  plane = await startControlPlane("lifecycle", dir, await ensureBinaries());
  cluster = new Cluster({ ...env, dir }, plane.info);
  await cluster.installCrds();
  endpoint = await RegionEndpoint.start();
  started = new Controllers({ aws: env.aws, logDir: dir });
}, 120_000);

afterAll(async () => {
  await started?.stop();
  await endpoint?.stop();
  await plane?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("leader election between replicas", () => {
  it("started without its lease namespace: not ready, saying why once in one plain line; ready and leading once it exists", async () => {
    await stopEarlierReplicas();
    const namespace = "switchyard-not-yet";
    const controller = await started!.start("us-east-1", plane.info, {
      identity: "no-namespace",
      lease: fast,
      leaseName: "no-namespace",
      leaseNamespace: namespace,
      waitForReady: false,
    });
    const why = await eventually("/readyz to say why it is not ready", async () => {
      const answer = await fetch(`${controller.healthUrl}/readyz`);
      const text = await answer.text();
      return answer.status === 503 && text.includes("Lease") ? text : undefined;
    });
    expect(why).toContain(`namespace ${namespace} does not exist`);
    // Many retries later (every half second), still one line, not one per retry.
    await new Promise((r) => setTimeout(r, 4000));
    const log = await readFile(join(dir, "controller-no-namespace.log"), "utf8");
    const lines = log.split("\n").filter((l) => l.includes("cannot take part in leader election"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50 });
    expect(await controller.isLeader()).toBe(false);

    await cluster.createNamespace(namespace);
    await eventually("ready and leading", async () =>
      (await fetch(`${controller.healthUrl}/readyz`)).ok && (await controller.isLeader()) ? true : undefined,
    );
  });

  it("exactly one leads; after a SIGKILL the other leads within lease duration + retry period", async () => {
    const replicas = [await replica("a", "crash"), await replica("b", "crash")];
    const leader = await leaderOf(replicas);
    const standby = replicas.find((r) => r !== leader)!;
    expect(await standby.isLeader()).toBe(false);
    expect(await holder("crash")).toBe(leader.identity);

    const killedAt = Date.now();
    await leader.process.kill();
    await eventually("the standby to lead", async () => ((await standby.isLeader()) ? true : undefined), 15_000);
    const takeoverMs = Date.now() - killedAt;
    expect(await holder("crash")).toBe(standby.identity);
    // Behaviour, not speed: the lease must have expired first, and the standby must not wait much beyond that.
    expect(takeoverMs).toBeGreaterThanOrEqual(fast.durationSeconds * 1000 - 1000);
    expect(takeoverMs).toBeLessThan((fast.durationSeconds + fast.retryPeriodSeconds) * 1000 + 3000);
  });

  it("a graceful stop releases the lease: the standby leads before the lease would have expired, exit code 0", async () => {
    const slow = { durationSeconds: 20, renewDeadlineSeconds: 15, retryPeriodSeconds: 0.5 };
    const replicas = [await replica("c", "graceful", slow), await replica("d", "graceful", slow)];
    const leader = await leaderOf(replicas);
    const standby = replicas.find((r) => r !== leader)!;

    const stoppedAt = Date.now();
    await leader.process.stop();
    expect(leader.process.child.exitCode).toBe(0);
    await eventually("the standby to lead", async () => ((await standby.isLeader()) ? true : undefined), 15_000);
    expect(Date.now() - stoppedAt).toBeLessThan(slow.durationSeconds * 1000);
  });

  it("only the leader reconciles and writes: every Event comes from the leading replica", async () => {
    await stopEarlierReplicas();
    const replicas = [await replica("e", "writes"), await replica("f", "writes")];
    const leader = await leaderOf(replicas);
    await cluster.createNamespace("writes");
    await cluster.apply(oneSignalPolicy("writes", "orphan", { mode: "Manual", failoverPlanRef: { name: "missing" } }));
    await eventually("a PlanNotFound event", async () =>
      (await cluster.eventReasons("writes", "orphan")).includes("PlanNotFound") ? true : undefined,
    );
    const events = await cluster.core.listNamespacedEvent({ namespace: "writes" });
    expect(new Set(events.items.map((e) => e.reportingInstance))).toEqual(new Set([leader.identity]));
    const standby = replicas.find((r) => r !== leader)!;
    expect(await reconciles(leader)).toBeGreaterThan(0);
    expect(await reconciles(standby)).toBe(0);
    const policy = await cluster.policy("writes", "orphan");
    expect(policy.status?.signals?.[0]?.observer).toBe("controller/us-east-1");
  });
});

describe("API server restart under a running controller", () => {
  it("recovers its watches and reconciles what changed after the restart", async () => {
    await stopEarlierReplicas();
    const controller = await replica("g", "restart");
    await leaderOf([controller]);
    await plane.stopApiserver();
    await new Promise((r) => setTimeout(r, 2000));
    await plane.startApiserver();

    await cluster.createNamespace("after-restart");
    await cluster.apply(oneSignalPolicy("after-restart", "checkout", { mode: "Paused" }));
    const status = await eventually(
      "the new policy evaluated",
      async () => (await cluster.policy("after-restart", "checkout")).status?.signals?.[0],
      60_000,
    );
    expect(status.name).toBe("api");
  });
});
