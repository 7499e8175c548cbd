/**
 * Role state follows the plan (invariant 2): the region that lost the epoch is fenced at once; the one that won it
 * becomes writable through its run's own steps, and self-fencing applies roleState.active only once that run has
 * succeeded (or when no run of the epoch is here at all), and only once per epoch.
 */
import { describe, expect, it } from "vitest";
import { selfFence, type FencingRecord } from "../../core/plan/fencing.js";
import type { FailoverPlanSpecRoleStateActive } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { keepRoleState, type FenceView } from "./self-fencing.js";

const LOCAL = "eu-west-1";
const roleState = {
  active: { flags: [{ configMapRef: { name: "app-flags" }, key: "read_only", value: "false" }] },
  fenced: { flags: [{ configMapRef: { name: "app-flags" }, key: "read_only", value: "true" }] },
};

function policy(activeRoleStateEpoch?: number): RegionPolicy {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "checkout", namespace: "default" },
    spec: {
      regions: [
        { name: "us-east-1", role: "primary" },
        { name: LOCAL, role: "secondary" },
      ],
      signals: [],
      automation: { mode: "Automatic" },
    },
    status: activeRoleStateEpoch === undefined ? {} : { activeRoleStateEpoch },
  };
}

function run(name: string, phase: string | undefined, epoch?: number): FailoverRun {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name, namespace: "default" },
    spec: { planRef: { name: "checkout" }, from: "us-east-1", to: LOCAL, trigger: "Automatic" },
    status: { ...(phase ? { phase: phase as "Running" } : {}), ...(epoch === undefined ? {} : { epoch }) },
  };
}

function fenceAt(active: string, epoch: number, byRun?: string): FenceView {
  const record = { active, epoch, ...(byRun ? { run: byRun } : {}) };
  return { activeRegion: active, epoch, record, verdict: selfFence(LOCAL, undefined, record) };
}

/** `current`: what a fresh read of the record finds, when it differs from the (cached) one the reconcile holds. */
async function keep(p: RegionPolicy, fence: FenceView, runs: FailoverRun[], current?: FencingRecord) {
  const applied: string[] = [];
  const epoch = await keepRoleState({
    policy: p,
    fence,
    localRegion: LOCAL,
    runs,
    roleState,
    ports: {
      read: () => Promise.resolve(current ?? fence.record),
      applyRoleState: (_ns: string, state: FailoverPlanSpecRoleStateActive) => {
        applied.push(state.flags?.[0]?.value === "true" ? "fenced" : "active");
        return Promise.resolve(["app-flags.read_only"]);
      },
    },
    report: () => undefined,
  });
  return { epoch, applied };
}

describe("keepRoleState", () => {
  it("fences at once when the record names another region", async () => {
    expect(await keep(policy(3), fenceAt("us-east-1", 4, "theirs"), [])).toEqual({ epoch: 3, applied: ["fenced"] });
  });

  it.each([
    { case: "the winning run is still running (before its promotion, waits, approval)", phase: "Running" },
    { case: "the winning run waits for an approval", phase: "WaitingApproval" },
    { case: "the winning run has not started", phase: undefined },
    { case: "the winning run failed", phase: "Failed" },
    { case: "the winning run was cancelled", phase: "Cancelled" },
  ])("withholds the active state while $case", async ({ phase }) => {
    const result = await keep(policy(2), fenceAt(LOCAL, 4, "mover"), [run("mover", phase, 4)]);
    expect(result).toEqual({ epoch: 2, applied: [] });
  });

  it("applies it once the winning run has succeeded, and records the epoch so it is applied once", async () => {
    const runs = [run("mover", "Succeeded", 4)];
    const first = await keep(policy(2), fenceAt(LOCAL, 4, "mover"), runs);
    expect(first).toEqual({ epoch: 4, applied: ["active"] });
    expect(await keep(policy(4), fenceAt(LOCAL, 4, "mover"), runs)).toEqual({ epoch: 4, applied: [] });
  });

  it("does not apply it on a cached record the next move has already replaced", async () => {
    const runs = [run("mover", "Succeeded", 4)];
    const moved = { active: "us-east-1", epoch: 5, run: "back" };
    expect(await keep(policy(2), fenceAt(LOCAL, 4, "mover"), runs, moved)).toEqual({ epoch: 2, applied: [] });
  });

  it("applies it when this cluster holds no run of the epoch (a seeded record, a restart long after, a pruned run)", async () => {
    expect(await keep(policy(), fenceAt(LOCAL, 7, "long-gone"), [])).toEqual({ epoch: 7, applied: ["active"] });
  });

  it("finds the winning run by its epoch when the record names no run", async () => {
    const result = await keep(policy(2), fenceAt(LOCAL, 4), [run("mover", "Running", 4)]);
    expect(result).toEqual({ epoch: 2, applied: [] });
  });

  it("never acts on a record older than an epoch a run here has won (a stale read)", async () => {
    const result = await keep(policy(5), fenceAt("us-east-1", 4), [run("mover", "Succeeded", 5)]);
    expect(result).toEqual({ epoch: 5, applied: [] });
  });
});
