/**
 * The last line of "a standby never writes": every write of a controller goes through this check of the lease, so a
 * reconcile still running when leadership is lost (a long API call, a paused process) fails instead of writing.
 */
import type { DrillStore } from "../controllers/drillschedule/ports.js";
import type { PlanStore } from "../controllers/failoverplan/ports.js";
import type { RunStore } from "../controllers/failoverrun/ports.js";
import type { EventRecorder } from "../controllers/ports.js";
import type { SwitchyardStore } from "../controllers/regionpolicy/ports.js";

export class NotLeaderError extends Error {
  constructor() {
    super("not the leader: refusing to write");
  }
}

/**
 * Whether each method of a store reads or writes. A table over every key of the interface, so a method added to a store
 * does not compile until someone says which it is; only asynchronous methods may write, so a refusal arrives as a
 * rejected promise where the caller already handles failed writes.
 */
export type Access<T> = {
  readonly [K in keyof T]-?: T[K] extends (...args: never[]) => Promise<unknown> ? "read" | "write" : "read";
};

/** The store as the interface `access` describes it, with every write refused while this replica is not the leader. */
export function leaderOnly<T extends object>(access: Access<T>, store: NoInfer<T>, isLeader: () => boolean): T {
  const guarded: Partial<Record<keyof T, unknown>> = {};
  for (const key of Object.keys(access) as (keyof T & string)[]) {
    const method = store[key] as (...args: unknown[]) => unknown;
    guarded[key] =
      access[key] === "write"
        ? (...args: unknown[]) => (isLeader() ? method.apply(store, args) : Promise.reject(new NotLeaderError()))
        : (...args: unknown[]) => method.apply(store, args);
  }
  return guarded as T;
}

export const policyStoreAccess: Access<SwitchyardStore> = {
  policy: "read",
  plan: "read",
  runsOf: "read",
  writePolicyStatus: "write",
  createRun: "write",
};

export const runStoreAccess: Access<RunStore> = {
  run: "read",
  plan: "read",
  policy: "read",
  runsOfPlan: "read",
  writeRunStatus: "write",
  deleteRun: "write",
};

export const planStoreAccess: Access<PlanStore> = {
  plan: "read",
  policy: "read",
  plansOf: "read",
  runsOfPlan: "read",
  writePlanStatus: "write",
};

export const drillStoreAccess: Access<DrillStore> = {
  schedule: "read",
  policy: "read",
  plan: "read",
  runsOf: "read",
  runIn: "read",
  writeScheduleStatus: "write",
  createRunIn: "write",
  cancelRunIn: "write",
  deleteRun: "write",
  writeReport: "write",
};

/** Events are a side channel, not state: a standby's are dropped rather than failing the reconcile that raised them. */
export function leaderOnlyEvents(events: EventRecorder, isLeader: () => boolean): EventRecorder {
  return {
    event: (object, type, reason, message) => {
      if (isLeader()) events.event(object, type, reason, message);
    },
  };
}
