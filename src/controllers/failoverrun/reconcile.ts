/**
 * One reconcile of one FailoverRun: bind its plan, ask the engine (pure, src/core/plan/engine.ts) for the next action,
 * do it, journal it — the step's intent is persisted BEFORE its external call and its result after — and loop until
 * the run waits or ends. A restart calls the engine on the persisted journal and resumes where it stopped.
 * Only the target region's controller executes a run (design 2a): the source region may be down or cut off.
 */
import { bindPlan } from "../../core/plan/bind.js";
import { nextAction } from "../../core/plan/engine.js";
import { applyOutcome, type JournalEntry, type StepOutcome } from "../../core/plan/journal.js";
import { parseTime } from "../../core/time.js";
import { regionOf, type BoundStep } from "../../core/plan/steps.js";
import { isFinalPhase } from "../../core/runs.js";
import { stepsActingAs } from "../../core/tenancy.js";
import { isPaused } from "../../crds/definitions.js";
import type { FailoverRun, FailoverRunStatus } from "../../crds/generated/failoverruns.js";
import { objectRef } from "../ports.js";
import { pruneHistory } from "./history.js";
import type { LeverContext } from "./levers/index.js";
import { perform, pollMs, toOutcome } from "./perform.js";
import type { RunDeps } from "./ports.js";
import { finalStatus, pausedCondition, statusWith } from "./status.js";

/** Bounds the work of one reconcile; the queue brings the run back for the rest. */
const maxActionsPerReconcile = 50;
/** A paused run looks again now and then, so its deadlines are still journaled on time. */
const maxPausedRecheckMs = 30_000;

const refOf = (run: FailoverRun) => objectRef("FailoverRun", run);

export async function reconcileFailoverRun(key: string, deps: RunDeps): Promise<{ requeueAfterMs?: number }> {
  const [namespace = "", name = ""] = key.split("/");
  let run = deps.store.run(namespace, name);
  // A run is over once its end is written (finishedAt with the final phase, RTO/RPO, condition): not merely when its
  // journal is complete, so a crash between the two still gets the end written.
  if (!run || (isFinalPhase(run.status?.phase) && run.status?.finishedAt)) return {};
  const log = deps.log.child({ run: key });

  const persist = async (status: FailoverRunStatus) => {
    run = await deps.store.writeRunStatus(run!, status);
  };
  const plan = deps.store.plan(namespace, run.spec.planRef.name);
  const policy = plan && deps.store.policy(namespace, plan.spec.regionPolicyRef.name);
  // Only the target region's controller executes a run; one that no controller will execute is said so, at once,
  // so that it holds nothing back and whoever wrote it learns where it belongs.
  if (run.spec.to !== deps.localRegion) {
    const why = notExecutable(
      run,
      policy?.spec.regions.map((r) => r.name),
      deps.localRegion,
    );
    if (why === undefined || run.status?.phase !== undefined) return {};
    await persist(finalStatus(run, "Failed", "NotExecutable", why, deps.now()));
    deps.events.event(refOf(run), "Warning", "NotExecutable", why);
    return {};
  }
  if (!plan || !policy) {
    const what = !plan ? `FailoverPlan ${run.spec.planRef.name}` : `RegionPolicy ${plan.spec.regionPolicyRef.name}`;
    await persist(finalStatus(run, "Failed", "ReferenceNotFound", `${what} does not exist`, deps.now()));
    deps.events.event(refOf(run), "Warning", "ReferenceNotFound", `${what} does not exist`);
    return {};
  }
  const bound = bindPlan(
    plan.spec,
    { from: run.spec.from, to: run.spec.to },
    { regions: policy.spec.regions.map((r) => r.name), signals: policy.spec.signals, namespace },
  );
  const errors = bound.problems.filter((p) => p.severity === "Error");
  if (errors.length > 0) {
    const message = errors.map((p) => `${p.step ?? "plan"}.${p.field}: ${p.message}`).join("; ");
    await persist(finalStatus(run, "Failed", "InvalidPlan", message, deps.now()));
    deps.events.event(refOf(run), "Warning", "InvalidPlan", message);
    return {};
  }
  // Whose identity the steps take in this cluster (invariant 8), settled before any step starts.
  const acting = stepsActingAs(namespace, plan.spec, policy.spec, deps.tenancy);
  if (!acting.ok) {
    await persist(finalStatus(run, "Failed", acting.reason, acting.message, deps.now()));
    deps.events.event(refOf(run), "Warning", acting.reason, acting.message);
    return {};
  }

  const bestEffortRegions = new Set(bound.plan.steps.filter((s) => s.bestEffort).flatMap((s) => regionOf(s) ?? []));
  for (let i = 0; i < maxActionsPerReconcile; i++) {
    const regionReachable = await reachability(bestEffortRegions, namespace, deps);
    const now = deps.now();
    const journal: JournalEntry[] = run.status?.journal ?? [];
    const input = {
      run: run.spec,
      plan: bound.plan,
      steps: bound.plan.steps,
      journal,
      ...(parseTime(run.status?.startedAt) !== undefined ? { runStartedAt: parseTime(run.status?.startedAt)! } : {}),
      ...(regionReachable ? { regionReachable } : {}),
      now,
    };
    const action = nextAction(input);
    // Read afresh for every action: one reconcile may span minutes of steps, and levers judge by the policy's status.
    const current = deps.store.policy(namespace, plan.spec.regionPolicyRef.name) ?? policy;
    const ctx: LeverContext = {
      run,
      policy: current,
      namespace,
      ...(acting.serviceAccountName ? { serviceAccountName: acting.serviceAccountName } : {}),
      dryRun: run.spec.dryRun ?? false,
      planTimeoutSeconds: bound.plan.timeoutSeconds,
    };
    const held = isPaused(current) && (action.type === "execute" || action.type === "rollback");
    const pausedNow = pausedCondition(run, held, now);
    if (pausedNow) await persist(pausedNow);
    // Paused means no external action (invariant 6): nothing new starts. Removing the annotation updates the policy,
    // which wakes its runs; a deadline that passes meanwhile still ends the run, as it would for a person's pause.
    if (held) return { requeueAfterMs: maxPausedRecheckMs };
    log.debug({ action: action.type, step: "step" in action ? action.step.name : undefined }, "next action");
    const outcome = await perform(action, ctx, deps);
    if (outcome.kind === "wait") {
      await persist(statusWith(run, journal, input, now, undefined));
      return { requeueAfterMs: Math.max(250, outcome.untilMs - now) };
    }
    if (outcome.kind === "finish" && action.type === "finish") {
      // Before the end is written, so a finished run means a finished move for every controller (and a crash in
      // between only clears it again, a no-op).
      if (run.status?.epoch !== undefined && deps.moveFinished) {
        await deps.moveFinished(current, run).catch((error: unknown) => {
          log.warn({ err: error }, "could not mark the move finished in the fencing record; its deadline ends it");
        });
      }
      await persist(
        finalStatus({ ...run, status: { ...run.status, journal } }, action.phase, action.reason, action.message, now),
      );
      deps.finished?.(run);
      const type = action.phase === "Succeeded" ? "Normal" : "Warning";
      deps.events.event(refOf(run), type, action.reason, action.message);
      log.info({ phase: action.phase, reason: action.reason }, action.message);
      await pruneHistory(namespace, plan, deps, log);
      return {};
    }
    if (outcome.kind === "journal") {
      const record = (step: BoundStep, result: StepOutcome, epoch: number | undefined) =>
        persist(
          statusWith(
            run!,
            applyOutcome(run!.status?.journal ?? [], step, result, deps.now()),
            input,
            deps.now(),
            epoch,
          ),
        );
      const hit = (point: string, step: BoundStep) => deps.failpoint?.(`${point}:${step.name}`);
      const reached = (step: BoundStep, result: StepOutcome) => {
        if (result.type === "Started") hit("after-started", step);
        else if (result.type !== "InProgress" && result.type !== "WaitingApproval") hit("after-result", step);
      };
      for (const [index, { step, outcome: result }] of outcome.steps.entries()) {
        if (outcome.acted) hit("after-act", step);
        // Each outcome is persisted on its own: "Started" must be stored before the lever's external call.
        await record(step, result, outcome.epoch);
        reached(step, result);
        // A step still under way (a wait, a promotion) is looked at again after a pause, not in a busy loop.
        if (result.type === "InProgress") return { requeueAfterMs: pollMs };
        if (index === 0 && outcome.afterFirst) {
          const acted = await outcome.afterFirst(run);
          hit("after-act", step);
          const next = toOutcome(acted);
          await record(step, next, "epoch" in acted ? acted.epoch : undefined);
          reached(step, next);
          if (acted.type === "InProgress") return { requeueAfterMs: pollMs };
        }
      }
    }
  }
  return { requeueAfterMs: pollMs };
}

/**
 * Why a run in this cluster will never be executed here, or undefined when it may be (its target is this region). A
 * run towards another region belongs in that region's cluster; a run towards no region of the policy belongs nowhere.
 * Without its plan or policy in this cluster nothing can be said yet (the GitOps sync may be on its way).
 */
function notExecutable(run: FailoverRun, regions: string[] | undefined, localRegion: string): string | undefined {
  if (run.spec.to === localRegion || regions === undefined) return undefined;
  if (!regions.includes(run.spec.to)) {
    return `spec.to ${run.spec.to} is not a region of the RegionPolicy (${regions.join(", ")}); no controller executes this run.`;
  }
  return (
    `This run moves to ${run.spec.to}, and only ${run.spec.to}'s controller executes such a run, in its own cluster; ` +
    `this is ${localRegion}'s cluster. Create it in ${run.spec.to}'s cluster.`
  );
}

/** The engine's synchronous view of which regions answer, asked (and cached by the port) before each action. */
async function reachability(
  regions: ReadonlySet<string>,
  namespace: string,
  deps: RunDeps,
): Promise<((region: string) => boolean) | undefined> {
  if (!deps.reachable || regions.size === 0) return undefined;
  const answers = new Map<string, boolean>();
  for (const region of regions) answers.set(region, await deps.reachable(region, namespace));
  return (region) => answers.get(region) ?? true;
}
