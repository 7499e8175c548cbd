/**
 * One reconcile of one FailoverRun: bind its plan, ask the engine (pure, src/core/plan/engine.ts) for the next action,
 * do it, journal it — the step's intent is persisted BEFORE its external call and its result after — and loop until
 * the run waits or ends. A restart calls the engine on the persisted journal and resumes where it stopped.
 * Only the target region's controller executes a run (design 2a): the source region may be down or cut off.
 */
import type { Logger } from "pino";
import { bindPlan } from "../../core/plan/bind.js";
import { nextAction, type Action } from "../../core/plan/engine.js";
import {
  applyOutcome,
  firstStartedAt,
  parseTime,
  type JournalEntry,
  type StepOutcome,
} from "../../core/plan/journal.js";
import { phaseOf } from "../../core/plan/phase.js";
import type { BoundStep } from "../../core/plan/steps.js";
import { setCondition } from "../../core/conditions.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunStatus } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import { objectRef, type EventRecorder } from "../ports.js";
import { leverFor, type LeverContext, type LeverResult, type Levers } from "./levers/index.js";

export interface RunStore {
  run(namespace: string, name: string): FailoverRun | undefined;
  plan(namespace: string, name: string): FailoverPlan | undefined;
  policy(namespace: string, name: string): RegionPolicy | undefined;
  /** merge patch of status conditioned on the run's resourceVersion; returns the run as stored */
  writeRunStatus(run: FailoverRun, status: FailoverRunStatus): Promise<FailoverRun>;
}

export interface RunDeps {
  store: RunStore;
  levers: Levers;
  events: EventRecorder;
  log: Logger;
  localRegion: string;
  now: () => number;
}

const finalPhases = new Set(["Succeeded", "Failed", "RolledBack", "Cancelled"]);
/** How soon to look again at a step that is under way (a promotion, a wait on a signal). */
const pollMs = 2000;
/** Bounds the work of one reconcile; the queue brings the run back for the rest. */
const maxActionsPerReconcile = 50;

const iso = (ms: number) => new Date(ms).toISOString();

const refOf = (run: FailoverRun) => objectRef("FailoverRun", run);

export async function reconcileFailoverRun(key: string, deps: RunDeps): Promise<{ requeueAfterMs?: number }> {
  const [namespace = "", name = ""] = key.split("/");
  let run = deps.store.run(namespace, name);
  if (!run || finalPhases.has(run.status?.phase ?? "")) return {};
  if (run.spec.to !== deps.localRegion) return {};
  const log = deps.log.child({ run: key });

  const persist = async (status: FailoverRunStatus) => {
    run = await deps.store.writeRunStatus(run!, status);
  };
  const plan = deps.store.plan(namespace, run.spec.planRef.name);
  const policy = plan && deps.store.policy(namespace, plan.spec.regionPolicyRef.name);
  if (!plan || !policy) {
    const what = !plan ? `FailoverPlan ${run.spec.planRef.name}` : `RegionPolicy ${plan.spec.regionPolicyRef.name}`;
    await persist(finalStatus(run, "Failed", "ReferenceNotFound", `${what} does not exist`, deps.now()));
    deps.events.event(refOf(run), "Warning", "ReferenceNotFound", `${what} does not exist`);
    return {};
  }
  const bound = bindPlan(
    plan.spec,
    { from: run.spec.from, to: run.spec.to },
    { regions: policy.spec.regions.map((r) => r.name), signals: policy.spec.signals },
  );
  const errors = bound.problems.filter((p) => p.severity === "Error");
  if (errors.length > 0) {
    const message = errors.map((p) => `${p.step ?? "plan"}.${p.field}: ${p.message}`).join("; ");
    await persist(finalStatus(run, "Failed", "InvalidPlan", message, deps.now()));
    deps.events.event(refOf(run), "Warning", "InvalidPlan", message);
    return {};
  }

  for (let i = 0; i < maxActionsPerReconcile; i++) {
    const now = deps.now();
    const journal: JournalEntry[] = run.status?.journal ?? [];
    const input = {
      run: run.spec,
      plan: bound.plan,
      steps: bound.plan.steps,
      journal,
      ...(parseTime(run.status?.startedAt) !== undefined ? { runStartedAt: parseTime(run.status?.startedAt)! } : {}),
      now,
    };
    const action = nextAction(input);
    const ctx: LeverContext = { run, policy, namespace, dryRun: run.spec.dryRun ?? false };
    log.debug({ action: action.type, step: "step" in action ? action.step.name : undefined }, "next action");
    const outcome = await perform(action, ctx, deps);
    if (outcome.kind === "wait") {
      await persist(statusWith(run, journal, input, now, undefined));
      return { requeueAfterMs: Math.max(250, outcome.untilMs - now) };
    }
    if (outcome.kind === "finish" && action.type === "finish") {
      await persist(
        finalStatus({ ...run, status: { ...run.status, journal } }, action.phase, action.reason, action.message, now),
      );
      const type = action.phase === "Succeeded" ? "Normal" : "Warning";
      deps.events.event(refOf(run), type, action.reason, action.message);
      log.info({ phase: action.phase, reason: action.reason }, action.message);
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
      for (const [index, { step, outcome: result }] of outcome.steps.entries()) {
        // Each outcome is persisted on its own: "Started" must be stored before the lever's external call.
        await record(step, result, outcome.epoch);
        // A step still under way (a wait, a promotion) is looked at again after a pause, not in a busy loop.
        if (result.type === "InProgress") return { requeueAfterMs: pollMs };
        if (index === 0 && outcome.afterFirst) {
          const acted = await outcome.afterFirst();
          await record(step, toOutcome(acted), "epoch" in acted ? acted.epoch : undefined);
          if (acted.type === "InProgress") return { requeueAfterMs: pollMs };
        }
      }
    }
  }
  return { requeueAfterMs: pollMs };
}

type Performed =
  | { kind: "wait"; untilMs: number }
  | { kind: "finish" }
  | {
      kind: "journal";
      steps: { step: BoundStep; outcome: StepOutcome }[];
      /** the external call, made after the first outcome (Started) is persisted */
      afterFirst?: () => Promise<LeverResult>;
      epoch?: number;
    };

async function perform(action: Action, ctx: LeverContext, deps: RunDeps): Promise<Performed> {
  switch (action.type) {
    case "finish":
      return { kind: "finish" };
    case "wait": {
      const journal = ctx.run.status?.journal ?? [];
      const entry = journal.find((e) => e.name === action.step.name);
      if (action.reason === "ApprovalPending" && entry?.state !== "WaitingApproval") {
        return { kind: "journal", steps: [{ step: action.step, outcome: { type: "WaitingApproval" } }] };
      }
      return { kind: "wait", untilMs: action.until };
    }
    case "skip":
      return {
        kind: "journal",
        steps: [{ step: action.step, outcome: { type: "Skipped", reason: action.reason, message: action.message } }],
      };
    case "fail":
      return {
        kind: "journal",
        steps: [{ step: action.step, outcome: { type: "Failed", reason: action.reason, message: action.message } }],
      };
    case "rollback":
      return {
        kind: "journal",
        steps: [
          {
            step: action.step,
            outcome: { type: "RollbackFailed", message: "automatic restore is not available for this step kind yet" },
          },
        ],
      };
    case "resume": {
      const lever = leverFor(deps.levers, action.step);
      if (!lever) return unsupported(action.step);
      const result = await safely(() => lever.act(action.step, ctx));
      return {
        kind: "journal",
        steps: [{ step: action.step, outcome: toOutcome(result) }],
        ...("epoch" in result && result.epoch !== undefined ? { epoch: result.epoch } : {}),
      };
    }
    case "execute": {
      const lever = leverFor(deps.levers, action.step);
      if (!lever) return unsupported(action.step);
      let prepared;
      try {
        prepared = await lever.prepare(action.step, ctx);
      } catch (error) {
        return {
          kind: "journal",
          steps: [{ step: action.step, outcome: { type: "Failed", message: messageOf(error) } }],
        };
      }
      if (prepared.refusal) {
        return {
          kind: "journal",
          steps: [{ step: action.step, outcome: { type: "Refused", ...prepared.refusal, intent: prepared.intent } }],
        };
      }
      const started: StepOutcome = {
        type: "Started",
        intent: prepared.intent,
        ...(prepared.before ? { before: prepared.before } : {}),
      };
      if (action.dryRun) {
        return {
          kind: "journal",
          steps: [
            { step: action.step, outcome: started },
            {
              step: action.step,
              outcome: {
                type: "Skipped",
                reason: "DryRun",
                message: "Dry run: the intent records what this step would do.",
              },
            },
          ],
        };
      }
      return {
        kind: "journal",
        steps: [{ step: action.step, outcome: started }],
        afterFirst: () => safely(() => lever.act(action.step, ctx)),
      };
    }
  }
}

function unsupported(step: BoundStep): Performed {
  return {
    kind: "journal",
    steps: [
      {
        step,
        outcome: {
          type: "Refused",
          reason: "StepKindNotSupported",
          message: `step kind ${step.kind} is not supported by this controller version`,
        },
      },
    ],
  };
}

async function safely(act: () => Promise<LeverResult>): Promise<LeverResult> {
  try {
    return await act();
  } catch (error) {
    return { type: "Failed", message: messageOf(error) };
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function toOutcome(result: LeverResult): StepOutcome {
  switch (result.type) {
    case "Succeeded":
      return {
        type: "Succeeded",
        ...(result.observed ? { observed: result.observed } : {}),
        ...(result.message ? { message: result.message } : {}),
      };
    case "InProgress":
      return {
        type: "InProgress",
        ...(result.observed ? { observed: result.observed } : {}),
        ...(result.message ? { message: result.message } : {}),
      };
    case "Failed":
      return { type: "Failed", message: result.message, ...(result.observed ? { observed: result.observed } : {}) };
    case "Refused":
      return {
        type: "Refused",
        reason: result.reason,
        message: result.message,
        ...(result.intent ? { intent: result.intent } : {}),
      };
  }
}

function statusWith(
  run: FailoverRun,
  journal: JournalEntry[],
  input: Parameters<typeof phaseOf>[0],
  now: number,
  epoch: number | undefined,
): FailoverRunStatus {
  const view = phaseOf({ ...input, journal, now });
  const started = firstStartedAt(journal);
  const status: FailoverRunStatus = {
    ...run.status,
    observedGeneration: run.metadata.generation ?? 0,
    phase: view.phase,
    journal,
  };
  if (view.currentStep) status.currentStep = view.currentStep;
  else delete status.currentStep;
  if (started !== undefined && !status.startedAt) status.startedAt = iso(started);
  if (epoch !== undefined) status.epoch = epoch;
  return status;
}

function finalStatus(
  run: FailoverRun,
  phase: NonNullable<FailoverRunStatus["phase"]>,
  reason: string,
  message: string,
  now: number,
): FailoverRunStatus {
  const status: FailoverRunStatus = {
    ...run.status,
    phase,
    finishedAt: iso(now),
    observedGeneration: run.metadata.generation ?? 0,
  };
  delete status.currentStep;
  status.conditions = setCondition(
    status.conditions ?? [],
    {
      type: "Complete",
      status: phase === "Succeeded" ? "True" : "False",
      reason,
      message,
      observedGeneration: run.metadata.generation ?? 0,
    },
    now,
  );
  const rto = measuredRto(status);
  if (rto) status.rto = rto;
  return status;
}

/**
 * RTO evidence from the journal: from the run's start (the breach, for an automatic run created on it) to the moment
 * both traffic had moved (the Route53 step) and the writer was promoted (the database step), whichever came later.
 */
function measuredRto(status: FailoverRunStatus): FailoverRunStatus["rto"] | undefined {
  const started = parseTime(status.startedAt);
  const doneAt = (kind: string) =>
    status.journal?.find((e) => e.kind === kind && e.state === "Succeeded")?.finishedAt ?? undefined;
  const trafficShiftedAt = doneAt("route53");
  const writerPromotedAt = doneAt("auroraGlobal") ?? doneAt("rdsPromoteReplica");
  const ends = [trafficShiftedAt, writerPromotedAt].map(parseTime).filter((t): t is number => t !== undefined);
  if (started === undefined || ends.length === 0) return undefined;
  return {
    seconds: Math.round((Math.max(...ends) - started) / 100) / 10,
    breachAt: status.startedAt,
    ...(trafficShiftedAt ? { trafficShiftedAt } : {}),
    ...(writerPromotedAt ? { writerPromotedAt } : {}),
  };
}
