/**
 * One action of the engine performed: the lever behind a step prepared, called or restored, and what that yields as
 * journal outcomes. A lever that throws yields a Failed outcome, never an exception out of the reconcile.
 */
import { errorMessage } from "../../core/errors.js";
import type { Action } from "../../core/plan/engine.js";
import type { StepOutcome } from "../../core/plan/journal.js";
import type { BoundStep } from "../../core/plan/steps.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import { leverFor, type LeverContext, type LeverResult } from "./levers/index.js";
import type { RunDeps } from "./ports.js";

/** How soon to look again at a step that is under way (a promotion, a wait on a signal). */
export const pollMs = 2000;

/** What the reconcile does with an action: wait, write the run's end, or journal outcomes (persisted one by one). */
export type Performed =
  | { kind: "wait"; untilMs: number }
  | { kind: "finish" }
  | {
      kind: "journal";
      steps: { step: BoundStep; outcome: StepOutcome }[];
      /** the external call, made after the first outcome (Started) is persisted, on the run as then stored */
      afterFirst?: (run: FailoverRun) => Promise<LeverResult>;
      /** the outcomes come from a lever that already acted (a resumed step) */
      acted?: boolean;
      epoch?: number;
    };

/**
 * The engine's action made real, short of persisting: levers are prepared and, for a resumed step or a restore, called;
 * a new step's external call is handed back as `afterFirst`, so the caller stores "Started" before it happens.
 */
export async function perform(action: Action, ctx: LeverContext, deps: RunDeps): Promise<Performed> {
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
    case "rollback": {
      const lever = leverFor(deps.levers, action.step);
      const result: LeverResult = lever?.restore
        ? await safely(() => lever.restore!(action.step, action.before, ctx))
        : { type: "Failed", message: `step kind ${action.step.kind} cannot be restored automatically` };
      // A restore still settling is simply restored again later: restores are idempotent by observation.
      if (result.type === "InProgress") return { kind: "wait", untilMs: deps.now() + pollMs };
      const outcome: StepOutcome =
        result.type === "Succeeded"
          ? { type: "RolledBack", ...(result.observed ? { observed: result.observed } : {}) }
          : { type: "RollbackFailed", message: result.message };
      return {
        kind: "journal",
        steps: [{ step: action.step, outcome }],
        ...(result.type === "Succeeded" && result.epoch !== undefined ? { epoch: result.epoch } : {}),
      };
    }
    case "resume": {
      const lever = leverFor(deps.levers, action.step);
      if (!lever) return unsupported(action.step);
      const result = await safely(() => lever.act(action.step, ctx));
      return {
        kind: "journal",
        acted: true,
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
          steps: [{ step: action.step, outcome: { type: "Failed", message: errorMessage(error), beforeStart: true } }],
        };
      }
      if (prepared.refusal) {
        return {
          kind: "journal",
          steps: [{ step: action.step, outcome: { type: "Refused", ...prepared.refusal, intent: prepared.intent } }],
        };
      }
      const observed = prepared.observed;
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
        afterFirst: (stored) => safely(() => lever.act(action.step, { ...ctx, run: stored }, observed)),
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
    return { type: "Failed", message: errorMessage(error) };
  }
}

export function toOutcome(result: LeverResult): StepOutcome {
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
