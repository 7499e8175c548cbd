import { describe, expect, it } from "vitest";
import { drillProgress, type DrillRunView, type ProgressInput } from "./progress.js";

const t0 = Date.parse("2025-06-10T10:00:00Z");
const s = (n: number) => t0 + n * 1000;
const run = (over: Partial<DrillRunView> = {}): DrillRunView => ({
  name: "weekly-1749549600",
  createdAt: t0,
  cancelRequested: false,
  ...over,
});
const input = (over: Partial<ProgressInput>): ProgressInput => ({
  type: "Switchover",
  holdSeconds: 60,
  maxDurationSeconds: 600,
  now: s(10),
  drill: run({ phase: "Running" }),
  ...over,
});

describe("drillProgress", () => {
  it.each<{ name: string; over: Partial<ProgressInput>; action: object }>([
    { name: "a running drill waits, at most until its deadline", over: {}, action: { kind: "wait", until: s(600) } },
    {
      name: "past maxDurationSeconds the run is cancelled",
      over: { now: s(600) },
      action: {
        kind: "cancel",
        run: "weekly-1749549600",
        message: expect.stringMatching(/maxDurationSeconds/) as unknown,
      },
    },
    {
      name: "a real incident's run pre-empts the drill",
      over: { incident: { name: "incident-1", trigger: "Manual" } },
      action: {
        kind: "cancel",
        run: "weekly-1749549600",
        message: "Drill pre-empted by Manual FailoverRun incident-1",
      },
    },
    {
      name: "a cancel already asked for is waited out",
      over: { drill: run({ phase: "Running", cancelRequested: true }), incident: { name: "i", trigger: "Manual" } },
      action: { kind: "wait" },
    },
    {
      name: "a cancelled drill is Aborted, without failback",
      over: { drill: run({ phase: "Cancelled", finishedAt: s(5) }) },
      action: { kind: "finish", result: "Aborted" },
    },
    {
      name: "a failed drill is Failed",
      over: { drill: run({ phase: "RolledBack", finishedAt: s(5) }) },
      action: { kind: "finish", result: "Failed" },
    },
    {
      name: "a dry run ends with its run",
      over: { type: "DryRun", drill: run({ phase: "Succeeded", finishedAt: s(5) }) },
      action: { kind: "finish", result: "Succeeded" },
    },
    {
      name: "a switchover holds in the other region",
      over: { drill: run({ phase: "Succeeded", finishedAt: s(5) }) },
      action: { kind: "wait", until: s(65) },
    },
    {
      name: "then fails back",
      over: { now: s(65), drill: run({ phase: "Succeeded", finishedAt: s(5) }) },
      action: { kind: "failback" },
    },
    {
      name: "an incident during the hold means no failback",
      over: {
        drill: run({ phase: "Succeeded", finishedAt: s(5) }),
        incident: { name: "auto-1", trigger: "Automatic" },
      },
      action: {
        kind: "finish",
        result: "Aborted",
        message: expect.stringMatching(/no failback, pre-empted by Automatic/) as unknown,
      },
    },
    {
      name: "the failback's end is the drill's end",
      over: {
        drill: run({ phase: "Succeeded", finishedAt: s(5) }),
        failback: run({ name: "weekly-1749549600-failback", phase: "Succeeded", createdAt: s(65), finishedAt: s(70) }),
      },
      action: { kind: "finish", result: "Succeeded" },
    },
    {
      name: "a running failback is pre-empted too",
      over: {
        drill: run({ phase: "Succeeded", finishedAt: s(5) }),
        failback: run({ name: "weekly-1749549600-failback", phase: "Running", createdAt: s(65) }),
        incident: { name: "i", trigger: "Manual" },
      },
      action: { kind: "cancel", run: "weekly-1749549600-failback" },
    },
  ])("$name", ({ over, action }) => {
    expect(drillProgress(input(over))).toMatchObject(action);
  });
});
