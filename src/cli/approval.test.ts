import { describe, expect, it } from "vitest";
import { planApproval } from "./approval.js";
import { plan, run } from "./testing.js";

const waiting = run("r1", { phase: "WaitingApproval", currentStep: "approve-unfreeze" });

describe("planApproval", () => {
  it("approves the step a waiting run stands at, keeping the entries already there, under its resourceVersion", () => {
    const r = run(
      "r1",
      { phase: "WaitingApproval", currentStep: "approve-unfreeze" },
      {
        spec: { approvals: [{ step: "earlier", approvedBy: "ann" }] },
      },
    );
    expect(planApproval(r, plan(), { by: "bob", comment: "go" })).toEqual({
      ok: true,
      step: "approve-unfreeze",
      patch: {
        metadata: { resourceVersion: "42" },
        spec: {
          approvals: [
            { step: "earlier", approvedBy: "ann" },
            { step: "approve-unfreeze", approvedBy: "bob", comment: "go" },
          ],
        },
      },
    });
  });

  it("approves a named step ahead of time, while the run is still running", () => {
    const result = planApproval(run("r1", { phase: "Running", currentStep: "shift-traffic" }), plan(), {
      step: "approve-unfreeze",
      by: "bob",
    });
    expect(result).toMatchObject({ ok: true, step: "approve-unfreeze" });
  });

  it.each([
    {
      name: "a running run without --step",
      run: run("r1", { phase: "Running", currentStep: "shift-traffic" }),
      request: { by: "bob" },
      problem: "FailoverRun shop/r1 is not waiting for an approval (phase Running); name the step with --step",
    },
    {
      name: "a finished run",
      run: run("r1", { phase: "Succeeded" }),
      request: { by: "bob" },
      problem: "FailoverRun shop/r1 has finished (phase Succeeded): nothing to approve",
    },
    {
      name: "an unknown step",
      run: waiting,
      request: { step: "nope", by: "bob" },
      problem: "--step nope: no such step in FailoverPlan checkout (approval steps: approve-unfreeze)",
    },
    {
      name: "a step that is not an approval",
      run: waiting,
      request: { step: "shift-traffic", by: "bob" },
      problem: "--step shift-traffic: not an approval step (approval steps: approve-unfreeze)",
    },
    {
      name: "a step already approved",
      run: run(
        "r1",
        { phase: "WaitingApproval", currentStep: "approve-unfreeze" },
        {
          spec: { approvals: [{ step: "approve-unfreeze", approvedBy: "ann" }] },
        },
      ),
      request: { by: "bob" },
      problem: "step approve-unfreeze of FailoverRun shop/r1 is already approved",
    },
    { name: "an empty approver", run: waiting, request: { by: " " }, problem: "--by: an approver's name is required" },
  ])("refuses $name", ({ run: r, request, problem }) => {
    expect(planApproval(r, plan(), request)).toEqual({ ok: false, problem });
  });

  it("without the plan (deleted since), trusts the run's own current step", () => {
    expect(planApproval(waiting, undefined, { by: "bob" })).toMatchObject({ ok: true, step: "approve-unfreeze" });
  });
});
