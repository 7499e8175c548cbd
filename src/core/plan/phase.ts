/**
 * The run's phase and current step, computed from the same rules that pick the next action (Argo Rollouts'
 * CalculateRolloutPhase): status is derived, never accumulated, so it cannot drift from what the engine will do.
 */
import type { RunPhase } from "../runs.js";
import { nextAction, type EngineInput } from "./engine.js";
import { stateOf } from "./journal.js";
import { StepReason } from "./reasons.js";

export interface RunPhaseView {
  phase: RunPhase;
  /** The step being executed or waited on; absent when the run is not at a step (Pending, or final). */
  currentStep?: string;
  /** For a final phase: why the run ended, for the condition and the Event. */
  reason?: string;
  message?: string;
}

export function phaseOf(input: EngineInput): RunPhaseView {
  const action = nextAction(input);
  if (action.type === "finish") return { phase: action.phase, reason: action.reason, message: action.message };
  if (action.type === "wait" && action.reason === StepReason.ApprovalPending) {
    return { phase: "WaitingApproval", currentStep: action.step.name };
  }
  const started = input.journal.some((e) => stateOf(e) !== "Pending");
  if (!started && action.type === "execute") return { phase: "Pending" };
  return { phase: "Running", currentStep: action.step.name };
}
