/**
 * The reconcile's decisions about acting, with the ports in memory (the real API server is exercised by the
 * integration and e2e tests): who creates a run, when nothing is written, and that no sample is lost on a conflict.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { failoverPlan, regionPolicy, withDampening, withMode } from "../../../test/fixtures/builders.js";
import { runsOfPolicy } from "../../core/runs.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy, RegionPolicyStatus } from "../../crds/generated/regionpolicies.js";
import { SampleBuffer } from "../../signals/sample-buffer.js";
import { ConflictError } from "../ports.js";
import type { SwitchyardStore } from "./ports.js";
import { reconcileRegionPolicy } from "./reconcile.js";

class MemoryStore implements SwitchyardStore {
  policies = new Map<string, RegionPolicy>();
  plans = new Map<string, FailoverPlan>();
  runs: FailoverRun[] = [];
  statusWrites = 0;
  conflictNext = false;
  policy = (ns: string, name: string) => this.policies.get(`${ns}/${name}`);
  plan = (ns: string, name: string) => this.plans.get(`${ns}/${name}`);
  runsOf = (ns: string, policy: string) =>
    runsOfPolicy(
      this.runs.filter((r) => r.metadata.namespace === ns),
      policy,
      (plan) => this.plan(ns, plan),
    );
  writePolicyStatus(policy: RegionPolicy, status: RegionPolicyStatus): Promise<void> {
    if (this.conflictNext) {
      this.conflictNext = false;
      return Promise.reject(new ConflictError("changed"));
    }
    this.statusWrites++;
    const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
    this.policies.set(key, { ...policy, status: structuredClone(status) });
    return Promise.resolve();
  }
  createRun(run: FailoverRun): Promise<"created" | "exists"> {
    if (this.runs.some((r) => r.metadata.name === run.metadata.name)) return Promise.resolve("exists");
    this.runs.push(run);
    return Promise.resolve("created");
  }
}

function setup(localRegion: string, policy = regionPolicy("checkout")) {
  const store = new MemoryStore();
  store.policies.set("default/checkout", policy);
  store.plans.set("default/checkout", failoverPlan("checkout"));
  const samples = new SampleBuffer();
  const events: { type: string; reason: string; message: string }[] = [];
  let now = Date.parse("2026-11-26T10:00:00Z");
  const deps = {
    store,
    samples,
    events: {
      event: (_o: unknown, type: string, reason: string, message: string) => events.push({ type, reason, message }),
    },
    signals: { sync: () => undefined, remove: () => undefined },
    observer: { evaluated: () => undefined, decided: () => undefined, sampled: () => undefined },
    log: pino({ level: "silent" }),
    localRegion,
    now: () => now,
  };
  /** One sample per region per second: us-east-1 failing or not, eu-west-1 always passing. */
  const tick = async (eastOk: boolean, count = 1) => {
    for (let i = 0; i < count; i++) {
      now += 1000;
      samples.add({
        policyKey: "default/checkout",
        signal: "api",
        region: "us-east-1",
        ok: eastOk,
        detail: "",
        at: now,
      });
      samples.add({ policyKey: "default/checkout", signal: "api", region: "eu-west-1", ok: true, detail: "", at: now });
      await reconcileRegionPolicy("default/checkout", deps);
    }
  };
  const status = () => store.policies.get("default/checkout")?.status;
  return { store, samples, events, tick, status, deps };
}

describe("reconcileRegionPolicy", () => {
  it("in the target region, creates exactly one FailoverRun once the failure threshold is crossed", async () => {
    const { store, tick, status, events } = setup("eu-west-1");
    await tick(true, 2);
    expect(status()?.regions?.map((r) => r.health)).toEqual(["Healthy", "Healthy"]);
    await tick(false, 2);
    expect(store.runs).toHaveLength(0);
    await tick(false, 1); // the third consecutive failure
    expect(store.runs).toHaveLength(1);
    expect(store.runs[0]?.spec).toMatchObject({ from: "us-east-1", to: "eu-west-1", trigger: "Automatic" });
    expect(status()?.lastDecision).toMatchObject({
      decision: "Failover",
      runRef: { name: store.runs[0]?.metadata.name },
    });
    expect(events.some((e) => e.reason === "FailoverStarted")).toBe(true);
    await tick(false, 5);
    expect(store.runs).toHaveLength(1); // the run in progress holds every later decision
  });

  it("in the failing region, records the decision and leaves the run to the target's controller", async () => {
    const { store, tick, status } = setup("us-east-1");
    await tick(true, 2);
    await tick(false, 3);
    expect(store.runs).toHaveLength(0);
    expect(status()?.lastDecision).toMatchObject({ decision: "Failover", from: "us-east-1", to: "eu-west-1" });
  });

  it.each([
    ["Manual", "AwaitingApproval"],
    ["Paused", "Stay"],
  ] as const)("in %s mode decides %s and creates no run", async (mode, decision) => {
    const { store, tick, status } = setup("eu-west-1", regionPolicy("checkout", withMode(mode)));
    await tick(true, 2);
    await tick(false, 3);
    expect(store.runs).toHaveLength(0);
    expect(status()?.lastDecision?.decision).toBe(decision);
  });

  it("with the default quorum, moves only when the peer's published view agrees, and publishes its own", async () => {
    const policy = regionPolicy("checkout", (p) => {
      p.spec.regionUnhealthyWhen = { quorum: 2 };
      p.spec.regions[0]!.cluster = { kubeconfigSecretRef: { name: "peer-us-east-1" } };
    });
    const { store, tick, status, deps } = setup("eu-west-1", policy);
    let east: "Healthy" | "Unhealthy" = "Healthy";
    // us-east-1's controller, as its published status.view says.
    Object.assign(deps, {
      peers: {
        viewsOf: () => [
          {
            observer: "controller/us-east-1",
            at: deps.now(),
            regions: [
              { region: "us-east-1", health: east, failingSignals: east === "Healthy" ? [] : ["api"] },
              { region: "eu-west-1", health: "Healthy" as const, failingSignals: [] },
            ],
          },
        ],
      },
    });
    await tick(true, 2);
    expect(status()?.regions?.map((r) => r.health)).toEqual(["Healthy", "Healthy"]);
    await tick(false, 4);
    // Only this controller condemns us-east-1: no quorum either way, nothing moves.
    expect(status()?.regions?.[0]).toMatchObject({
      health: "Unknown",
      failingObservers: ["controller/eu-west-1"],
      healthyObservers: ["controller/us-east-1"],
    });
    expect(status()?.view).toMatchObject({
      observer: "controller/eu-west-1",
      regions: [
        { name: "us-east-1", health: "Unhealthy" },
        { name: "eu-west-1", health: "Healthy" },
      ],
    });
    expect(store.runs).toHaveLength(0);
    east = "Unhealthy";
    await tick(false, 1);
    expect(store.runs).toHaveLength(1);
  });

  it("reports a quorum no observers can reach as Ready=False, and creates no run", async () => {
    const policy = regionPolicy("checkout", (p) => {
      p.spec.regionUnhealthyWhen = { quorum: 3 };
    });
    const { store, tick, status } = setup("eu-west-1", policy);
    await tick(true, 2);
    await tick(false, 3);
    expect(store.runs).toHaveLength(0);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "QuorumUnreachable",
    });
  });

  it("warns once, with a condition and an Event, when a region's loss could not be judged by a quorum", async () => {
    const policy = regionPolicy("checkout", (p) => {
      p.spec.regionUnhealthyWhen = { quorum: 2 };
      p.spec.regions[0]!.cluster = { kubeconfigSecretRef: { name: "peer-us-east-1" } };
    });
    const { tick, status, events } = setup("eu-west-1", policy);
    await tick(true, 2);
    await tick(true, 3);
    expect(status()?.conditions?.find((c) => c.type === "RegionLossDetectable")).toMatchObject({
      status: "False",
      reason: "QuorumNeedsLostRegion",
    });
    expect(status()?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(events.filter((e) => e.reason === "QuorumNeedsLostRegion")).toHaveLength(1);
    expect(events.find((e) => e.reason === "QuorumNeedsLostRegion")?.message).toMatch(/region us-east-1 is lost/);
  });

  it("finds a region's loss judgeable with a quorum of one", async () => {
    const { tick, status, events } = setup("eu-west-1");
    await tick(true, 2);
    expect(status()?.conditions?.find((c) => c.type === "RegionLossDetectable")?.status).toBe("True");
    expect(events.filter((e) => e.reason === "QuorumNeedsLostRegion")).toHaveLength(0);
  });

  it("reports a refused peer kubeconfig as Ready=False with an Event, and creates no run", async () => {
    const { store, tick, status, events, deps } = setup("eu-west-1");
    const message = "region us-east-1: Secret default/peer key kubeconfig: refused users[u].user.exec (runs a command)";
    let refused = true;
    Object.assign(deps, {
      peers: {
        viewsOf: () => [],
        credentialsProblem: () => (refused ? { reason: "PeerCredentialsRefused", message } : undefined),
      },
    });
    await tick(true, 2);
    await tick(false, 3);
    expect(store.runs).toHaveLength(0);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PeerCredentialsRefused",
      message,
    });
    expect(events.filter((e) => e.reason === "PeerCredentialsRefused")).toHaveLength(1);
    refused = false;
    await tick(false, 1);
    expect(status()?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(store.runs).toHaveLength(1);
  });

  it("reports a peer kubeconfig it cannot read as Ready=False with an Event, and still fails over", async () => {
    const { store, tick, status, events, deps } = setup("eu-west-1");
    const message =
      "region us-east-1: Secret default/peer key kubeconfig: cannot be read: no ServiceAccount to act as in namespace default";
    Object.assign(deps, {
      peers: { viewsOf: () => [], credentialsProblem: () => ({ reason: "PeerCredentialsUnreadable", message }) },
    });
    await tick(true, 2);
    await tick(false, 3);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PeerCredentialsUnreadable",
      message,
    });
    expect(events.filter((e) => e.reason === "PeerCredentialsUnreadable")).toHaveLength(1);
    expect(store.runs).toHaveLength(1);
  });

  it("reports a missing plan as Ready=False with an Event, and creates no run", async () => {
    const { store, tick, status, events } = setup("eu-west-1");
    store.plans.clear();
    await tick(true, 2);
    await tick(false, 3);
    expect(store.runs).toHaveLength(0);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PlanNotFound",
      observedGeneration: 1,
    });
    expect(events.filter((e) => e.reason === "PlanNotFound")).toHaveLength(1);
  });

  it("refuses to act for a tenant whose plan and policy name no ServiceAccount, without a default", async () => {
    const policy = regionPolicy("checkout", (p) => delete p.spec.serviceAccountName);
    const { store, tick, status, events, deps } = setup("eu-west-1", policy);
    delete store.plans.get("default/checkout")!.spec.serviceAccountName;
    await tick(true, 2);
    await tick(false, 3);
    expect(store.runs).toHaveLength(0);
    expect(status()?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ServiceAccountNotSet",
    });
    expect(events.filter((e) => e.reason === "ServiceAccountNotSet")).toHaveLength(1);
    // The controller's default is such a name: then the policy acts.
    Object.assign(deps, { tenancy: { defaultServiceAccount: "switchyard-tenant" } });
    await tick(false, 1);
    expect(store.runs).toHaveLength(1);
  });

  it("reports a plan that reaches into another namespace as Ready=False, field by field, and creates no run", async () => {
    const { store, tick, status } = setup("eu-west-1");
    store.plans.get("default/checkout")!.spec.roleState = {
      fenced: { scale: [{ deploymentRef: { name: "coredns", namespace: "kube-system" }, replicas: 0 }] },
    };
    await tick(true, 2);
    await tick(false, 3);
    expect(store.runs).toHaveLength(0);
    const ready = status()?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "NamespaceNotAllowed" });
    expect(ready?.message).toContain("roleState.fenced.scale[0].deploymentRef.namespace");
  });

  it("puts the samples back when the status write conflicts, so the count is not lost", async () => {
    const { store, tick, status, samples } = setup("eu-west-1");
    await tick(true, 2);
    await tick(false, 2);
    store.conflictNext = true;
    await expect(tick(false, 1)).rejects.toThrow(ConflictError);
    expect(samples.drain("default/checkout").length).toBe(2);
    expect(status()?.signals?.find((s) => s.region === "us-east-1")?.consecutiveFailures).toBe(2);
  });

  it("writes nothing while a steady policy changes only its sample times", async () => {
    const { store, tick } = setup("eu-west-1", regionPolicy("checkout", withDampening({ successThreshold: 2 })));
    await tick(true, 3);
    const writes = store.statusWrites;
    await tick(true, 20);
    expect(store.statusWrites).toBe(writes);
    await tick(true, 60); // but refreshes them at least once a minute
    expect(store.statusWrites).toBeGreaterThan(writes);
  });

  it("a workload signal it cannot reach (no peer kubeconfig) is not probed, and the policy says so instead of Unhealthy", async () => {
    const policy = regionPolicy("checkout", (p) => {
      p.spec.signals.push({ name: "pods", region: "us-east-1", workload: { name: "api" } });
    });
    const { tick, status, deps, events } = setup("eu-west-1", policy);
    const synced: string[][] = [];
    Object.assign(deps, {
      signals: {
        sync: (_key: string, _ns: string, signals: RegionPolicy["spec"]["signals"]) => {
          synced.push(signals.map((s) => `${s.name}/${s.region}`));
        },
        remove: () => undefined,
      },
    });
    await tick(true, 2);
    expect(synced.at(-1)).toEqual(["api/us-east-1", "api/eu-west-1"]);
    expect(status()?.regions?.map((r) => r.health)).toEqual(["Healthy", "Healthy"]);
    const conditions = status()?.conditions ?? [];
    expect(conditions.find((c) => c.type === "SignalsProbed")).toMatchObject({
      status: "False",
      reason: "PeerKubeconfigMissing",
    });
    expect(conditions.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PeerKubeconfigMissing",
    });
    expect(conditions.find((c) => c.type === "Ready")?.message).toContain(
      "spec.regions[0].cluster.kubeconfigSecretRef",
    );
    expect(events.filter((e) => e.reason === "PeerKubeconfigMissing")).toHaveLength(1);
  });
});
