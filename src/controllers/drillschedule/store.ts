import type { DrillSchedule, DrillScheduleStatus } from "../../crds/generated/drillschedules.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { DrillStore, ReportConfigMap } from "./ports.js";

/** Every write checks the guard first (the runtime's leader check), so a replica that lost its lease writes nothing. */
export function guardedDrillStore(store: DrillStore, guard: () => void): DrillStore {
  const guarded =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      guard();
      return write(...args);
    };
  return {
    schedule: (namespace, name) => store.schedule(namespace, name),
    policy: (namespace, name) => store.policy(namespace, name),
    plan: (namespace, name) => store.plan(namespace, name),
    runsOf: (namespace, policy) => store.runsOf(namespace, policy),
    runIn: (region, namespace, name) => store.runIn(region, namespace, name),
    writeScheduleStatus: guarded((s: DrillSchedule, st: DrillScheduleStatus) => store.writeScheduleStatus(s, st)),
    createRunIn: guarded((region: string, run: FailoverRun) => store.createRunIn(region, run)),
    cancelRunIn: guarded((region: string, ns: string, name: string) => store.cancelRunIn(region, ns, name)),
    deleteRun: guarded((ns: string, name: string) => store.deleteRun(ns, name)),
    writeReport: guarded((report: ReportConfigMap) => store.writeReport(report)),
  };
}
