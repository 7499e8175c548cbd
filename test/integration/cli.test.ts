/**
 * The `switchyard` command line as an SRE runs it: a real subprocess (tsx src/cli/main.ts) with KUBECONFIG pointing at
 * a region of the local environment, the checkout application seeded in both clusters, and eu-west-1's controller
 * running so that previews and failovers to eu-west-1 are executed. Each command is checked by its output, its exit
 * code and what it left in the cluster; bad input is checked to fail with one clear line and to create nothing.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { drillNowAnnotation, pausedAnnotation, plurals } from "../../src/crds/definitions.js";
import type { DrillSchedule } from "../../src/crds/generated/drillschedules.js";
import type { RunReport } from "../../src/core/report/run-report.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { seedCheckout } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const control = new EmulatorControl(env.aws.endpoint);
const namespace = "cli";
const root = join(import.meta.dirname, "..", "..");
let controllers: Controllers | undefined;
let endpoint: RegionEndpoint;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `switchyard <args>` against `cluster` (west unless told), as a subprocess; `input` is typed on stdin. */
function switchyard(args: string[], options: { cluster?: Cluster; input?: string } = {}): Promise<Result> {
  const cluster = options.cluster ?? west;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", join(root, "src", "cli", "main.ts"), "-n", namespace, ...args],
      { cwd: root, env: { ...process.env, KUBECONFIG: cluster.info.kubeconfig }, timeout: 170_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

const custom = (cluster: Cluster, plural: string, name: string) =>
  cluster.custom.getNamespacedCustomObject({ group: "switchyard.dev", version: "v1alpha1", namespace, plural, name });
const run = (name: string) => west.run(namespace, name);
const runNames = async () => (await west.runs(namespace)).map((r) => r.metadata.name).sort();
const createdRun = (stdout: string) => /failoverrun\/(\S+) created/.exec(stdout)?.[1] ?? "";

const drillSchedule = (name: string, suspend: boolean) => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "DrillSchedule",
  metadata: { name, namespace },
  spec: { schedule: "0 3 1 1 *", timeZone: "UTC", planRef: { name: "checkout" }, type: "DryRun", suspend },
});

beforeAll(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5, globalClusterTransitionSeconds: 1 });
  endpoint = await RegionEndpoint.start();
  await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    { namespace, endpoints: endpoint.url, mode: "Manual", approval: true },
  );
  await west.apply(drillSchedule("yearly", false), drillSchedule("suspended", true));
  await west.custom.patchNamespacedCustomObjectStatus(
    {
      group: "switchyard.dev",
      version: "v1alpha1",
      namespace,
      plural: plurals.DrillSchedule,
      name: "yearly",
      body: { status: { nextScheduleTime: "2099-01-01T03:00:00Z" } },
    },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
  controllers = await startControllers({ "eu-west-1": west.info }, { aws: env.aws, leaseName: "cli", namespace });
}, 120_000);

afterAll(async () => {
  await controllers?.stop();
  await endpoint?.stop();
});

describe("switchyard status", () => {
  it("shows the policy's regions, active region, automation, runs and next drill on one screen", async () => {
    await eventually("eu-west-1's controller to write the policy's status", async () => {
      const policy = await west.policy(namespace, "checkout");
      return policy.status?.activeRegion ? policy : undefined;
    });
    const result = await switchyard(["status", "checkout"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`RegionPolicy ${namespace}/checkout`);
    expect(result.stdout).toMatch(/Active region: us-east-1 +epoch: 1/);
    expect(result.stdout).toMatch(/Automation: +Manual\n/);
    expect(result.stdout).toMatch(/\* us-east-1 +primary/);
    expect(result.stdout).toMatch(/ {2}eu-west-1 +secondary/);
    expect(result.stdout).toContain("Runs in progress: none");
    // The DrillSchedule controller, when it runs, computes its own next time over the one seeded here.
    expect(result.stdout).toMatch(/Next drill: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in \d+d, DrillSchedule yearly\)/);
  });

  it("lists every policy of the namespace without an argument", async () => {
    const result = await switchyard(["status"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`RegionPolicy ${namespace}/checkout`);
  });

  it("names an unknown policy and exits 2", async () => {
    const result = await switchyard(["status", "nope"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr.trim()).toBe(`error: RegionPolicy ${namespace}/nope not found`);
  });
});

describe("switchyard plan", () => {
  it("previews us-east-1 → eu-west-1 as a diff per step, executed as a dry run by eu-west-1's controller", async () => {
    const result = await switchyard(["plan", "checkout", "--to", "eu-west-1"]);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Dry run checkout-preview-\S+: us-east-1 → eu-west-1 \(plan checkout\)/);
    expect(out).toContain(`1. freeze-writes (flag)\n   ~ flag ${namespace}/app-flags read_only: "false" → "true"`);
    expect(out).toContain("   ~ weight eu-west-1: 0 → 100\n   ~ weight us-east-1: 100 → 0");
    expect(out).toContain("   ~ fencing record: us-east-1 epoch 1 → eu-west-1 epoch 2");
    expect(out).toMatch(
      /3\. promote-db \(auroraGlobal\)\n {3}~ writer of checkout: arn:\S+:checkout-us-east-1 → arn:\S+:checkout-eu-west-1 \(mode Auto\)/,
    );
    expect(out).toContain("   would wait for signal api in eu-west-1 to be healthy");
    expect(out).toContain("   would ask for approval: Confirm writes may resume in eu-west-1");
    // eu-west-1 is fenced (read-only) by its own controller while us-east-1 is active, so unfreezing is a change too.
    expect(out).toContain(`6. unfreeze (flag)\n   ~ flag ${namespace}/app-flags read_only: "true" → "false"`);
    expect(out).toMatch(/6 change\(s\) would be made\. Nothing was changed\.$/m);
    // A preview changes nothing: the policy is still active in us-east-1 at epoch 1, writes still allowed.
    expect((await east.core.readNamespacedConfigMap({ name: "app-flags", namespace })).data?.read_only).toBe("false");
  });

  it.each([
    {
      args: ["plan", "checkout", "--to", "mars-1"],
      error: `--to mars-1: not a region of RegionPolicy ${namespace}/checkout (regions: us-east-1, eu-west-1)`,
    },
    {
      args: ["plan", "checkout", "--from", "us-east-1", "--to", "us-east-1"],
      error: "--from and --to are both us-east-1: nothing to move",
    },
    { args: ["plan", "nope", "--to", "eu-west-1"], error: `RegionPolicy ${namespace}/nope not found` },
    {
      args: ["plan", "checkout", "--to", "eu-west-1", "--timeout", "soon"],
      error: "--timeout soon: expected a positive number of seconds",
    },
  ])("refuses $args with one line, exit 2, creating nothing", async ({ args, error }) => {
    const before = await runNames();
    const result = await switchyard(args);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr.trim()).toBe(`error: ${error}`);
    expect(await runNames()).toEqual(before);
  });

  it("refuses a missing --to as a usage error", async () => {
    const result = await switchyard(["plan", "checkout"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '--to <region>' not specified");
  });
});

describe("switchyard check, and plan on a plan that cannot make the move", () => {
  // A second policy whose plan waits for a signal the policy does not declare: every move is broken, for the same
  // field, whatever else the environment's readiness finds. Paused, so no controller acts for it.
  const ledger = () => ({
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "ledger", namespace },
    spec: {
      regions: [
        { name: "us-east-1", role: "primary" },
        { name: "eu-west-1", role: "secondary" },
      ],
      signals: ["us-east-1", "eu-west-1"].map((region) => ({ name: "api", region, http: { url: endpoint.url } })),
      automation: { mode: "Paused", failoverPlanRef: { name: "ledger" } },
    },
  });
  const ledgerPlan = {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverPlan",
    metadata: { name: "ledger", namespace },
    spec: {
      regionPolicyRef: { name: "ledger" },
      steps: [{ name: "wait-db", waitFor: { signal: "db", region: "{{to}}", healthy: true } }],
    },
  };
  const evaluated = (name: string) =>
    eventually(`FailoverPlan ${name} evaluated for its current generation`, async () => {
      const plan = (await custom(west, plurals.FailoverPlan, name)) as {
        metadata: { generation?: number };
        status?: { observedGeneration?: number; lastEvaluationTime?: string };
      };
      return plan.status?.lastEvaluationTime && plan.status.observedGeneration === plan.metadata.generation
        ? plan
        : undefined;
    });

  beforeAll(async () => {
    await west.apply(ledger(), ledgerPlan);
  });

  it("check: every move with its problem's step, field and reason, exit 4", async () => {
    await evaluated("ledger");
    const result = await switchyard(["check", "ledger"]);
    expect(result.code, result.stderr).toBe(4);
    const out = result.stdout;
    expect(out.split("\n")[0]).toBe(`RegionPolicy ${namespace}/ledger: NOT READY`);
    expect(out).toMatch(/Evaluated: {5}\S+ \(\S+ ago\), generation 1 \(current\)/);
    const nothingMoves =
      "      warning plan, steps: NothingMoves: No step moves traffic (route53) or the writer (auroraGlobal, rdsPromoteReplica).";
    for (const [from, to] of [
      ["us-east-1", "eu-west-1"],
      ["eu-west-1", "us-east-1"],
    ]) {
      expect(out).toContain(
        [
          `  ${from} → ${to}  NO     1       1`,
          `      error   step wait-db, waitFor.signal: UnknownSignal: The RegionPolicy has no signal "db" in ${to}.`,
          nothingMoves,
        ].join("\n"),
      );
    }
    const json = await switchyard(["check", "ledger", "-o", "json"]);
    expect(json.code).toBe(4);
    const parsed = JSON.parse(json.stdout) as { ready: boolean; policies: { policy: string; evaluation: string }[] };
    expect(parsed).toMatchObject({ ready: false, policies: [{ policy: "ledger", evaluation: "current" }] });
  });

  it("check: the exit code agrees with the verdict for the checkout plan, and every move is listed", async () => {
    await evaluated("checkout");
    const result = await switchyard(["check", "checkout"]);
    const verdict = result.stdout.split("\n")[0];
    expect([`RegionPolicy ${namespace}/checkout: READY`, `RegionPolicy ${namespace}/checkout: NOT READY`]).toContain(
      verdict,
    );
    expect(result.code, result.stdout).toBe(verdict?.endsWith(": READY") ? 0 : 4);
    expect(result.stdout).toContain("  us-east-1 → eu-west-1");
    expect(result.stdout).toContain("  eu-west-1 → us-east-1");
    // All policies of the namespace: one of them is not ready, so neither is the whole.
    const all = await switchyard(["check"]);
    expect(all.code).toBe(4);
    expect(all.stdout).toContain(`RegionPolicy ${namespace}/ledger: NOT READY`);
    expect(all.stdout).toContain(`RegionPolicy ${namespace}/checkout: `);
  });

  it("check: an unknown policy is one line, exit 2", async () => {
    const result = await switchyard(["check", "nope"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr.trim()).toBe(`error: RegionPolicy ${namespace}/nope not found`);
  });

  it("plan: an invalid plan says which step and field and why, exits 4 and creates nothing", async () => {
    const before = await runNames();
    const result = await switchyard(["plan", "ledger", "--to", "eu-west-1"]);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stdout).toBe(
      [
        "FailoverPlan ledger cannot move us-east-1 → eu-west-1: 1 error(s), 1 warning(s)",
        '  error   step wait-db, waitFor.signal: UnknownSignal: The RegionPolicy has no signal "db" in eu-west-1.',
        "  warning plan, steps: NothingMoves: No step moves traffic (route53) or the writer (auroraGlobal, rdsPromoteReplica).",
        "No preview was created.",
        "",
      ].join("\n"),
    );
    expect(result.stdout).not.toContain("change(s) would be made");
    expect(await runNames()).toEqual(before);
  });
});

describe("switchyard failover, approve and report", () => {
  let name = "";

  it("asks for confirmation and creates nothing when it is declined (exit 3)", async () => {
    const before = await runNames();
    const result = await switchyard(["failover", "checkout", "--to", "eu-west-1", "--reason", "INC-7"], {
      input: "n\n",
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `Fail over RegionPolicy ${namespace}/checkout from us-east-1 to eu-west-1 with plan checkout (6 steps)`,
    );
    expect(result.stderr).toContain("error: not confirmed: nothing was created");
    expect(await runNames()).toEqual(before);
  });

  it("refuses an unknown region and a missing reason before asking anything", async () => {
    const unknown = await switchyard(["failover", "checkout", "--to", "eu-west-9", "--reason", "x", "--yes"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      `error: --to eu-west-9: not a region of RegionPolicy ${namespace}/checkout (regions: us-east-1, eu-west-1)`,
    );
    const noReason = await switchyard(["failover", "checkout", "--to", "eu-west-1", "--yes"]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
  });

  it("creates a Manual run once confirmed, which eu-west-1's controller executes up to its approval step", async () => {
    const result = await switchyard(["failover", "checkout", "--to", "eu-west-1", "--reason", "INC-7"], {
      input: "yes\n",
    });
    expect(result.code, result.stderr).toBe(0);
    name = createdRun(result.stdout);
    expect(name).toMatch(/^checkout-manual-/);
    const created = await run(name);
    expect(created.spec).toMatchObject({
      planRef: { name: "checkout" },
      from: "us-east-1",
      to: "eu-west-1",
      trigger: "Manual",
      dryRun: false,
      reason: "INC-7",
    });
    await eventually(
      "the run to wait for approval",
      async () => ((await run(name)).status?.phase === "WaitingApproval" ? true : undefined),
      60_000,
    );
  });

  it("--wait gives up with exit 3 when no controller executes the run (us-east-1 runs none here)", async () => {
    const result = await switchyard(
      [
        "failover",
        "checkout",
        "--to",
        "us-east-1",
        "--from",
        "eu-west-1",
        "--reason",
        "x",
        "--dry-run",
        "--wait",
        "--timeout",
        "2",
      ],
      { cluster: east },
    );
    expect(result.code).toBe(3);
    const created = createdRun(result.stdout);
    expect(created).toMatch(/^checkout-preview-/);
    expect(result.stderr).toContain(
      `error: timed out after 2s waiting for FailoverRun ${namespace}/${created} to finish`,
    );
  });

  it("refuses a second failover while one is in progress", async () => {
    const result = await switchyard([
      ...["failover", "checkout", "--from", "us-east-1", "--to", "eu-west-1", "--reason", "again", "--yes"],
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: RegionPolicy checkout already has a run in progress: ${name} (WaitingApproval)`,
    );
  });

  it("approve: refuses an unknown run and a step that is not an approval step", async () => {
    const unknown = await switchyard(["approve", "nope", "--by", "sre@example.com"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(`error: FailoverRun ${namespace}/nope not found`);
    const wrongStep = await switchyard(["approve", name, "--step", "shift-traffic", "--by", "sre@example.com"]);
    expect(wrongStep.code).toBe(2);
    expect(wrongStep.stderr.trim()).toBe(
      "error: --step shift-traffic: not an approval step (approval steps: approve-unfreeze)",
    );
    expect((await run(name)).spec.approvals ?? []).toEqual([]);
  });

  it("approve: approves the step the run waits at, and the run finishes", async () => {
    const result = await switchyard(["approve", name, "--by", "sre@example.com", "--comment", "db looks fine"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`failoverrun/${name} approved: step approve-unfreeze by sre@example.com`);
    expect((await run(name)).spec.approvals).toEqual([
      { step: "approve-unfreeze", approvedBy: "sre@example.com", comment: "db looks fine" },
    ]);
    await eventually("the run to succeed", async () =>
      (await run(name)).status?.phase === "Succeeded" ? true : undefined,
    );
    const again = await switchyard(["approve", name, "--by", "sre@example.com"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("has finished (phase Succeeded): nothing to approve");
  });

  it("report: JSON with the journal's timeline and the measured RTO against the policy's objective", async () => {
    const finished = await run(name);
    const result = await switchyard(["report", name, "-o", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.run).toMatchObject({ name, trigger: "Manual", from: "us-east-1", to: "eu-west-1", reason: "INC-7" });
    expect(report.phase).toBe("Succeeded");
    expect(report.timeline.map((s) => [s.name, s.state])).toEqual([
      ["freeze-writes", "Succeeded"],
      ["shift-traffic", "Succeeded"],
      ["promote-db", "Succeeded"],
      ["wait-new-region", "Succeeded"],
      ["approve-unfreeze", "Succeeded"],
      ["unfreeze", "Succeeded"],
    ]);
    expect(report.rto?.seconds).toBe(finished.status?.rto?.seconds);
    expect(report.objectives.rto).toEqual({
      objectiveSeconds: 300,
      measuredSeconds: finished.status?.rto?.seconds,
      result: "Pass",
    });
  });

  it("report: Markdown by default; an unknown run or format is exit 2", async () => {
    const md = await switchyard(["report", name]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(`# Failover run ${name}`);
    for (const step of ["freeze-writes", "shift-traffic", "promote-db", "unfreeze"])
      expect(md.stdout).toContain(`| ${step} |`);
    const unknown = await switchyard(["report", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(`error: FailoverRun ${namespace}/nope not found`);
    const format = await switchyard(["report", name, "-o", "yaml"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("Allowed choices are markdown, json");
  });
});

describe("switchyard pause and resume", () => {
  const annotations = async () => (await west.policy(namespace, "checkout")).metadata.annotations ?? {};

  it("sets the kill switch annotation, and status says so", async () => {
    const specBefore = (await west.policy(namespace, "checkout")).spec;
    const result = await switchyard(["pause", "checkout", "--reason", "game day"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await annotations()).toMatchObject({
      [pausedAnnotation]: "true",
      "switchyard.dev/paused-reason": "game day",
    });
    expect((await west.policy(namespace, "checkout")).spec).toEqual(specBefore);
    expect((await switchyard(["status", "checkout"])).stdout).toMatch(/Automation: +Manual, PAUSED by the kill switch/);
  });

  it("removes it again", async () => {
    const result = await switchyard(["resume", "checkout"]);
    expect(result.code, result.stderr).toBe(0);
    const after = await annotations();
    expect(after).not.toHaveProperty(pausedAnnotation);
    expect(after).not.toHaveProperty("switchyard.dev/paused-reason");
  });

  it("names an unknown policy", async () => {
    const result = await switchyard(["pause", "nope"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`error: RegionPolicy ${namespace}/nope not found`);
  });
});

describe("switchyard drill now", () => {
  it("stamps the drill-now annotation with the current time", async () => {
    const before = Date.now() - 1000;
    const result = await switchyard(["drill", "now", "suspended"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("warning: DrillSchedule suspended is suspended");
    const schedule = (await custom(west, plurals.DrillSchedule, "suspended")) as DrillSchedule;
    const stamp = schedule.metadata.annotations?.[drillNowAnnotation] ?? "";
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(stamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(stamp)).toBeLessThanOrEqual(Date.now());
    expect(result.stdout.trim()).toBe(`drillschedule/suspended drill requested at ${stamp}`);
  });

  it("names an unknown schedule", async () => {
    const result = await switchyard(["drill", "now", "nope"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`error: DrillSchedule ${namespace}/nope not found`);
  });
});
