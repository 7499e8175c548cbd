/**
 * Story: two regions, a controller in each. Region us-east-1's endpoint starts failing. After failureThreshold
 * samples the controllers judge us-east-1 Unhealthy; what happens next depends on the automation mode.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FailoverPlan } from "../../src/crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../src/crds/generated/regionpolicies.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const endpoints: Record<string, RegionEndpoint> = {};
let controllers: Controllers | undefined;
let namespaceCount = 0;

function policy(namespace: string, mode: "Automatic" | "Manual" | "Paused", plan = "checkout"): RegionPolicy {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "checkout", namespace },
    spec: {
      regions: [
        { name: "us-east-1", role: "primary" },
        { name: "eu-west-1", role: "secondary" },
      ],
      signals: ["us-east-1", "eu-west-1"].map((region) => ({
        name: "api",
        region,
        intervalSeconds: 1,
        http: { url: endpoints[region]?.url ?? "", timeoutSeconds: 1 },
      })),
      // One observer's word: this story is one controller's decisions (the quorum across controllers has its own).
      regionUnhealthyWhen: { quorum: 1 },
      dampening: { failureThreshold: 3, successThreshold: 2, holdDownSeconds: 600 },
      automation: { mode, failoverPlanRef: { name: plan }, failback: "Manual" },
      fencing: { route53: { hostedZoneId: "Z0CHECKOUT", recordName: "_switchyard.checkout.example.com" } },
    },
  };
}

function plan(namespace: string): FailoverPlan {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverPlan",
    metadata: { name: "checkout", namespace },
    spec: {
      regionPolicyRef: { name: "checkout" },
      steps: [{ name: "approve", approval: { message: "Go to {{to}}?" } }],
    },
  };
}

/** Given: a fresh namespace in both clusters holding the policy (and its plan, unless left out). */
async function givenPolicy(mode: "Automatic" | "Manual" | "Paused", options: { withPlan?: boolean } = {}) {
  const namespace = `story-${++namespaceCount}`;
  for (const cluster of [east, west]) {
    await cluster.createNamespace(namespace);
    const objects: object[] = [policy(namespace, mode)];
    if (options.withPlan ?? true) objects.push(plan(namespace));
    await cluster.apply(...objects);
  }
  return namespace;
}

const healthOf = async (cluster: Cluster, namespace: string) =>
  Object.fromEntries(
    ((await cluster.policy(namespace, "checkout")).status?.regions ?? []).map((r) => [r.name, r.health]),
  );

async function bothRegionsHealthy(namespace: string) {
  for (const cluster of [east, west]) {
    await eventually(`both regions Healthy in ${cluster.info.name}`, async () => {
      const health = await healthOf(cluster, namespace);
      return health["us-east-1"] === "Healthy" && health["eu-west-1"] === "Healthy" ? true : undefined;
    });
  }
}

function whenUsEast1Fails() {
  endpoints["us-east-1"]!.status = 503;
}

beforeAll(async () => {
  for (const region of ["us-east-1", "eu-west-1"]) endpoints[region] = await RegionEndpoint.start();
  await Promise.all([east.installCrds(), west.installCrds()]);
  controllers = await startControllers({ "us-east-1": east.info, "eu-west-1": west.info }, { aws: env.aws });
}, 120_000);

afterAll(async () => {
  await controllers?.stop();
  await Promise.all(Object.values(endpoints).map((e) => e.stop()));
});

describe("automatic failover decision", () => {
  it("Automatic: the target region's controller creates one FailoverRun us-east-1 → eu-west-1", async () => {
    endpoints["us-east-1"]!.status = 200;
    const namespace = await givenPolicy("Automatic");
    await bothRegionsHealthy(namespace);

    whenUsEast1Fails();

    const [run] = await eventually("a FailoverRun in eu-west-1", async () => {
      const runs = await west.runs(namespace);
      return runs.length > 0 ? runs : undefined;
    });
    expect(run?.spec).toMatchObject({
      from: "us-east-1",
      to: "eu-west-1",
      trigger: "Automatic",
      planRef: { name: "checkout" },
    });
    expect(run?.metadata.labels?.["switchyard.dev/policy"]).toBe("checkout");
    // The run is created first; the policy's status records the decision behind it right after.
    const westPolicy = await eventually("eu-west-1's status to record the decision", async () => {
      const p = await west.policy(namespace, "checkout");
      return p.status?.lastDecision?.runRef?.name === run?.metadata.name ? p : undefined;
    });
    expect(westPolicy.status?.regions?.find((r) => r.name === "us-east-1")?.health).toBe("Unhealthy");
    // The run was created on exactly the sample that completed the third consecutive failure.
    expect(westPolicy.status?.signals?.find((s) => s.region === "us-east-1")).toMatchObject({
      health: "Unhealthy",
      consecutiveFailures: 3,
    });
    expect(westPolicy.status?.lastDecision).toMatchObject({
      decision: "Failover",
      runRef: { name: run?.metadata.name },
    });
    expect(await west.eventReasons(namespace, "checkout")).toContain("FailoverStarted");

    // The failing region's own controller decides the same but leaves the execution to the target.
    await eventually("us-east-1's controller to decide Failover", async () => {
      const decision = (await east.policy(namespace, "checkout")).status?.lastDecision;
      return decision?.decision === "Failover" ? decision : undefined;
    });
    expect(await east.runs(namespace)).toEqual([]);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await west.runs(namespace)).toHaveLength(1);
  });

  it("Manual: the decision waits for a person and no run is created", async () => {
    endpoints["us-east-1"]!.status = 200;
    const namespace = await givenPolicy("Manual");
    await bothRegionsHealthy(namespace);

    whenUsEast1Fails();

    const decision = await eventually("AwaitingApproval in eu-west-1", async () => {
      const d = (await west.policy(namespace, "checkout")).status?.lastDecision;
      return d?.decision === "AwaitingApproval" ? d : undefined;
    });
    expect(decision).toMatchObject({ from: "us-east-1", to: "eu-west-1", reason: "ApprovalRequired" });
    await new Promise((r) => setTimeout(r, 3000));
    expect(await west.runs(namespace)).toEqual([]);
    expect(await east.runs(namespace)).toEqual([]);
  });

  it("Paused: only status changes", async () => {
    endpoints["us-east-1"]!.status = 200;
    const namespace = await givenPolicy("Paused");
    await bothRegionsHealthy(namespace);

    whenUsEast1Fails();

    await eventually("us-east-1 Unhealthy in eu-west-1's status", async () =>
      (await healthOf(west, namespace))["us-east-1"] === "Unhealthy" ? true : undefined,
    );
    expect((await west.policy(namespace, "checkout")).status?.lastDecision).toMatchObject({
      decision: "Stay",
      reason: "Paused",
    });
    await new Promise((r) => setTimeout(r, 3000));
    expect(await west.runs(namespace)).toEqual([]);
  });

  it("a missing plan is a Ready=False condition and a Warning Event, never a crash", async () => {
    endpoints["us-east-1"]!.status = 200;
    const namespace = await givenPolicy("Automatic", { withPlan: false });
    const ready = await eventually("Ready=False", async () => {
      const policy = await west.policy(namespace, "checkout");
      return policy.status?.conditions?.find((c) => c.type === "Ready" && c.status === "False");
    });
    expect(ready).toMatchObject({ reason: "PlanNotFound", observedGeneration: 1 });
    expect(ready.message).toContain("FailoverPlan checkout does not exist");
    await eventually("a PlanNotFound event", async () =>
      (await west.eventReasons(namespace, "checkout")).includes("PlanNotFound") ? true : undefined,
    );
    expect(controllers?.processes.map((c) => c.process.exited())).toEqual([false, false]);
  });
});
