import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { schemaDefault } from "../../crds/definitions.js";
import type { FailoverPlanSpec, FailoverPlanSpecStep } from "../../crds/generated/failoverplans.js";
import { bindPlan, bindStep } from "./bind.js";
import { ProblemReason } from "./reasons.js";
import { planDefaults, regionOf, stepDefaults, type FlagStep } from "./steps.js";
import { errorsOf, type PolicyShape, type Problem } from "./validate.js";

const FROM = "us-east-1";
const TO = "eu-west-1";
const binding = { from: FROM, to: TO };
const policy: PolicyShape = {
  regions: [FROM, TO],
  signals: [
    { name: "api-http", region: FROM },
    { name: "api-http", region: TO },
  ],
};
const arn = (r: string): string => `arn:aws:rds:${r}:1:cluster:checkout`;

/** The design's checkout plan, as a person would write it. */
const checkout: FailoverPlanSpecStep[] = [
  {
    name: "freeze-writes",
    bestEffort: true,
    flag: { region: "{{from}}", configMapRef: { name: "app-flags" }, key: "read_only", value: "true" },
  },
  {
    name: "shift-traffic",
    route53: {
      hostedZoneId: "Z123",
      recordName: "api.example.com",
      setIdentifiers: { [FROM]: "use1", [TO]: "euw1" },
      weights: { "{{to}}": 100, "{{from}}": 0 },
    },
  },
  {
    name: "promote-db",
    auroraGlobal: { globalClusterIdentifier: "checkout", members: { [FROM]: arn(FROM), [TO]: arn(TO) }, mode: "Auto" },
  },
  { name: "wait-new-region", waitFor: { signal: "api-http", region: "{{to}}" } },
  { name: "approve-unfreeze", approval: { message: "Confirm writes may resume in {{to}} (moved from {{from}})" } },
  {
    name: "notify",
    webhook: { body: '{"text":"{{from}} → {{to}}"}', secretRef: { name: "hook" } },
  },
  {
    name: "unfreeze",
    flag: { region: "{{to}}", configMapRef: { name: "app-flags" }, key: "read_only", value: "false" },
  },
];
const spec = (steps: FailoverPlanSpecStep[], mods: Partial<FailoverPlanSpec> = {}): FailoverPlanSpec => ({
  regionPolicyRef: { name: "checkout" },
  steps,
  ...mods,
});

const r53 = (
  weights: Record<string, number>,
  setIdentifiers: Record<string, string> = { [FROM]: "use1", [TO]: "euw1" },
): FailoverPlanSpecStep => ({
  name: "shift",
  route53: { hostedZoneId: "Z", recordName: "api.example.com", setIdentifiers, weights },
});

const reasons = (problems: Problem[]): string[] => problems.map((p) => `${p.severity}:${p.step ?? "-"}:${p.reason}`);

describe("bindPlan", () => {
  it("binds the design's plan: regions, weight keys and text, a kind per step, every default", () => {
    const { plan, problems } = bindPlan(spec(checkout), binding, policy);
    expect(problems).toEqual([]);
    expect(plan.onFailure).toBe("Halt");
    expect(plan.timeoutSeconds).toBe(1800);
    const [freeze, shift, promote, wait, approve, notify, unfreeze] = plan.steps;
    expect(freeze).toEqual({
      name: "freeze-writes",
      kind: "flag",
      bestEffort: true,
      timeoutSeconds: 300,
      retries: { limit: 3, backoffSeconds: 5 },
      onRollback: "Restore",
      flag: { region: FROM, configMapRef: { name: "app-flags" }, key: "read_only", value: "true" },
    });
    expect(shift).toMatchObject({
      kind: "route53",
      route53: { type: "CNAME", weights: { [TO]: 100, [FROM]: 0 }, setIdentifiers: { [FROM]: "use1", [TO]: "euw1" } },
    });
    expect(promote).toMatchObject({ kind: "auroraGlobal", auroraGlobal: { target: TO, source: FROM, mode: "Auto" } });
    expect(wait).toMatchObject({ kind: "waitFor", waitFor: { region: TO, healthy: true } });
    expect(approve).toMatchObject({
      kind: "approval",
      approval: { message: `Confirm writes may resume in ${TO} (moved from ${FROM})` },
    });
    expect(notify).toMatchObject({
      kind: "webhook",
      webhook: { body: `{"text":"${FROM} → ${TO}"}`, secretRef: { name: "hook" } },
    });
    expect(unfreeze).toMatchObject({ kind: "flag", flag: { region: TO, value: "false" } });
  });

  it("keeps a step's own settings over the defaults", () => {
    const { plan } = bindPlan(
      spec([{ ...r53({ "{{to}}": 1 }), timeoutSeconds: 60, retries: { limit: 0 }, onRollback: "None" }], {
        onFailure: "Rollback",
        timeoutSeconds: 900,
      }),
      binding,
      policy,
    );
    expect(plan).toMatchObject({
      onFailure: "Rollback",
      timeoutSeconds: 900,
      steps: [{ timeoutSeconds: 60, retries: { limit: 0, backoffSeconds: 5 }, onRollback: "None" }],
    });
  });

  it("binds the other kinds' regions too", () => {
    const steps = bindPlan(
      spec([
        { name: "a", scale: { region: "{{from}}", deploymentRef: { name: "api" }, replicas: 0 } },
        { name: "b", job: { region: "{{to}}", template: { template: { spec: {} } } } },
        { name: "c", rdsPromoteReplica: { region: "{{to}}", dbClusterIdentifier: "replica" } },
      ]),
      binding,
      policy,
    ).plan.steps;
    expect(steps.map((s) => [s.kind, regionOf(s)])).toEqual([
      ["scale", FROM],
      ["job", TO],
      ["rdsPromoteReplica", TO],
    ]);
  });

  it("binds a webhook to its plan-given URL or to its Secret, never to both", () => {
    const url = bindStep({ name: "n", webhook: { url: "https://status.example.com/x", body: "{{to}}" } }, binding);
    expect(url.step).toMatchObject({ kind: "webhook", webhook: { url: "https://status.example.com/x", body: TO } });
    // Both given (an object that bypassed admission): the Secret's address wins, so no token meets a plan's URL.
    const both = bindStep(
      { name: "n", webhook: { url: "https://collector.example.net", secretRef: { name: "relay" } } },
      binding,
    );
    expect(both.step).toEqual(expect.objectContaining({ webhook: { secretRef: { name: "relay" }, body: "" } }));
  });

  it("does not alias the plan object: a bound step may be recorded and changed freely", () => {
    const plan = spec(structuredClone(checkout));
    const frozen = structuredClone(plan);
    const bound = bindPlan(plan, binding, policy).plan.steps;
    (bound[0] as FlagStep).flag.configMapRef.name = "changed";
    expect(plan).toEqual(frozen);
  });

  it("replaces templates only in their exact spelling, and a '$' in a region name literally", () => {
    const { plan } = bindPlan(
      spec([{ name: "a", approval: { message: "{{ to }} {{TO}} {{to}}" } }]),
      { from: "a$&b", to: "x$1" },
      { regions: ["a$&b", "x$1"] },
    );
    expect(plan.steps[0]).toMatchObject({ approval: { message: "{{ to }} {{TO}} x$1" } });
  });
});

describe("bindPlan: problems, one row per check", () => {
  const traffic = r53({ "{{to}}": 100 });

  it.each<{
    case: string;
    steps: FailoverPlanSpecStep[];
    binding?: { from: string; to: string };
    policy?: PolicyShape;
    expected: string[];
  }>([
    { case: "a valid plan", steps: checkout, expected: [] },
    {
      case: "from not in the policy",
      steps: [traffic],
      binding: { from: "ap-south-1", to: TO },
      expected: ["Error:-:UnknownBindingRegion"],
    },
    {
      case: "to not in the policy",
      steps: [traffic],
      binding: { from: FROM, to: "ap-south-1" },
      expected: ["Error:-:UnknownBindingRegion", "Error:shift:WeightWithoutRecord"],
    },
    { case: "from equals to", steps: [traffic], binding: { from: TO, to: TO }, expected: ["Error:-:SameFromAndTo"] },
    {
      case: "a step names a region the policy lacks",
      steps: [
        traffic,
        { name: "f", flag: { region: "ap-south-1", configMapRef: { name: "x" }, key: "k", value: "v" } },
      ],
      expected: ["Error:f:UnknownRegion"],
    },
    {
      case: "a waitFor names a signal the policy lacks",
      steps: [traffic, { name: "w", waitFor: { signal: "nope", region: "{{to}}" } }],
      expected: ["Error:w:UnknownSignal"],
    },
    {
      case: "signals are not checked when the policy's are not given",
      steps: [traffic, { name: "w", waitFor: { signal: "nope", region: "{{to}}" } }],
      policy: { regions: [FROM, TO] },
      expected: [],
    },
    {
      case: "setIdentifiers lack a region of the policy",
      steps: [r53({ "{{to}}": 100 }, { [TO]: "euw1", "ap-south-1": "aps1" })],
      expected: ["Error:shift:SetIdentifierMissing", "Error:shift:UnknownRegion"],
    },
    {
      case: "a weight for a region without record",
      steps: [r53({ "{{to}}": 100, "ap-south-1": 5 })],
      expected: ["Error:shift:WeightWithoutRecord"],
    },
    {
      case: "two weight keys bind to one region",
      steps: [r53({ "{{to}}": 100, [TO]: 0 })],
      expected: ["Error:shift:WeightsCollide"],
    },
    {
      case: "every bound weight is 0 (never zero)",
      steps: [r53({ "{{from}}": 0, "{{to}}": 0 })],
      expected: ["Error:shift:NeverZeroWeights"],
    },
    {
      case: "Aurora members name a region the policy lacks",
      steps: [
        traffic,
        {
          name: "p",
          auroraGlobal: { globalClusterIdentifier: "g", members: { [TO]: arn(TO), "ap-south-1": arn("ap-south-1") } },
        },
      ],
      expected: ["Error:p:UnknownRegion"],
    },
    {
      case: "Aurora's target is not a member (no writer left)",
      steps: [traffic, { name: "p", auroraGlobal: { globalClusterIdentifier: "g", members: { [FROM]: arn(FROM) } } }],
      expected: ["Error:p:NoWriterLeft"],
    },
    {
      case: "an RDS promotion in `from` (no writer in `to`)",
      steps: [traffic, { name: "p", rdsPromoteReplica: { region: "{{from}}", dbInstanceIdentifier: "r" } }],
      expected: ["Error:p:NoWriterLeft"],
    },
    {
      case: "a bestEffort promotion (no writer left if it is skipped)",
      steps: [
        traffic,
        { name: "p", bestEffort: true, rdsPromoteReplica: { region: "{{to}}", dbInstanceIdentifier: "r" } },
      ],
      expected: ["Error:p:NoWriterLeft"],
    },
    {
      case: "nothing moves traffic or writer (a warning)",
      steps: [{ name: "a", approval: { message: "m" } }],
      expected: ["Warning:-:NothingMoves"],
    },
    {
      case: "a promotion before the epoch is won (a warning)",
      steps: [{ name: "p", rdsPromoteReplica: { region: "{{to}}", dbInstanceIdentifier: "r" } }, traffic],
      expected: ["Warning:p:PromotionBeforeEpoch"],
    },
    { case: "a step with no kind", steps: [traffic, { name: "empty" }], expected: ["Error:empty:InvalidStepKind"] },
    {
      case: "a step with two kinds",
      steps: [{ ...traffic, approval: { message: "m" } }],
      expected: ["Warning:-:NothingMoves", "Error:shift:InvalidStepKind"],
    },
  ])("$case", ({ steps, binding: b = binding, policy: p = policy, expected }) => {
    expect(reasons(bindPlan(spec(steps), b, p).problems)).toEqual(expected);
  });

  it("marks the problems an override may bypass with their invariant", () => {
    const problems = bindPlan(
      spec([
        r53({ "{{from}}": 0, "{{to}}": 0 }),
        { name: "x", flag: { region: "nowhere", configMapRef: { name: "x" }, key: "k", value: "v" } },
      ]),
      binding,
      policy,
    ).problems;
    expect(problems.map((p) => [p.reason, p.invariant])).toEqual([
      [ProblemReason.NeverZeroWeights, "NeverZero"],
      [ProblemReason.UnknownRegion, undefined],
    ]);
  });

  it("(d) bound weights are never all zero when bind reports no error", () => {
    const key = fc.constantFrom("{{from}}", "{{to}}", FROM, TO, "ap-south-1");
    const weights = fc.dictionary(key, fc.integer({ min: 0, max: 3 }), { minKeys: 1, maxKeys: 4 });
    const pair = fc.constantFrom<[string, string]>([FROM, TO], [TO, FROM], [FROM, "ap-south-1"], ["ap-south-1", TO]);
    fc.assert(
      fc.property(fc.array(weights, { minLength: 1, maxLength: 3 }), pair, (all, [from, to]) => {
        const steps = all.map((w, i): FailoverPlanSpecStep => ({
          ...r53(w, { [FROM]: "a", [TO]: "b", "ap-south-1": "c" }),
          name: `s${i}`,
        }));
        const result = bindPlan(spec(steps), { from, to }, { regions: [FROM, TO, "ap-south-1"] });
        if (errorsOf(result.problems).length > 0) return;
        for (const s of result.plan.steps) {
          if (s.kind === "route53") expect(Object.values(s.route53.weights).some((w) => w > 0)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("defaults", () => {
  const planAt = (...path: string[]): unknown => schemaDefault("FailoverPlan", ["spec", ...path]);
  const stepAt = (...path: string[]): unknown => planAt("steps", "[]", ...path);

  it("agree with the CRD's", () => {
    expect({
      bestEffort: stepAt("bestEffort"),
      timeoutSeconds: stepAt("timeoutSeconds"),
      retries: { limit: stepAt("retries", "limit"), backoffSeconds: stepAt("retries", "backoffSeconds") },
      onRollback: stepAt("onRollback"),
      route53Type: stepAt("route53", "type"),
      auroraMode: stepAt("auroraGlobal", "mode"),
      waitForHealthy: stepAt("waitFor", "healthy"),
    }).toEqual(stepDefaults);
    expect({
      onFailure: planAt("onFailure"),
      timeoutSeconds: planAt("timeoutSeconds"),
      historyLimit: planAt("historyLimit"),
    }).toEqual(planDefaults);
  });

  it("are what bindStep fills in", () => {
    expect(bindStep({ name: "a", approval: { message: "m" } }, binding).step).toMatchObject({
      bestEffort: stepDefaults.bestEffort,
      timeoutSeconds: stepDefaults.timeoutSeconds,
      retries: stepDefaults.retries,
      onRollback: stepDefaults.onRollback,
    });
  });
});
