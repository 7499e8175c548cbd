import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildJob, isJobOf, jobName, jobVerdict, runLabelValue, type JobOrigin } from "./run-job.js";

const origin = (overrides: Partial<JobOrigin> = {}): JobOrigin => ({
  runName: "checkout-failover-1",
  runUid: "0b9e6f1e-7c1d-4f4e-9a57-2f3a7d0c1b2e",
  step: "smoke-test",
  attempt: 1,
  ...overrides,
});
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe("jobName", () => {
  it("reads as run, step and attempt, and is the same on every call", () => {
    const name = jobName(origin());
    expect(name).toMatch(/^checkout-failover-1-smoke-test-1-[0-9a-f]{8}$/);
    expect(jobName(origin())).toBe(name);
  });

  it("differs per attempt, per step and per run uid (a run created again under the same name)", () => {
    const names = new Set([
      jobName(origin()),
      jobName(origin({ attempt: 2 })),
      jobName(origin({ step: "warm-cache" })),
      jobName(origin({ runUid: "another-uid" })),
    ]);
    expect(names.size).toBe(4);
  });

  it("tells apart names whose readable parts collide", () => {
    expect(jobName(origin({ runName: "a-b", step: "c", runUid: undefined }))).not.toBe(
      jobName(origin({ runName: "a", step: "b-c", runUid: undefined })),
    );
  });

  it.each([
    ["a long run name", "x".repeat(253), "smoke-test"],
    ["a run name with dots", "checkout.failover.2024-06-01", "smoke"],
    ["a long step name", "r", "s".repeat(63)],
  ])("stays a DNS label of at most 63 characters for %s", (_, runName, step) => {
    const name = jobName(origin({ runName, step, attempt: 12 }));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(dns1123Label);
  });
});

describe("runLabelValue", () => {
  it("keeps a name that is a valid label value, and shortens a long one with a hash", () => {
    expect(runLabelValue("checkout-failover-1")).toBe("checkout-failover-1");
    const long = runLabelValue(`${"x".repeat(70)}.y`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^x+-[0-9a-f]{8}$/);
    expect(runLabelValue(`${"x".repeat(70)}.z`)).not.toBe(long);
  });
});

describe("buildJob", () => {
  it("carries the template as its spec, and labels and annotations naming run, step and attempt", () => {
    const template = { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [] } } };
    const job = buildJob(origin({ attempt: 3 }), "shop", template);
    expect(job.metadata).toMatchObject({
      name: jobName(origin({ attempt: 3 })),
      namespace: "shop",
      labels: {
        "switchyard.dev/failover-run": "checkout-failover-1",
        "switchyard.dev/step": "smoke-test",
        "switchyard.dev/attempt": "3",
      },
      annotations: { "switchyard.dev/failover-run-uid": origin().runUid },
    });
    expect(job.metadata?.ownerReferences).toBeUndefined();
    expect(job.spec).toEqual(template);
    expect(isJobOf(job, origin())).toBe(true);
    expect(isJobOf(job, origin({ step: "other" }))).toBe(false);
  });
});

describe("jobVerdict", () => {
  const job = (status: V1Job["status"]): V1Job => ({ metadata: { name: "j", namespace: "shop" }, status });

  it.each<[string, V1Job["status"], string]>([
    ["no status yet", undefined, "Running"],
    ["pods active", { active: 1 }, "Running"],
    ["a condition that is not terminal", { conditions: [{ type: "SuccessCriteriaMet", status: "True" }] }, "Running"],
    ["Complete=False", { conditions: [{ type: "Complete", status: "False" }] }, "Running"],
    ["Complete=True", { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] }, "Succeeded"],
    ["Failed=True", { failed: 2, conditions: [{ type: "Failed", status: "True" }] }, "Failed"],
  ])("%s → %s", (_, status, expected) => {
    expect(jobVerdict(job(status)).type).toBe(expected);
  });

  it("says why a Job failed, in the Job's own words", () => {
    const verdict = jobVerdict(
      job({
        conditions: [
          {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
          },
        ],
      }),
    );
    expect(verdict).toEqual({
      type: "Failed",
      message: "Job shop/j failed: BackoffLimitExceeded: Job has reached the specified backoff limit",
    });
  });
});
