import { describe, expect, it } from "vitest";
import { findCondition, isConditionTrue, removeCondition, setCondition, type Condition } from "./conditions.js";

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0, 456);
const MIN = 60_000;

const ready: Condition = {
  type: "Ready",
  status: "True",
  reason: "Evaluating",
  message: "ok",
  observedGeneration: 1,
  lastTransitionTime: "2025-01-01T11:00:00Z",
};
const degraded: Condition = { ...ready, type: "Degraded", status: "False", reason: "AllSignalsRead" };

describe("setCondition (meta.SetStatusCondition semantics)", () => {
  it("adds a missing condition stamped with now, at second precision like metav1.Time", () => {
    const out = setCondition(
      [ready],
      { type: "FlapSuppressed", status: "True", reason: "FlapSuppressed", message: "m" },
      T0,
    );
    expect(out).toHaveLength(2);
    expect(findCondition(out, "FlapSuppressed")).toEqual({
      type: "FlapSuppressed",
      status: "True",
      reason: "FlapSuppressed",
      message: "m",
      lastTransitionTime: "2025-01-01T12:00:00Z",
    });
  });

  it("keeps lastTransitionTime when the status is unchanged, but refreshes reason, message and generation", () => {
    const out = setCondition(
      [ready, degraded],
      { type: "Ready", status: "True", reason: "StillEvaluating", message: "new", observedGeneration: 2 },
      T0 + MIN,
    );
    expect(out[0]).toEqual({ ...ready, reason: "StillEvaluating", message: "new", observedGeneration: 2 });
    expect(out[1]).toBe(degraded);
  });

  it("moves lastTransitionTime when the status changes, keeping the condition's position", () => {
    const out = setCondition(
      [ready, degraded],
      { type: "Ready", status: "False", reason: "Invalid", message: "x" },
      T0,
    );
    expect(out.map((c) => c.type)).toEqual(["Ready", "Degraded"]);
    expect(out[0]).toMatchObject({ status: "False", reason: "Invalid", lastTransitionTime: "2025-01-01T12:00:00Z" });
  });

  it("does not modify its input", () => {
    const list = [ready];
    const snapshot = structuredClone(list);
    setCondition(list, { type: "Ready", status: "False", reason: "Invalid", message: "x" }, T0);
    expect(list).toEqual(snapshot);
  });

  it("accepts an absent list", () => {
    expect(
      setCondition(undefined, { type: "Ready", status: "Unknown", reason: "Starting", message: "" }, T0),
    ).toHaveLength(1);
  });
});

describe("findCondition, removeCondition, isConditionTrue", () => {
  it("find by type", () => {
    expect(findCondition([ready, degraded], "Degraded")).toBe(degraded);
    expect(findCondition(undefined, "Ready")).toBeUndefined();
  });

  it("remove by type", () => {
    expect(removeCondition([ready, degraded], "Ready")).toEqual([degraded]);
  });

  it.each([
    { list: [ready], type: "Ready", expected: true },
    { list: [degraded], type: "Degraded", expected: false },
    { list: [ready], type: "Degraded", expected: false },
  ])("$type in the list is true: $expected", ({ list, type, expected }) => {
    expect(isConditionTrue(list, type)).toBe(expected);
  });
});
