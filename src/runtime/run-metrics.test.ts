import { describe, expect, it } from "vitest";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import { createMetrics } from "./metrics.js";
import { runFinishedMetrics } from "./run-metrics.js";

const run: FailoverRun = {
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "FailoverRun",
  metadata: { name: "r", namespace: "shop" },
  spec: { planRef: { name: "checkout" }, from: "us-east-1", to: "eu-west-1", trigger: "Automatic" },
  status: {
    phase: "Succeeded",
    rto: { seconds: 42 },
    rpo: { seconds: 0, source: "SwitchoverGlobalCluster (no data loss)" },
    journal: [
      {
        name: "shift",
        kind: "route53",
        state: "Succeeded",
        startedAt: "2026-12-01T10:00:00Z",
        finishedAt: "2026-12-01T10:00:03Z",
      },
      { name: "approve", kind: "approval", state: "Pending" },
    ],
  },
};

describe("runFinishedMetrics", () => {
  it("observes RTO, RPO and each finished step's duration once per call", async () => {
    const metrics = createMetrics();
    runFinishedMetrics(metrics)(run);
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchyard_rto_seconds_sum{namespace="shop",plan="checkout",trigger="Automatic"} 42');
    expect(text).toContain('switchyard_rpo_seconds_count{namespace="shop",plan="checkout",trigger="Automatic"} 1');
    expect(text).toContain('switchyard_step_duration_seconds_sum{kind="route53",state="Succeeded"} 3');
    // A step that never started or finished has no duration.
    expect(text).not.toContain('kind="approval"');
  });
});
