import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { failoverPlan, manualRun, regionPolicy } from "../../test/fixtures/builders.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import { registerObjectMetrics } from "./object-metrics.js";

const condition = (type: string, status: "True" | "False", reason: string) => ({
  type,
  status,
  reason,
  message: "",
  lastTransitionTime: "2026-12-01T10:00:00Z",
});

function world(leader: boolean) {
  const policy = regionPolicy("checkout", (p) => {
    p.spec.objectives = { rtoSeconds: 300, rpoSeconds: 5 };
    p.status = {
      activeRegion: "eu-west-1",
      epoch: 4,
      regions: [
        {
          name: "us-east-1",
          health: "Unhealthy",
          failingObservers: ["controller/eu-west-1", "route53"],
          healthyObservers: ["controller/us-east-1"],
        },
      ],
      conditions: [condition("Ready", "True", "Evaluating"), condition("FlapSuppressed", "False", "NotSuppressed")],
    };
  });
  const running: FailoverRun = {
    ...manualRun("default", "move-1", { from: "us-east-1", to: "eu-west-1" }),
    status: {
      phase: "Running",
      startedAt: "2026-12-01T10:00:00Z",
      journal: [
        { name: "freeze", startedAt: "2026-12-01T10:00:01Z", finishedAt: "2026-12-01T10:00:02Z" },
        { name: "shift", startedAt: "2026-12-01T10:00:03Z" },
        {
          name: "promote",
          kind: "auroraGlobal",
          startedAt: "2026-12-01T10:00:02Z",
          observed: { rpo: { seconds: 1.5, source: "AuroraGlobalDBReplicationLag" } },
        },
      ],
    },
  };
  const drill = (name: string, finishedAt: string, phase: "Succeeded" | "Failed"): FailoverRun => ({
    ...manualRun("default", name, { from: "us-east-1", to: "eu-west-1" }),
    spec: { planRef: { name: "checkout" }, from: "us-east-1", to: "eu-west-1", trigger: "Drill" },
    status: { phase, startedAt: "2026-11-01T10:00:00Z", finishedAt, rto: { seconds: 42 }, rpo: { seconds: 0 } },
  });
  const registry = new Registry();
  registerObjectMetrics(registry, {
    policies: () => [policy],
    plans: () => [
      { ...failoverPlan("checkout"), status: { conditions: [condition("Ready", "False", "UnknownRegion")] } },
    ],
    runs: () => [
      running,
      drill("drill-1", "2026-11-01T10:05:00Z", "Succeeded"),
      drill("drill-2", "2026-11-15T10:05:00Z", "Succeeded"),
      drill("drill-3", "2026-11-29T10:05:00Z", "Failed"),
    ],
    isLeader: () => leader,
  });
  return registry;
}

const at = (time: string) => String(Date.parse(time) / 1000);

describe("object metrics", () => {
  it("reads policies, plans, runs and drills from the caches", async () => {
    const text = await world(true).metrics();
    const lines = text.split("\n").filter((l) => !l.startsWith("#"));
    expect(lines).toEqual(
      expect.arrayContaining([
        'switchyard_policy_active_region{namespace="default",policy="checkout",region="eu-west-1"} 1',
        'switchyard_policy_epoch{namespace="default",policy="checkout"} 4',
        'switchyard_policy_condition{namespace="default",policy="checkout",type="Ready",status="true",reason="Evaluating"} 1',
        'switchyard_region_observer_health{namespace="default",policy="checkout",region="us-east-1",observer="route53",verdict="Unhealthy"} 1',
        'switchyard_region_observer_health{namespace="default",policy="checkout",region="us-east-1",observer="controller/us-east-1",verdict="Healthy"} 1',
        'switchyard_policy_objective_seconds{namespace="default",policy="checkout",objective="rpo"} 5',
        'switchyard_plan_condition{namespace="default",plan="checkout",type="Ready",status="false",reason="UnknownRegion"} 1',
        'switchyard_run_phase{namespace="default",run="move-1",plan="checkout",trigger="Manual",phase="Running"} 1',
        `switchyard_run_last_progress_time_seconds{namespace="default",run="move-1",plan="checkout",trigger="Manual"} ${at("2026-12-01T10:00:03Z")}`,
        `switchyard_run_finish_time_seconds{namespace="default",run="drill-3",plan="checkout",trigger="Drill"} ${at("2026-11-29T10:05:00Z")}`,
        'switchyard_run_rto_seconds{namespace="default",run="drill-1",plan="checkout",trigger="Drill"} 42',
        'switchyard_run_replication_lag_seconds{namespace="default",run="move-1",plan="checkout",trigger="Manual",step="promote"} 1.5',
        `switchyard_drill_last_success_time_seconds{namespace="default",plan="checkout"} ${at("2026-11-15T10:05:00Z")}`,
      ]),
    );
    // A finished run has stopped progressing for good: no series that a "stuck run" alert could fire on.
    expect(text).not.toMatch(/switchyard_run_last_progress_time_seconds\{[^}]*run="drill-1"/);
  });

  it("exports nothing on a replica that is not the leader (every replica has the same caches)", async () => {
    const lines = (await world(false).metrics()).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(lines).toEqual([]);
  });
});
