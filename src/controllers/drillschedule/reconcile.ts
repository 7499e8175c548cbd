/**
 * One reconcile of one DrillSchedule: fetch and guard → the drill in progress, if any (wait, cancel, fail back or
 * record its end with its report) → the due time, if any (start a drill or record it skipped) → one status write →
 * come back at the next due time. Only the drill's target region's controller starts drills (design 2a); the other
 * regions show when the next one is due.
 */
import type { Logger } from "pino";
import { drillProgress, type ProgressAction } from "../../core/drill/progress.js";
import { drillReadiness, DrillReadyReason, readyEvent } from "../../core/drill/readiness.js";
import { decideSchedule } from "../../core/drill/schedule.js";
import { resolveDrillSpec, type ResolvedDrillSpec } from "../../core/drill/spec.js";
import { reportJson, reportMarkdown, runReport } from "../../core/report/run-report.js";
import {
  drillRun,
  drillRunName,
  failbackRun,
  failbackRunName,
  isFailbackRunName,
  isFinalPhase,
  scheduledTimeOf,
} from "../../core/runs.js";
import { findCondition } from "../../core/conditions.js";
import { parseTime, toRfc3339 } from "../../core/time.js";
import { apiVersion, drillNowAnnotation, drillScheduleLabel, policyLabel } from "../../crds/definitions.js";
import type { DrillSchedule, DrillScheduleStatusHistory } from "../../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { objectRef } from "../ports.js";
import type { DrillDeps } from "./ports.js";
import { drillRegions, runView } from "./runs.js";
import { StatusDraft } from "./status.js";

/** How often a drill in progress is looked at (its failback run may be in another cluster, which no informer shows). */
const pollMs = 3000;
/** A timer that far ahead is set again on the way, so a changed clock or a lost timer costs at most this much. */
const maxRequeueMs = 3600_000;

const refOf = (s: DrillSchedule) => objectRef("DrillSchedule", s);

interface Context {
  schedule: DrillSchedule;
  spec: ResolvedDrillSpec;
  policy: RegionPolicy;
  plan: FailoverPlan;
  namespace: string;
  draft: StatusDraft;
  deps: DrillDeps;
  log: Logger;
  now: number;
}

export async function reconcileDrillSchedule(key: string, deps: DrillDeps): Promise<{ requeueAfterMs?: number }> {
  const [namespace = "", name = ""] = key.split("/");
  const schedule = deps.store.schedule(namespace, name);
  if (!schedule || schedule.metadata.deletionTimestamp) return {};
  const now = deps.now();
  const log = deps.log.child({ drillSchedule: key });
  const draft = new StatusDraft(schedule.status, schedule.metadata.generation ?? 0, now);
  const previousReady = findCondition(schedule.status?.conditions, "Ready");
  // Every status write goes through here, so a change of Ready is announced whichever path the reconcile took.
  const write = async () => {
    const ready = findCondition(draft.status.conditions, "Ready");
    const event = ready && readyEvent(previousReady, ready);
    await deps.store.writeScheduleStatus(schedule, draft.status);
    if (event) deps.events.event(refOf(schedule), event.type, event.reason, event.message);
  };

  const resolved = resolveDrillSpec(schedule.spec);
  const plan = deps.store.plan(namespace, schedule.spec.planRef.name);
  const policy = plan && deps.store.policy(namespace, plan.spec.regionPolicyRef.name);
  const readiness = (drillInProgress?: string) =>
    drillReadiness({
      schedule,
      ...(resolved.ok ? {} : { specProblem: resolved.message }),
      ...(plan ? { plan } : {}),
      ...(policy ? { policy } : {}),
      namespace,
      ...(drillInProgress !== undefined ? { drillInProgress } : {}),
    });
  const notReady = (reason: string) => {
    draft.condition("Scheduled", "False", reason, "No drill is scheduled until this is fixed");
    draft.times(undefined, undefined);
  };
  if (!resolved.ok || !plan || !policy) {
    const { status, reason, message } = readiness();
    draft.condition("Ready", status, reason, message);
    notReady(reason);
    await write();
    return {};
  }
  const ctx: Context = { schedule, spec: resolved.value, policy, plan, namespace, draft, deps, log, now };
  const { from, to } = drillRegions(schedule, policy);

  // A drill run in this cluster was started here, so it is driven here to its end, even when the active region has
  // moved meanwhile (the drill itself moved it) or the schedule has since become unable to start another.
  const progress = await driveActiveDrill(ctx);
  const ready = readiness(progress.inProgress);
  draft.condition("Ready", ready.status, ready.reason, ready.message);
  if (ready.status === "False") {
    notReady(ready.reason);
    await write();
    return progress.requeueMs === undefined ? {} : { requeueAfterMs: progress.requeueMs };
  }
  const inProgress = progress.inProgress;
  let requeue = Math.min(maxRequeueMs, progress.requeueMs ?? maxRequeueMs);

  const runs = deps.store.runsOf(namespace, policy.metadata.name ?? "");
  // Forbid: a drill of this schedule in progress (its hold included) or any unfinished run of the policy.
  const concurrentRun = inProgress ?? runs.find((r) => !isFinalPhase(r.status?.phase))?.metadata.name;
  const unhealthy = (policy.status?.regions ?? []).filter((r) => r.health === "Unhealthy").map((r) => r.name);
  const decision = decideSchedule({
    spec: ctx.spec,
    now,
    createdAt: parseTime(schedule.metadata.creationTimestamp) ?? 0,
    ...(schedule.status?.lastScheduleTime
      ? { lastScheduleTime: parseTime(schedule.status.lastScheduleTime) ?? 0 }
      : {}),
    ...(schedule.metadata.annotations?.[drillNowAnnotation] !== undefined
      ? { drillNow: schedule.metadata.annotations[drillNowAnnotation] }
      : {}),
    ...(concurrentRun !== undefined ? { concurrentRun } : {}),
    ...(unhealthy.length > 0 ? { unhealthy: `not healthy: ${unhealthy.join(", ")}` } : {}),
  });

  if (to !== deps.localRegion) {
    // Another region's controller starts these drills; this one only says when the next is due, and keeps up with the
    // due times so that it owes none when the active region moves here.
    draft.times(decision.lastScheduleTime, decision.nextScheduleTime);
    draft.condition("Scheduled", "True", "ExecutedByTargetRegion", `Drills to ${to} are started by ${to}'s controller`);
    await write();
    return { requeueAfterMs: Math.min(requeue, Math.max(1000, (decision.wakeAt ?? now + requeue) - now)) };
  }

  const action = decision.action;
  if (action?.kind === "start") {
    const runName = drillRunName(name, action.scheduledTime);
    const why = action.requested
      ? `requested at ${toRfc3339(action.scheduledTime)}`
      : `due at ${toRfc3339(action.scheduledTime)}`;
    const run = drillRun({
      schedule,
      policy: policy.metadata.name ?? "",
      name: runName,
      from,
      to,
      reason: `Drill ${name} (${ctx.spec.type}), ${why}`,
    });
    const outcome = await deps.store.createRunIn(to, run);
    draft.status.activeRun = { name: runName };
    deps.events.event(
      refOf(schedule),
      "Normal",
      "DrillStarted",
      `FailoverRun ${runName} (${ctx.spec.type} ${from} → ${to}), ${why}`,
    );
    log.info({ run: runName, outcome, from, to }, "drill started");
    requeue = Math.min(requeue, pollMs);
  } else if (action?.kind === "skip") {
    draft.skipped({ time: toRfc3339(action.time), reason: action.reason, message: action.message.slice(0, 1024) });
    const type = action.reason === "MissedDeadline" || action.reason === "PolicyNotHealthy" ? "Warning" : "Normal";
    deps.events.event(
      refOf(schedule),
      type,
      "DrillSkipped",
      `${toRfc3339(action.time)}: ${action.reason}: ${action.message}`,
    );
    deps.observer.result(namespace, name, "Skipped", action.reason);
    log.info({ time: toRfc3339(action.time), reason: action.reason }, action.message);
  }
  draft.times(decision.lastScheduleTime, decision.nextScheduleTime);
  if (decision.badDrillNow !== undefined) {
    draft.condition(
      "Ready",
      "False",
      DrillReadyReason.InvalidDrillNow,
      `${drillNowAnnotation} "${decision.badDrillNow}" is not an RFC 3339 time`,
    );
  }
  if (ctx.spec.suspend) draft.condition("Scheduled", "False", "Suspended", "spec.suspend is true");
  else if (decision.nextScheduleTime === undefined) {
    draft.condition(
      "Scheduled",
      "False",
      "NoRunnableTime",
      "No due time within the search horizon passes the calendar",
    );
  } else {
    draft.condition("Scheduled", "True", "Scheduled", `Next drill at ${toRfc3339(decision.nextScheduleTime)}`);
  }
  await write();
  if (decision.wakeAt !== undefined) requeue = Math.min(requeue, Math.max(250, decision.wakeAt - now));
  return { requeueAfterMs: requeue };
}

/** The newest drill run of this schedule not yet in history is the drill in progress; older ones are pruned. */
async function driveActiveDrill(ctx: Context): Promise<{ inProgress?: string; requeueMs?: number }> {
  const { schedule, namespace, deps, now, draft } = ctx;
  const name = schedule.metadata.name ?? "";
  const mine = deps.store
    .runsOf(namespace, ctx.policy.metadata.name ?? "")
    .filter((r) => r.metadata.labels?.[drillScheduleLabel] === name && !isFailbackRunName(r.metadata.name ?? ""))
    .sort((a, b) => (scheduledTimeOf(b.metadata.name ?? "") ?? 0) - (scheduledTimeOf(a.metadata.name ?? "") ?? 0));
  const recorded = new Set((schedule.status?.history ?? []).map((h) => h.runName));
  const drill = mine[0];
  await prune(ctx, mine.slice(drill && !recorded.has(drill.metadata.name ?? "") ? 1 : 0), recorded);
  if (!drill || recorded.has(drill.metadata.name ?? "")) {
    delete draft.status.activeRun;
    return {};
  }
  const drillName = drill.metadata.name ?? "";
  const switchover = drill.spec.drill?.failback === true;
  const failback = switchover
    ? await deps.store.runIn(drill.spec.from, namespace, failbackRunName(drillName))
    : undefined;
  const incident = deps.store
    .runsOf(namespace, ctx.policy.metadata.name ?? "")
    .find((r) => (r.spec.trigger ?? "Manual") !== "Drill" && !isFinalPhase(r.status?.phase));
  const action: ProgressAction = drillProgress({
    type: switchover ? "Switchover" : "DryRun",
    holdSeconds: drill.spec.drill?.holdSeconds ?? ctx.spec.holdSeconds,
    maxDurationSeconds: ctx.spec.maxDurationSeconds,
    now,
    drill: runView(drill, now),
    ...(failback ? { failback: runView(failback, now) } : {}),
    ...(incident
      ? { incident: { name: incident.metadata.name ?? "", trigger: incident.spec.trigger ?? "Manual" } }
      : {}),
  });
  const ref = refOf(schedule);
  switch (action.kind) {
    case "wait":
      draft.status.activeRun = { name: failback?.metadata.name ?? drillName };
      return {
        inProgress: drillName,
        requeueMs: Math.min(pollMs, Math.max(250, (action.until ?? now + pollMs) - now)),
      };
    case "cancel": {
      const region = failback && action.run === failback.metadata.name ? drill.spec.from : drill.spec.to;
      await deps.store.cancelRunIn(region, namespace, action.run);
      deps.events.event(ref, "Warning", "DrillAborting", `Cancelling FailoverRun ${action.run}: ${action.message}`);
      ctx.log.warn({ run: action.run }, action.message);
      draft.status.activeRun = { name: action.run };
      return { inProgress: drillName, requeueMs: pollMs };
    }
    case "failback": {
      const run = failbackRun(drill);
      await deps.store.createRunIn(drill.spec.from, run);
      deps.events.event(
        ref,
        "Normal",
        "DrillFailbackStarted",
        `FailoverRun ${run.metadata.name} (${run.spec.from} → ${run.spec.to})`,
      );
      draft.status.activeRun = { name: run.metadata.name ?? "" };
      return { inProgress: drillName, requeueMs: pollMs };
    }
    case "finish": {
      const reportName = await writeReport(ctx, drill);
      const entry: DrillScheduleStatusHistory = { runName: drillName, result: action.result };
      const scheduled = scheduledTimeOf(drillName);
      if (scheduled !== undefined) entry.scheduledTime = toRfc3339(scheduled);
      entry.startedAt = drill.status?.startedAt ?? toRfc3339(parseTime(drill.metadata.creationTimestamp) ?? 0);
      entry.finishedAt = (failback ?? drill).status?.finishedAt ?? toRfc3339(now);
      if (drill.status?.rto?.seconds !== undefined) entry.rtoSeconds = drill.status.rto.seconds;
      if (drill.status?.rpo?.seconds !== undefined) entry.rpoSeconds = drill.status.rpo.seconds;
      if (reportName) entry.reportRef = { name: reportName };
      draft.finished(entry, ctx.spec.historyLimit);
      const type = action.result === "Succeeded" ? "Normal" : "Warning";
      deps.events.event(ref, type, `Drill${action.result}`, action.message);
      deps.observer.result(namespace, name, action.result, "");
      ctx.log.info({ run: drillName, result: action.result }, action.message);
      return {};
    }
  }
}

async function writeReport(ctx: Context, run: FailoverRun): Promise<string | undefined> {
  const name = `${run.metadata.name}-report`;
  if (!run.metadata.uid) return undefined;
  const report = runReport({ run, plan: ctx.plan, policy: ctx.policy });
  await ctx.deps.store.writeReport({
    metadata: {
      name,
      namespace: ctx.namespace,
      labels: {
        [policyLabel]: ctx.policy.metadata.name ?? "",
        [drillScheduleLabel]: ctx.schedule.metadata.name ?? "",
      },
      // Owned by the run, so the report goes when the run is pruned.
      ownerReferences: [{ apiVersion, kind: "FailoverRun", name: run.metadata.name ?? "", uid: run.metadata.uid }],
    },
    data: { "report.json": reportJson(report), "report.md": reportMarkdown(report) },
  });
  return name;
}

/** Finished drill runs that fell out of history (beyond historyLimit) are deleted, as the CRD promises. */
async function prune(ctx: Context, older: FailoverRun[], recorded: ReadonlySet<string>): Promise<void> {
  const keep = new Set(ctx.draft.status.history?.map((h) => h.runName) ?? recorded);
  for (const run of older) {
    const name = run.metadata.name ?? "";
    if (keep.has(name) || !isFinalPhase(run.status?.phase)) continue;
    await ctx.deps.store.deleteRun(ctx.namespace, name);
  }
}
