/**
 * The job lever against a real kube-apiserver of the region the step names. The integration environment has no
 * kube-controller-manager and no kubelet, so no Job ever runs here: where a test needs a finished Job it plays the
 * job controller and writes the Job's status (conditions included) through the real status subresource, as the job
 * controller would. Everything else — the server-side dry run, creation, names, labels — is the API server's own.
 */
import { BatchV1Api, KubeConfig, type V1Job, type V1JobCondition } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { jobRunLabel, jobStepLabel } from "../../src/actuators/job/run-job.js";
import { jobLever } from "../../src/controllers/failoverrun/levers/job.js";
import type { LeverContext, LeverDeps } from "../../src/controllers/failoverrun/levers/lever.js";
import type { JobStep } from "../../src/core/plan/steps.js";
import type { FailoverRun, FailoverRunStatusJournal } from "../../src/crds/generated/failoverruns.js";
import { regionPolicy } from "../fixtures/builders.js";

const env = inject("env");
const namespace = "default";
const batch = new Map<string, BatchV1Api>();

beforeAll(() => {
  for (const region of env.regions) {
    const kc = new KubeConfig();
    kc.loadFromFile(region.kubeconfig);
    batch.set(region.name, kc.makeApiClient(BatchV1Api));
  }
});

const unused = (what: string) => () => {
  throw new Error(`the job lever must not use ${what}`);
};
const jobsIn = (region: string) => {
  const api = batch.get(region);
  if (!api) throw new Error(`no cluster for region ${region}`);
  return api;
};
const deps: LeverDeps = {
  route53: { send: unused("route53") },
  route53Options: { acquire: () => Promise.resolve(), sleep: () => Promise.resolve() },
  rds: unused("rds"),
  cloudwatch: unused("cloudwatch"),
  configMaps: unused("configMaps"),
  scales: unused("scales"),
  jobs: (region) => Promise.resolve(jobsIn(region)),
  secrets: () => ({ readNamespacedSecret: unused("secrets") }),
  fetch: unused("fetch"),
  sleep: () => Promise.resolve(),
  now: () => Date.now(),
};
const lever = jobLever(deps);

let counter = 0;
/** A run of its own per test (a fresh uid), so Jobs of different tests never share a name. */
function context(journal: FailoverRunStatusJournal[] = [], dryRun = false): LeverContext {
  counter += 1;
  const run: FailoverRun = {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name: `checkout-failover-${counter}`, namespace, uid: `uid-${Date.now()}-${counter}` },
    spec: { planRef: { name: "checkout" }, from: "us-east-1", to: "eu-west-1", dryRun },
    status: { journal },
  };
  return { run, policy: regionPolicy("checkout"), namespace, dryRun };
}

const region = () => env.regions[1]?.name ?? "";
const step = (template: Record<string, unknown> = smokeTest): JobStep => ({
  kind: "job",
  name: "smoke-test",
  bestEffort: false,
  timeoutSeconds: 300,
  retries: { limit: 3, backoffSeconds: 5 },
  onRollback: "None",
  job: { region: region(), template },
});
const smokeTest = {
  backoffLimit: 0,
  template: {
    spec: { restartPolicy: "Never", containers: [{ name: "smoke", image: "busybox:1.36", command: ["true"] }] },
  },
};

const jobsOfRun = async (ctx: LeverContext, cluster = region()) =>
  (
    await jobsIn(cluster).listNamespacedJob({
      namespace,
      labelSelector: `${jobRunLabel}=${ctx.run.metadata.name ?? ""},${jobStepLabel}=smoke-test`,
    })
  ).items;

const nameIn = (intent: Record<string, unknown>) => String(intent.name);

/** What the job controller would write when the Job ends: start and end times, counts, terminal conditions. */
async function finishJob(name: string, outcome: "Complete" | "Failed"): Promise<void> {
  const api = jobsIn(region());
  const job = await api.readNamespacedJob({ name, namespace });
  const now = new Date();
  const condition = (type: string, reason: string, message: string): V1JobCondition => ({
    type,
    status: "True",
    reason,
    message,
    lastProbeTime: now,
    lastTransitionTime: now,
  });
  const status: V1Job["status"] =
    outcome === "Complete"
      ? {
          startTime: now,
          completionTime: now,
          succeeded: 1,
          failed: 0,
          active: 0,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [
            condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
            condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
          ],
        }
      : {
          startTime: now,
          succeeded: 0,
          failed: 1,
          active: 0,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [
            condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
            condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
          ],
        };
  await api.replaceNamespacedJobStatus({ name, namespace, body: { ...job, status } });
}

describe("job lever", () => {
  it("validates without creating, creates the Job once in the step's region, and succeeds when it completes", async () => {
    const ctx = context();
    const prepared = await lever.prepare(step(), ctx);
    const name = nameIn(prepared.intent);
    expect(prepared.intent).toEqual({ region: region(), namespace, name });
    expect(prepared.refusal).toBeUndefined();
    expect(await jobsOfRun(ctx)).toHaveLength(0); // the server-side dry run stored nothing

    const first = await lever.act(step(), ctx);
    expect(first).toMatchObject({ type: "InProgress", observed: { job: name, created: true } });
    // A resumed act (after a crash, or the next poll) finds the same Job and creates no other.
    const again = await lever.act(step(), ctx);
    expect(again).toMatchObject({ type: "InProgress", observed: { job: name, created: false } });
    const jobs = await jobsOfRun(ctx);
    expect(jobs.map((j) => j.metadata?.name)).toEqual([name]);
    expect(jobs[0]?.metadata?.ownerReferences).toBeUndefined();
    expect(jobs[0]?.metadata?.labels?.["switchyard.dev/attempt"]).toBe("1");
    expect(await jobsOfRun(ctx, env.regions[0]?.name)).toHaveLength(0); // not in the other region's cluster

    await finishJob(name, "Complete");
    expect(await lever.act(step(), ctx)).toMatchObject({ type: "Succeeded", observed: { job: name } });
  });

  it("fails with the Job's own message when the Job fails", async () => {
    const ctx = context();
    const name = nameIn((await lever.prepare(step(), ctx)).intent);
    await lever.act(step(), ctx);
    await finishJob(name, "Failed");
    const result = await lever.act(step(), ctx);
    expect(result.type).toBe("Failed");
    expect(result.type === "Failed" && result.message).toBe(
      `Job ${namespace}/${name} failed: BackoffLimitExceeded: Job has reached the specified backoff limit`,
    );
  });

  it("runs a fresh Job for a retry, and a resumed retry finds that attempt's Job", async () => {
    const ctx = context();
    const firstName = nameIn((await lever.prepare(step(), ctx)).intent);
    await lever.act(step(), ctx);
    // Attempt 1 failed; the engine starts attempt 2: prepare and the act right after it still see attempts = 1.
    const failed: FailoverRunStatusJournal = { name: "smoke-test", kind: "job", state: "Failed", attempts: 1 };
    const retry = { ...ctx, run: { ...ctx.run, status: { journal: [failed] } } };
    const secondName = nameIn((await lever.prepare(step(), retry)).intent);
    expect(secondName).not.toBe(firstName);
    expect(await lever.act(step(), retry)).toMatchObject({ type: "InProgress", observed: { job: secondName } });
    // After Started was journaled (Running, attempts = 2), a resumed act names the same Job.
    const running: FailoverRunStatusJournal = { ...failed, state: "Running", attempts: 2 };
    const resumed = { ...ctx, run: { ...ctx.run, status: { journal: [running] } } };
    expect(await lever.act(step(), resumed)).toMatchObject({
      type: "InProgress",
      observed: { job: secondName, created: false },
    });
    expect((await jobsOfRun(ctx)).map((j) => j.metadata?.name).sort()).toEqual([firstName, secondName].sort());
  });

  it("refuses a template the API server rejects, before anything is created", async () => {
    const ctx = context();
    const broken = { template: { spec: { restartPolicy: "Always", containers: [] } } };
    await expect(lever.prepare(step(broken), ctx)).rejects.toThrow(
      /^the Job template is not valid in default: Job.batch ".+" is invalid: .*spec.template.spec.containers: Required value/,
    );
    expect(await jobsOfRun(ctx)).toHaveLength(0);
  });

  it("creates nothing in a dry run", async () => {
    const ctx = context([], true);
    const prepared = await lever.prepare(step(), ctx);
    const result = await lever.act(step(), ctx);
    expect(result).toEqual({
      type: "Succeeded",
      observed: { job: nameIn(prepared.intent), wouldCreate: true },
    });
    expect(await jobsOfRun(ctx)).toHaveLength(0);
  });
});
