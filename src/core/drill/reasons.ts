/** Why a due time started no drill: the CRD's enum for status.skipped[].reason, as documented constants. */
import type { DrillScheduleStatusSkipped } from "../../crds/generated/drillschedules.js";

export type SkipReason = DrillScheduleStatusSkipped["reason"];

export const SkipReason = {
  Blackout: "Blackout",
  OutsideAllowedWindow: "OutsideAllowedWindow",
  BlockedDate: "BlockedDate",
  ConcurrentRun: "ConcurrentRun",
  Suspended: "Suspended",
  PolicyNotHealthy: "PolicyNotHealthy",
  MissedDeadline: "MissedDeadline",
} as const satisfies Record<SkipReason, SkipReason>;

export interface Skip {
  reason: SkipReason;
  message: string;
}
