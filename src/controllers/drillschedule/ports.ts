/**
 * What the DrillSchedule controller needs from the outside world. Reads of this cluster come from informer caches;
 * runs may live in another region's cluster (a failback run is executed by its target region, design 2a), so run
 * writes and the read of one run by name take the region whose cluster holds it.
 */
import type { Logger } from "pino";
import type { DrillSchedule, DrillScheduleStatus } from "../../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import type { EventRecorder } from "../ports.js";

export interface ReportConfigMap {
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: { apiVersion: string; kind: string; name: string; uid: string }[];
  };
  data: Record<string, string>;
}

export interface DrillStore {
  schedule(namespace: string, name: string): DrillSchedule | undefined;
  policy(namespace: string, name: string): RegionPolicy | undefined;
  plan(namespace: string, name: string): FailoverPlan | undefined;
  /** runs of the policy in this cluster (labelled, or of one of its plans) */
  runsOf(namespace: string, policy: string): FailoverRun[];
  /** one run read from the cluster of `region` (this one or a peer); undefined when it does not exist */
  runIn(region: string, namespace: string, name: string): Promise<FailoverRun | undefined>;
  /** merge patch of status conditioned on resourceVersion; ConflictError when the object changed meanwhile */
  writeScheduleStatus(schedule: DrillSchedule, status: DrillScheduleStatus): Promise<void>;
  /** creation is idempotent by name: "exists" when a run of that name is there already */
  createRunIn(region: string, run: FailoverRun): Promise<"created" | "exists">;
  /** merge patch spec.cancel: true */
  cancelRunIn(region: string, namespace: string, name: string): Promise<void>;
  /** deletes a run of this cluster; nothing when it is gone already */
  deleteRun(namespace: string, name: string): Promise<void>;
  /** creates the report ConfigMap in this cluster; nothing when it exists (a finished run's report never changes) */
  writeReport(report: ReportConfigMap): Promise<void>;
}

/** Where drill outcomes are counted (prom-client in the runtime). */
export interface DrillObserver {
  result(namespace: string, schedule: string, result: string, reason: string): void;
}

export interface DrillDeps {
  store: DrillStore;
  events: EventRecorder;
  observer: DrillObserver;
  log: Logger;
  localRegion: string;
  now: () => number;
}
