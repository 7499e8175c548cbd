import { describe, expect, it } from "vitest";
import { SampleBuffer } from "./sample-buffer.js";
import type { TakenSample } from "./scheduler.js";

const policyKey = "default/checkout";
const sample = (ok: boolean, at: number, signal = "api", region = "us-east-1"): TakenSample => ({
  policyKey,
  signal,
  region,
  ok,
  detail: ok ? "HTTP 200" : "HTTP 503",
  at,
});

describe("SampleBuffer", () => {
  it("wakes the policy for every sample until its reconcile has said the thresholds", () => {
    const buffer = new SampleBuffer();
    expect(Array.from({ length: 10 }, (_, i) => buffer.add(sample(true, i)))).toEqual(Array(10).fill(true));
  });

  it("wakes the policy only while a run of equal outcomes is within its threshold, and at every change", () => {
    const buffer = new SampleBuffer();
    buffer.settleAt(policyKey, { failureThreshold: 3, successThreshold: 2 });
    const outcomes = [true, true, true, true, false, false, false, false, false, true, true, true];
    const woke = outcomes.map((ok, i) => buffer.add(sample(ok, i)));
    expect(woke).toEqual([true, true, false, false, true, true, true, false, false, true, true, false]);
  });

  it("keeps every sample for the reconcile, woken or not, in order", () => {
    const buffer = new SampleBuffer();
    buffer.settleAt(policyKey, { failureThreshold: 1, successThreshold: 1 });
    for (let i = 0; i < 5; i++) buffer.add(sample(true, i));
    expect(buffer.drain(policyKey).map((s) => s.at)).toEqual([0, 1, 2, 3, 4]);
    expect(buffer.drain(policyKey)).toEqual([]);
  });

  it("counts each signal's run on its own", () => {
    const buffer = new SampleBuffer();
    buffer.settleAt(policyKey, { failureThreshold: 2, successThreshold: 1 });
    expect(buffer.add(sample(true, 0, "api"))).toBe(true);
    expect(buffer.add(sample(true, 1, "api"))).toBe(false);
    expect(buffer.add(sample(true, 2, "web"))).toBe(true);
    expect(buffer.add(sample(true, 3, "api", "eu-west-1"))).toBe(true);
  });

  it("judges by the thresholds said last, and starts over when the policy is forgotten", () => {
    const buffer = new SampleBuffer();
    buffer.settleAt(policyKey, { failureThreshold: 1, successThreshold: 1 });
    buffer.add(sample(true, 0));
    expect(buffer.add(sample(true, 1))).toBe(false);
    buffer.settleAt(policyKey, { failureThreshold: 1, successThreshold: 3 });
    expect(buffer.add(sample(true, 2))).toBe(true);
    buffer.forget(policyKey);
    expect(buffer.add(sample(true, 3))).toBe(true);
    expect(buffer.add(sample(true, 4))).toBe(true);
  });
});
