/**
 * A Job from the step's template in a region's cluster, which must succeed (a smoke test, a reconciliation check).
 * One Job per run, step and attempt, under a name derived from them, so a resumed act finds the Job it created before
 * a crash instead of starting a second one; a retry after a failed attempt runs a fresh Job.
 */
import {
  buildJob,
  ensureJob,
  isJobOf,
  jobVerdict,
  validateJob,
  type JobOrigin,
} from "../../../actuators/job/run-job.js";
import { attemptOf, runName, type Lever, type LeverContext, type LeverDeps, type StepOf } from "./lever.js";

type JobStep = StepOf<"job">;

function originOf(step: JobStep, ctx: LeverContext): JobOrigin {
  return {
    runName: runName(ctx),
    ...(ctx.run.metadata.uid ? { runUid: ctx.run.metadata.uid } : {}),
    step: step.name,
    attempt: attemptOf(ctx, step.name),
  };
}

export function jobLever(deps: LeverDeps): Lever<JobStep> {
  return {
    async prepare(step, ctx) {
      const job = buildJob(originOf(step, ctx), ctx.namespace, step.job.template);
      const api = await deps.jobs(step.job.region, ctx.namespace, ctx.serviceAccountName);
      // Creates nothing; a template the region's API server refuses fails here, before the step is started.
      const { exists } = await validateJob(api, job);
      return {
        intent: { region: step.job.region, namespace: ctx.namespace, name: job.metadata?.name ?? "" },
        before: { exists },
      };
    },
    async act(step, ctx) {
      const origin = originOf(step, ctx);
      const wanted = buildJob(origin, ctx.namespace, step.job.template);
      const name = wanted.metadata?.name ?? "";
      const api = await deps.jobs(step.job.region, ctx.namespace, ctx.serviceAccountName);
      if (ctx.dryRun) {
        const { exists } = await validateJob(api, wanted);
        return { type: "Succeeded", observed: { job: name, wouldCreate: !exists } };
      }
      const { job, created } = await ensureJob(api, wanted);
      if (!isJobOf(job, origin)) {
        return { type: "Failed", message: `Job ${ctx.namespace}/${name} exists but was not created for this step` };
      }
      const verdict = jobVerdict(job);
      const observed = { job: name, created, active: job.status?.active ?? 0, failed: job.status?.failed ?? 0 };
      switch (verdict.type) {
        case "Succeeded":
          return { type: "Succeeded", observed, message: verdict.message };
        case "Failed":
          return { type: "Failed", observed, message: verdict.message };
        case "Running":
          return { type: "InProgress", observed, message: verdict.message };
      }
    },
  };
}
