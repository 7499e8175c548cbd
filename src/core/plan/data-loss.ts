/**
 * Invariant 7, data loss is gated: a promotion that gives up writes (Aurora FailoverGlobalCluster with AllowDataLoss,
 * a lagging replica promoted) happens only when the replication lag measured just before it is within the policy's
 * RPO objective. A lag that could not be measured is not within anything. The step may switch the gate off
 * (`dataLossGate: Off`) and a person's run may override it (`override.invariants: [DataLoss]`); a policy without an
 * RPO objective declares no bound to hold.
 */
import { GuardReason } from "./reasons.js";

export interface DataLossInput {
  /** Replication lag measured just before the call, in seconds; undefined when it could not be measured. */
  lagSeconds?: number;
  /** The policy's objectives.rpoSeconds; undefined when it declares none. */
  rpoSeconds?: number;
  gate: "Enforce" | "Off";
  /** A Manual run's override names DataLoss. */
  overridden: boolean;
}

export interface DataLossRefusal {
  reason: typeof GuardReason.RpoExceeded | typeof GuardReason.RpoUnknown;
  message: string;
}

export function dataLossRefusal(input: DataLossInput): DataLossRefusal | undefined {
  if (input.gate === "Off" || input.overridden || input.rpoSeconds === undefined) return undefined;
  if (input.lagSeconds === undefined) {
    return {
      reason: GuardReason.RpoUnknown,
      message:
        `the replication lag could not be measured, so a promotion with data loss cannot be shown to stay within the ` +
        `RPO objective of ${input.rpoSeconds} s; nothing was called`,
    };
  }
  if (input.lagSeconds <= input.rpoSeconds) return undefined;
  return {
    reason: GuardReason.RpoExceeded,
    message:
      `the replication lag is ${input.lagSeconds} s, beyond the RPO objective of ${input.rpoSeconds} s: a promotion ` +
      `with data loss would lose more than the policy allows; nothing was called`,
  };
}
