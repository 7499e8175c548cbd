/**
 * Story: a broken FailoverPlan is found the moment it is applied, not on the day of the failover. The checkout world
 * is seeded in both clusters and eu-west-1's controller runs; then each kind of broken reference is applied in turn
 * (a set identifier, a ConfigMap, an Aurora member, a Job template, a webhook Secret, a Deployment, a region, a
 * signal). Each makes the plan Ready=False with a short reason naming the field, within one evaluation, and the
 * RegionPolicy Ready=False PlanNotReady naming the plan; the fixed plan is Ready again. A policy whose fencing record
 * cannot be read says so instead of showing a fake epoch 0; a policy asking for a recent drill gets DrillTooOld.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { group, plurals, version } from "../../src/crds/definitions.js";
import type { FailoverPlan } from "../../src/crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../src/crds/generated/regionpolicies.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { Controllers } from "../env/controllers.js";
import { checkoutPlan, checkoutPolicy, seedCheckout, type CheckoutOptions } from "../fixtures/checkout-world.js";
import { tenantObjects } from "../fixtures/tenant.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const control = new EmulatorControl(env.aws.endpoint);
const namespace = "readiness";
const controllers = new Controllers({ aws: env.aws, leaseName: namespace, namespace });
let endpoint: RegionEndpoint;
let seeded: CheckoutOptions;

type Plan = ReturnType<typeof checkoutPlan>;
type Step = Plan["spec"]["steps"][number] | Record<string, unknown>;

beforeAll(async () => {
  await control.reset();
  endpoint = await RegionEndpoint.start();
  seeded = await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    { namespace, endpoints: endpoint.url, mode: "Manual", approval: false },
  );
  // Evaluations on a short interval: the story waits for "within one evaluation", not for the default five minutes.
  await controllers.start("eu-west-1", west.info, { extraArgs: ["--plan-evaluation-interval-seconds", "3"] });
}, 120_000);

afterAll(async () => {
  await controllers.stop();
  await endpoint?.stop();
});

const get = async <T>(plural: string, name: string) =>
  (await west.custom.getNamespacedCustomObject({ group, version, namespace, plural, name })) as T;
const plan = (name = "checkout") => get<FailoverPlan>(plurals.FailoverPlan, name);
const policy = (name = "checkout") => get<RegionPolicy>(plurals.RegionPolicy, name);
const ready = (o: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }) =>
  o.status?.conditions?.find((c) => c.type === "Ready");

/** The plan once the controller has evaluated its current spec. */
const evaluated = (name = "checkout") =>
  eventually(`plan ${name} to be evaluated at its generation`, async () => {
    const p = await plan(name);
    return p.status?.observedGeneration === p.metadata.generation && ready(p) ? p : undefined;
  });

/** The seeded plan with its steps changed by `edit`, applied over the good one. */
async function applyPlan(edit: (steps: Step[]) => Step[]): Promise<void> {
  const good = checkoutPlan(seeded);
  await west.apply({ ...good, spec: { ...good.spec, steps: edit(good.spec.steps) } });
}

const replace = (name: string, step: Step) => (steps: Step[]) =>
  steps.map((s) => ("name" in s && s.name === name ? step : s));
const append = (step: Step) => (steps: Step[]) => [...steps, step];
const unfreezeWith = (configMap: string) =>
  replace("unfreeze", {
    name: "unfreeze",
    flag: { region: "{{to}}", configMapRef: { name: configMap }, key: "read_only", value: "false" },
  });

describe("continuous plan readiness", () => {
  it("the seeded plan can make both moves, and its policy is Ready", async () => {
    const p = await evaluated();
    expect(ready(p)).toMatchObject({ status: "True", reason: "AllMovesReady" });
    expect(p.status?.moves?.map((m) => [m.from, m.to, m.ready])).toEqual([
      ["us-east-1", "eu-west-1", true],
      ["eu-west-1", "us-east-1", true],
    ]);
    const pol = await eventually("the policy to be Ready", async () => {
      const got = await policy();
      return ready(got)?.status === "True" ? got : undefined;
    });
    expect(pol.status?.conditions?.find((c) => c.type === "FencingRecordReadable")?.status).toBe("True");
  });

  const broken: [string, (steps: Step[]) => Step[], { reason: string; step: string; field: string }][] = [
    [
      "a set identifier that no record has",
      (steps) =>
        steps.map((s) =>
          "route53" in s && s.route53
            ? { ...s, route53: { ...s.route53, setIdentifiers: { "us-east-1": "use1", "eu-west-1": "euw1-typo" } } }
            : s,
        ),
      { reason: "RecordSetNotFound", step: "shift-traffic", field: "route53.setIdentifiers" },
    ],
    [
      "a ConfigMap that does not exist",
      unfreezeWith("no-such-flags"),
      { reason: "ConfigMapNotFound", step: "unfreeze", field: "flag.configMapRef" },
    ],
    [
      "an Aurora member that is not in the global cluster",
      (steps) =>
        steps.map((s) =>
          "auroraGlobal" in s && s.auroraGlobal
            ? {
                ...s,
                auroraGlobal: {
                  ...s.auroraGlobal,
                  members: {
                    ...seeded.aws.members,
                    "eu-west-1": "arn:aws:rds:eu-west-1:123456789012:cluster:not-a-member",
                  },
                },
              }
            : s,
        ),
      { reason: "GlobalClusterMismatch", step: "promote-db", field: "auroraGlobal.members" },
    ],
    [
      "a Job template the API server rejects",
      append({
        name: "smoke",
        job: { region: "{{to}}", template: { template: { spec: { restartPolicy: "Never" } } } },
      }),
      { reason: "JobTemplateRejected", step: "smoke", field: "job.template" },
    ],
    [
      "a webhook Secret that does not exist",
      append({ name: "notify", webhook: { secretRef: { name: "no-such-webhook" }, body: "{}" } }),
      { reason: "WebhookSecretInvalid", step: "notify", field: "webhook.secretRef" },
    ],
    [
      "a Deployment that does not exist",
      append({ name: "scale-up", scale: { region: "{{to}}", deploymentRef: { name: "no-such-api" }, replicas: 3 } }),
      { reason: "DeploymentNotFound", step: "scale-up", field: "scale.deploymentRef" },
    ],
    [
      "a region the policy does not have",
      append({ name: "scale-up", scale: { region: "eu-central-1", deploymentRef: { name: "api" }, replicas: 3 } }),
      { reason: "UnknownRegion", step: "scale-up", field: "scale.region" },
    ],
    [
      "a signal the policy does not declare",
      append({ name: "wait-db", waitFor: { signal: "no-such-signal", region: "{{to}}", healthy: true } }),
      { reason: "UnknownSignal", step: "wait-db", field: "waitFor.signal" },
    ],
  ];

  it.each(broken)(
    "%s: the plan and its policy say so before any run, and the fix makes it Ready again",
    async (_name, edit, expected) => {
      await applyPlan(edit);
      const p = await evaluated();
      const condition = ready(p);
      expect(condition).toMatchObject({ status: "False", reason: expected.reason });
      // The next automatic move (from the active us-east-1) is among the moves that cannot be made.
      const next = p.status?.moves?.find((m) => m.from === "us-east-1" && m.to === "eu-west-1");
      expect(next?.ready).toBe(false);
      const problem = next?.problems?.find((x) => x.reason === expected.reason);
      expect(problem).toMatchObject({ step: expected.step, field: expected.field, severity: "Error" });
      // Short: one sentence, no nested repeats of an API error.
      expect(problem?.message.length).toBeLessThanOrEqual(300);
      expect(condition?.message.length).toBeLessThan(1200);

      const pol = await eventually("the policy to say PlanNotReady", async () => {
        const got = await policy();
        return ready(got)?.reason === "PlanNotReady" ? got : undefined;
      });
      expect(ready(pol)?.message).toContain("FailoverPlan checkout cannot make the next automatic move");
      expect(ready(pol)?.message).toContain(expected.field);
      expect(await west.eventReasons(namespace, "checkout")).toContain(expected.reason);

      await applyPlan((steps) => steps);
      expect(ready(await evaluated())).toMatchObject({ status: "True", reason: "AllMovesReady" });
      await eventually("the policy to be Ready again", async () =>
        ready(await policy())?.status === "True" ? true : undefined,
      );
    },
  );

  it("a step whose identity may not do what it does: PermissionDenied, asked of the API server before any run", async () => {
    // The tenant's Role in eu-west-1 loses "patch configmaps": the unfreeze flag of a move to eu-west-1 could not act.
    const [, role] = tenantObjects(namespace);
    const without = (role.rules ?? []).map((r) =>
      r.resources?.includes("configmaps") ? { ...r, verbs: r.verbs.filter((v) => v !== "patch") } : r,
    );
    await west.apply({ ...role, rules: without });
    try {
      await applyPlan(
        append({
          name: "touch",
          flag: { region: "{{to}}", configMapRef: { name: "app-flags" }, key: "k", value: "v" },
        }),
      );
      const p = await evaluated();
      const next = p.status?.moves?.find((m) => m.from === "us-east-1" && m.to === "eu-west-1");
      expect(next?.problems?.find((x) => x.reason === "PermissionDenied")).toMatchObject({
        step: "unfreeze",
        field: "flag.configMapRef",
      });
      expect(next?.problems?.find((x) => x.reason === "PermissionDenied")?.message).toContain(
        "may not patch configmaps",
      );
      // Back to us-east-1, the flags act there through the peer's own identity, which may; freezing eu-west-1 is
      // bestEffort, so what it cannot do there is only a warning.
      const back = p.status?.moves?.find((m) => m.from === "eu-west-1" && m.to === "us-east-1");
      expect(back?.ready).toBe(true);
      expect(back?.problems?.filter((x) => x.reason === "PermissionDenied")).toMatchObject([
        { step: "freeze-writes", severity: "Warning" },
      ]);
    } finally {
      await west.apply(role);
      await applyPlan((steps) => steps);
    }
    expect(ready(await evaluated())).toMatchObject({ status: "True" });
  });

  it("a scale step beyond the namespace's pod quota in its region: InsufficientCapacity, the quota named", async () => {
    await west.apply(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "api", namespace },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "api" } },
          template: {
            metadata: { labels: { app: "api" } },
            spec: { containers: [{ name: "api", image: "registry.invalid/api:1" }] },
          },
        },
      },
      { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "pods", namespace }, spec: { hard: { pods: "2" } } },
    );
    try {
      await applyPlan(
        append({ name: "scale-up", scale: { region: "eu-west-1", deploymentRef: { name: "api" }, replicas: 5 } }),
      );
      const p = await evaluated();
      const problem = p.status?.moves?.[0]?.problems?.find((x) => x.reason === "InsufficientCapacity");
      expect(problem).toMatchObject({ step: "scale-up", field: "scale.replicas", severity: "Error" });
      expect(problem?.message).toContain("ResourceQuota pods allows");
    } finally {
      await west.core.deleteNamespacedResourceQuota({ name: "pods", namespace });
      await applyPlan((steps) => steps);
    }
    expect(ready(await evaluated())).toMatchObject({ status: "True" });
  });

  it("a hosted-zone typo in the policy's fencing is a condition, not a fake epoch 0", async () => {
    const good = checkoutPolicy(seeded, "us-east-1");
    await west.apply({
      ...good,
      metadata: { ...good.metadata, name: "typo" },
      spec: {
        ...good.spec,
        automation: { ...good.spec.automation, failoverPlanRef: { name: "typo" } },
        fencing: { route53: { hostedZoneId: "ZNOSUCHZONE0001", recordName: "_switchyard.checkout.example.com" } },
      },
    });
    const plan = checkoutPlan(seeded);
    await west.apply({
      ...plan,
      metadata: { ...plan.metadata, name: "typo" },
      spec: { ...plan.spec, regionPolicyRef: { name: "typo" } },
    });
    const pol = await eventually("the policy to report its fencing record unreadable", async () => {
      const got = await policy("typo");
      const readable = got.status?.conditions?.find((c) => c.type === "FencingRecordReadable");
      // Until its cache holds the plan applied with it, the policy may say PlanNotFound first.
      return readable?.status === "False" && ready(got)?.reason === "FencingRecordUnreadable" ? got : undefined;
    });
    expect(pol.status?.epoch).toBeUndefined();
    expect(ready(pol)).toMatchObject({ status: "False", reason: "FencingRecordUnreadable" });
    expect(ready(pol)?.message).toContain("ZNOSUCHZONE0001");
    const p = await evaluated("typo");
    expect(ready(p)?.status).toBe("False");
    expect(p.status?.moves?.[0]?.problems?.map((x) => x.reason)).toContain("FencingRecordUnreadable");
  });

  it("a policy asking for a drill every 30 days makes the never-drilled plan DrillTooOld, until it stops asking", async () => {
    const good = checkoutPolicy(seeded, "us-east-1");
    await west.apply({ ...good, spec: { ...good.spec, objectives: { ...good.spec.objectives, maxDrillAgeDays: 30 } } });
    const p = await eventually("the plan to be DrillTooOld", async () => {
      const got = await plan();
      return ready(got)?.reason === "DrillTooOld" ? got : undefined;
    });
    expect(p.status?.moves?.[0]?.problems?.[0]).toMatchObject({
      field: "objectives.maxDrillAgeDays",
      severity: "Error",
    });
    await west.apply(good);
    await eventually("the plan to be Ready again", async () =>
      ready(await plan())?.status === "True" ? true : undefined,
    );
  });
});
