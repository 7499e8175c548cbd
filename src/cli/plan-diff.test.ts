import { describe, expect, it } from "vitest";
import type { FailoverRunStatusJournal } from "../crds/generated/failoverruns.js";
import { renderDiff, stepDiffs } from "./plan-diff.js";
import { run } from "./testing.js";

const dryRun = (journal: FailoverRunStatusJournal[]) =>
  run("checkout-preview-x", { phase: "Succeeded", journal }, { spec: { dryRun: true } });

const skipped = { state: "Skipped" as const, message: "DryRun: the intent records what this step would do." };

describe("stepDiffs", () => {
  it.each<{ name: string; entry: FailoverRunStatusJournal; changes: unknown[]; note?: string }>([
    {
      name: "route53: each weight and the fencing record",
      entry: {
        name: "shift-traffic",
        kind: "route53",
        ...skipped,
        before: { weights: { "us-east-1": 100, "eu-west-1": 0 } },
        intent: {
          weights: { "eu-west-1": 100, "us-east-1": 0 },
          changes: 2,
          fence: { from: { active: "us-east-1", epoch: 1 }, to: { active: "eu-west-1", epoch: 2, run: "x" } },
        },
      },
      changes: [
        { what: "weight eu-west-1", before: 0, after: 100 },
        { what: "weight us-east-1", before: 100, after: 0 },
        { what: "fencing record", before: "us-east-1 epoch 1", after: "eu-west-1 epoch 2", plain: true },
      ],
    },
    {
      name: "route53 without a fencing record yet",
      entry: {
        name: "shift-traffic",
        kind: "route53",
        ...skipped,
        before: { weights: {} },
        intent: { weights: { a: 1 }, fence: { from: null, to: { active: "a", epoch: 1 } } },
      },
      changes: [
        { what: "weight a", before: undefined, after: 1 },
        { what: "fencing record", before: "(none)", after: "a epoch 1", plain: true },
      ],
    },
    {
      name: "flag: the value in its ConfigMap",
      entry: {
        name: "freeze",
        kind: "flag",
        ...skipped,
        before: { value: null },
        intent: { namespace: "shop", name: "app-flags", key: "read_only", value: "true" },
      },
      changes: [{ what: "flag shop/app-flags read_only", before: null, after: "true" }],
    },
    {
      name: "scale: replicas",
      entry: {
        name: "scale-up",
        kind: "scale",
        ...skipped,
        before: { replicas: 0 },
        intent: { namespace: "shop", name: "api", replicas: 3 },
      },
      changes: [{ what: "replicas shop/api", before: 0, after: 3 }],
    },
    {
      name: "auroraGlobal: the writer",
      entry: {
        name: "promote-db",
        kind: "auroraGlobal",
        ...skipped,
        before: { writer: "arn:a" },
        intent: { globalClusterIdentifier: "checkout", target: "eu-west-1", mode: "Auto" },
      },
      changes: [{ what: "writer of checkout", before: "arn:a", after: "eu-west-1 (mode Auto)", plain: true }],
    },
    {
      name: "waitFor: nothing changes, it says what it waits for",
      entry: {
        name: "wait",
        kind: "waitFor",
        ...skipped,
        intent: { signal: "api", region: "eu-west-1", healthy: true },
      },
      changes: [],
      note: "would wait for signal api in eu-west-1 to be healthy",
    },
    {
      name: "approval: the question",
      entry: { name: "ok", kind: "approval", ...skipped, intent: { message: "Resume writes?" } },
      changes: [],
      note: "would ask for approval: Resume writes?",
    },
    {
      name: "another kind: every key recorded before",
      entry: { name: "hook", kind: "webhook", ...skipped, before: { status: 1 }, intent: { status: 2 } },
      changes: [{ what: "status", before: 1, after: 2 }],
    },
  ])("$name", ({ entry, changes, note }) => {
    const [diff] = stepDiffs(dryRun([entry]));
    expect(diff?.changes).toEqual(changes);
    expect(diff?.note).toBe(note);
  });
});

describe("renderDiff", () => {
  it("marks changes with ~, values already as wanted with =, and counts the changes", () => {
    const text = renderDiff(
      dryRun([
        {
          name: "freeze",
          kind: "flag",
          ...skipped,
          before: { value: "false" },
          intent: { namespace: "shop", name: "app-flags", key: "read_only", value: "true" },
        },
        {
          name: "unfreeze",
          kind: "flag",
          ...skipped,
          before: { value: "false" },
          intent: { namespace: "shop", name: "app-flags", key: "read_only", value: "false" },
        },
      ]),
    );
    expect(text).toBe(
      [
        "Dry run checkout-preview-x: us-east-1 → eu-west-1 (plan checkout)",
        "",
        "1. freeze (flag)",
        '   ~ flag shop/app-flags read_only: "false" → "true"',
        "",
        "2. unfreeze (flag)",
        '   = flag shop/app-flags read_only: "false" (already)',
        "",
        "1 change(s) would be made. Nothing was changed.",
      ].join("\n"),
    );
  });

  it("shows a preview step that failed, with its message", () => {
    const text = renderDiff(
      dryRun([
        {
          name: "shift-traffic",
          kind: "route53",
          state: "Failed",
          message: "no weighted record for euw1",
          intent: { weights: { "eu-west-1": 100 } },
        },
      ]),
    );
    expect(text).toContain("   ! Failed: no weighted record for euw1");
  });

  it("says when a step recorded nothing", () => {
    expect(renderDiff(dryRun([{ name: "job", kind: "job", ...skipped }]))).toContain("   (no change recorded)");
  });
});
