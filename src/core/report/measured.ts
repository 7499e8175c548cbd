/**
 * The RTO and RPO a finished run measured, from its journal: written into the run's status when it ends, and read
 * back by the report against the policy's objectives. Pure, so what counts as "recovered" is tested on journals alone.
 */
import type { FailoverRunStatus } from "../../crds/generated/failoverruns.js";
import { parseTime } from "../time.js";

/** RPO evidence, as the promotion step recorded it just before its call (absent when nothing was promoted). */
export function measuredRpo(status: FailoverRunStatus): FailoverRunStatus["rpo"] | undefined {
  const promoted = status.journal?.find(
    (e) => (e.kind === "auroraGlobal" || e.kind === "rdsPromoteReplica") && e.state === "Succeeded",
  );
  const rpo = promoted?.observed?.rpo as { seconds?: unknown; source?: unknown } | undefined;
  if (typeof rpo?.seconds !== "number") return undefined;
  return { seconds: rpo.seconds, ...(typeof rpo.source === "string" ? { source: rpo.source.slice(0, 256) } : {}) };
}

/**
 * RTO evidence from the journal: from the run's start (the breach, for an automatic run created on it) to the moment
 * both traffic had moved (the Route53 step) and the writer was promoted (the database step), whichever came later.
 */
export function measuredRto(status: FailoverRunStatus): FailoverRunStatus["rto"] | undefined {
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
