import { describe, expect, it } from "vitest";
import { bindPlan } from "../core/plan/bind.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRunStatusJournal } from "../crds/generated/failoverruns.js";
import { describeStep, renderDiff, renderPlanProblems, stepDiffs } from "./plan-diff.js";
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

describe("a preview that does not succeed, and steps without a recorded intent", () => {
  const bound = (steps: FailoverPlan["spec"]["steps"]) =>
    bindPlan(
      { regionPolicyRef: { name: "checkout" }, steps },
      { from: "us-east-1", to: "eu-west-1" },
      { regions: ["us-east-1", "eu-west-1"] },
    ).plan.steps;
  const flag = {
    name: "freeze",
    bestEffort: true,
    flag: { region: "{{from}}", configMapRef: { name: "app-flags" }, key: "read_only", value: "true" },
  };

  it("renders a step skipped before it recorded anything with the plan's real fields and the reason", () => {
    const entry: FailoverRunStatusJournal = {
      name: "freeze",
      kind: "flag",
      state: "Skipped",
      message: "RegionUnreachable: Region us-east-1 is unreachable; the step is bestEffort.",
    };
    const text = renderDiff(dryRun([entry]), bound([flag]));
    expect(text).toContain(
      [
        "1. freeze (flag)",
        '   not previewed; the step would set flag shop/app-flags read_only to "true" in us-east-1',
        "   - Skipped: RegionUnreachable: Region us-east-1 is unreachable; the step is bestEffort.",
      ].join("\n"),
    );
    expect(text).not.toContain("undefined");
    expect(text).toContain("0 change(s) would be made.");
  });

  it("never prints undefined fields for such a step when the plan is not at hand", () => {
    const text = renderDiff(dryRun([{ name: "freeze", kind: "flag", state: "Skipped", message: "DryRun: x" }]));
    expect(text).toContain("1. freeze (flag)\n   (no change recorded)");
    expect(text).not.toContain("undefined");
  });

  it("ends a refused preview with the run's reason and message instead of a count of changes", () => {
    const refused = run(
      "checkout-preview-y",
      {
        phase: "Failed",
        conditions: [
          {
            type: "Complete",
            status: "False",
            reason: "InvalidPlan",
            message: "freeze.flag.region: Region ap-south-9 is not a region of the RegionPolicy.",
            lastTransitionTime: "2025-01-01T12:00:00Z",
          },
        ],
      },
      { spec: { dryRun: true } },
    );
    const text = renderDiff(refused);
    expect(text).toBe(
      [
        "Dry run checkout-preview-y: us-east-1 → eu-west-1 (plan checkout)",
        "",
        "The preview ended Failed (InvalidPlan): freeze.flag.region: Region ap-south-9 is not a region of the RegionPolicy.",
        "A real run would not complete. Nothing was changed.",
      ].join("\n"),
    );
  });

  it("shows the reason a guard refused a step with", () => {
    const entry: FailoverRunStatusJournal = {
      name: "shift-traffic",
      kind: "route53",
      state: "Failed",
      message: "Every region would be at weight 0.",
      intent: { weights: { "eu-west-1": 0 } },
      observed: { failure: { reason: "NeverZeroWeights", permanent: true } },
    };
    const failed = run("p", { phase: "Failed", journal: [entry] }, { spec: { dryRun: true } });
    expect(renderDiff(failed)).toContain("   ! Failed (NeverZeroWeights): Every region would be at weight 0.");
  });
});

describe("describeStep: what a plan step would do, with its fields", () => {
  it.each<{ step: FailoverPlan["spec"]["steps"][number]; text: string }>([
    {
      step: {
        name: "s",
        route53: { hostedZoneId: "Z1", recordName: "api", setIdentifiers: {}, weights: { "{{to}}": 100 } },
      },
      text: "set weights eu-west-1=100 of api in zone Z1",
    },
    {
      step: { name: "s", auroraGlobal: { globalClusterIdentifier: "checkout", members: {} } },
      text: "make eu-west-1 the writer of checkout (mode SwitchoverOnly)",
    },
    {
      step: { name: "s", rdsPromoteReplica: { region: "{{to}}", dbInstanceIdentifier: "orders-replica" } },
      text: "promote orders-replica in eu-west-1",
    },
    {
      step: { name: "s", scale: { region: "{{to}}", deploymentRef: { name: "api" }, replicas: 3 } },
      text: "scale shop/api to 3 replicas in eu-west-1",
    },
    { step: { name: "s", job: { region: "{{to}}", template: {} } }, text: "run a Job from its template in eu-west-1" },
    {
      step: { name: "s", webhook: { secretRef: { name: "pager" }, body: "{}" } },
      text: "POST to the address in Secret pager",
    },
    {
      step: { name: "s", waitFor: { signal: "api", region: "{{to}}", healthy: false } },
      text: "wait for signal api in eu-west-1 to be unhealthy",
    },
    { step: { name: "s", approval: { message: "Resume writes?" } }, text: "ask for approval: Resume writes?" },
  ])("$text", ({ step, text }) => {
    const [bound] = bindPlan(
      { regionPolicyRef: { name: "checkout" }, steps: [step] },
      { from: "us-east-1", to: "eu-west-1" },
      { regions: ["us-east-1", "eu-west-1"] },
    ).plan.steps;
    expect(bound && describeStep(bound, "shop")).toBe(text);
  });
});

describe("renderPlanProblems", () => {
  it("lists every problem with its step, field and reason, errors first, and says nothing was created", () => {
    const text = renderPlanProblems("checkout", { from: "us-east-1", to: "eu-west-1" }, [
      {
        step: "wait",
        field: "waitFor.signal",
        reason: "UnknownSignal",
        message: "No signal api in eu-west-1.",
        severity: "Warning",
      },
      {
        step: "freeze",
        field: "flag.region",
        reason: "UnknownRegion",
        message: "ap-south-9 is not a region of the policy.",
        severity: "Error",
      },
      { field: "to", reason: "UnknownBindingRegion", message: "mars-1 is not a region.", severity: "Error" },
    ]);
    expect(text).toBe(
      [
        "FailoverPlan checkout cannot move us-east-1 → eu-west-1: 2 error(s), 1 warning(s)",
        "  error   step freeze, flag.region: UnknownRegion: ap-south-9 is not a region of the policy.",
        "  error   plan, to: UnknownBindingRegion: mars-1 is not a region.",
        "  warning step wait, waitFor.signal: UnknownSignal: No signal api in eu-west-1.",
        "No preview was created.",
      ].join("\n"),
    );
  });
});
