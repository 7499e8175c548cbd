/**
 * What a drill in progress needs next, pure: wait, cancel its run (it ran past maxDurationSeconds, or a real
 * incident's run appeared — people's and automation's runs always win over a drill), start the failback after a
 * successful Switchover and holdSeconds, or record the drill as finished with its result.
 */
import { isFinalPhase } from "../runs.js";

export type DrillResult = "Succeeded" | "Failed" | "Aborted";

export interface DrillRunView {
  name: string;
  /** undefined until the run controller has written a phase */
  phase?: string;
  createdAt: number;
  finishedAt?: number;
  cancelRequested: boolean;
}

export interface ProgressInput {
  type: "Switchover" | "DryRun";
  holdSeconds: number;
  maxDurationSeconds: number;
  now: number;
  drill: DrillRunView;
  failback?: DrillRunView;
  /** a run of the same policy with trigger Automatic or Manual that has not finished */
  incident?: { name: string; trigger: string };
}

export type ProgressAction =
  | { kind: "wait"; until?: number }
  | { kind: "cancel"; run: string; message: string }
  | { kind: "failback" }
  | { kind: "finish"; result: DrillResult; message: string };

function resultOf(run: DrillRunView): DrillResult {
  if (run.phase === "Succeeded") return "Succeeded";
  return run.phase === "Cancelled" ? "Aborted" : "Failed";
}

export function drillProgress(input: ProgressInput): ProgressAction {
  const { drill, failback, incident, now } = input;
  const current = failback ?? drill;
  const deadline = drill.createdAt + input.maxDurationSeconds * 1000;
  const preempted = incident && `pre-empted by ${incident.trigger} FailoverRun ${incident.name}`;

  if (!isFinalPhase(current.phase)) {
    if (current.cancelRequested) return { kind: "wait" };
    if (preempted) return { kind: "cancel", run: current.name, message: `Drill ${preempted}` };
    if (now >= deadline) {
      return {
        kind: "cancel",
        run: current.name,
        message: `Drill exceeded maxDurationSeconds (${input.maxDurationSeconds}s)`,
      };
    }
    return { kind: "wait", until: deadline };
  }
  if (failback) {
    const result = resultOf(failback);
    return { kind: "finish", result, message: `Failback run ${failback.name} ended ${failback.phase}` };
  }
  const result = resultOf(drill);
  const ended = `Drill run ${drill.name} ended ${drill.phase}`;
  if (result !== "Succeeded" || input.type === "DryRun") {
    return { kind: "finish", result, message: preempted && result === "Aborted" ? `${ended}, ${preempted}` : ended };
  }
  // A successful Switchover: traffic is in the other region until the failback.
  if (preempted) return { kind: "finish", result: "Aborted", message: `${ended}; no failback, ${preempted}` };
  if (now >= deadline) {
    return {
      kind: "finish",
      result: "Aborted",
      message: `${ended}; no failback, the drill exceeded maxDurationSeconds (${input.maxDurationSeconds}s)`,
    };
  }
  const failbackAt = (drill.finishedAt ?? now) + input.holdSeconds * 1000;
  return now >= failbackAt ? { kind: "failback" } : { kind: "wait", until: Math.min(failbackAt, deadline) };
}
