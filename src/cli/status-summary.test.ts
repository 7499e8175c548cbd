import { describe, expect, it } from "vitest";
import { pausedAnnotation } from "../crds/definitions.js";
import type { DrillSchedule } from "../crds/generated/drillschedules.js";
import { automationLine, inProgress, nextDrill, plansOf, summarize } from "./status-summary.js";
import { plan, policy, run } from "./testing.js";

const NOW = Date.parse("2025-01-01T12:00:00Z");

function drill(name: string, next: string | undefined, mods: { plan?: string; suspend?: boolean } = {}): DrillSchedule {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "DrillSchedule",
    metadata: { name, namespace: "shop" },
    spec: { schedule: "0 3 * * 1", planRef: { name: mods.plan ?? "checkout" }, suspend: mods.suspend ?? false },
    ...(next ? { status: { nextScheduleTime: next } } : {}),
  };
}

describe("which objects belong to the policy", () => {
  const plans = plansOf(policy(), [plan("checkout"), plan("billing", "billing")]);

  it("plans: those whose regionPolicyRef names it", () => {
    expect([...plans]).toEqual(["checkout"]);
  });

  it("runs in progress: every phase but the final ones", () => {
    const phases = ["Pending", "Running", "WaitingApproval", "Succeeded", "Failed", "RolledBack", "Cancelled"] as const;
    const runs = phases.map((phase) => run(phase, { phase }));
    expect(inProgress(runs).map((r) => r.metadata.name)).toEqual(["Pending", "Running", "WaitingApproval"]);
  });

  it("next drill: the soonest of the policy's schedules that are not suspended", () => {
    const drills = [
      drill("later", "2025-01-09T03:00:00Z"),
      drill("suspended", "2025-01-02T03:00:00Z", { suspend: true }),
      drill("other-policy", "2025-01-02T03:00:00Z", { plan: "billing" }),
      drill("unscheduled", undefined),
      drill("soon", "2025-01-06T03:00:00Z"),
    ];
    expect(nextDrill(plans, drills)?.metadata.name).toBe("soon");
  });
});

describe("automationLine", () => {
  it("is the declared mode", () => {
    expect(automationLine(policy())).toBe("Automatic");
  });
  it("says loudly when the kill switch is on", () => {
    expect(automationLine(policy({ annotations: { [pausedAnnotation]: "true" } }))).toBe(
      "Automatic, PAUSED by the kill switch (switchyard resume to lift it)",
    );
  });
});

describe("summarize", () => {
  it("puts regions, the active one, automation, runs, next drill and last decision on one screen", () => {
    const text = summarize({
      policy: policy({
        status: {
          activeRegion: "us-east-1",
          epoch: 7,
          regions: [
            { name: "us-east-1", health: "Unhealthy", since: "2025-01-01T11:58:00Z", failingSignals: ["api", "r53"] },
            { name: "eu-west-1", health: "Healthy", since: "2024-12-30T12:00:00Z" },
          ],
          lastDecision: {
            time: "2025-01-01T11:59:30Z",
            decision: "Failover",
            from: "us-east-1",
            to: "eu-west-1",
            reason: "RegionUnhealthy",
          },
        },
      }),
      plans: [plan()],
      runs: [
        run("checkout-auto-1", { phase: "Running", currentStep: "shift-traffic" }, { spec: { trigger: "Automatic" } }),
        run("done", { phase: "Succeeded" }),
      ],
      drills: [drill("weekly", "2025-01-06T03:00:00Z")],
      now: NOW,
    });
    expect(text).toBe(
      [
        "RegionPolicy shop/checkout",
        "Active region: us-east-1   epoch: 7",
        "Automation:    Automatic",
        "",
        "  REGION     ROLE       HEALTH     SINCE  FAILING SIGNALS",
        "* us-east-1  primary    Unhealthy  2m     api,r53",
        "  eu-west-1  secondary  Healthy    2d     -",
        "",
        "Runs in progress:",
        "  NAME             TRIGGER    MOVE                   PHASE    STEP",
        "  checkout-auto-1  Automatic  us-east-1 → eu-west-1  Running  shift-traffic",
        "Next drill:    2025-01-06T03:00:00Z (in 4d, DrillSchedule weekly)",
        "Last decision: Failover 30s ago (us-east-1 → eu-west-1): RegionUnhealthy",
      ].join("\n"),
    );
  });

  it("says what it does not know yet", () => {
    const text = summarize({ policy: policy(), plans: [], runs: [], drills: [], now: NOW });
    expect(text).toContain("Active region: unknown   epoch: -");
    expect(text).toContain("  us-east-1  primary    Unknown  -      -");
    expect(text).toContain("Runs in progress: none");
    expect(text).toContain("Next drill:    none scheduled");
    expect(text).toContain("Last decision: none yet");
  });
});
