/**
 * The last line of "a standby never writes": every write of a controller goes through this check of the lease, so a
 * reconcile still running when leadership is lost (a long API call, a paused process) fails instead of writing.
 */
import type { RunStore } from "../controllers/failoverrun/ports.js";
import type { EventRecorder } from "../controllers/ports.js";
import type { SwitchyardStore } from "../controllers/regionpolicy/ports.js";

export class NotLeaderError extends Error {
  constructor() {
    super("not the leader: refusing to write");
  }
}

function guardOf(isLeader: () => boolean): () => void {
  return () => {
    if (!isLeader()) throw new NotLeaderError();
  };
}

export function leaderOnlyRunStore(store: RunStore, isLeader: () => boolean): RunStore {
  const guard = guardOf(isLeader);
  return {
    run: (namespace, name) => store.run(namespace, name),
    plan: (namespace, name) => store.plan(namespace, name),
    policy: (namespace, name) => store.policy(namespace, name),
    writeRunStatus: async (run, status) => {
      guard();
      return store.writeRunStatus(run, status);
    },
    runsOfPlan: (namespace, plan) => store.runsOfPlan(namespace, plan),
    deleteRun: async (namespace, name) => {
      guard();
      await store.deleteRun(namespace, name);
    },
  };
}

export function leaderOnlyStore(store: SwitchyardStore, isLeader: () => boolean): SwitchyardStore {
  const guard = guardOf(isLeader);
  return {
    policy: (namespace, name) => store.policy(namespace, name),
    plan: (namespace, name) => store.plan(namespace, name),
    runsOf: (namespace, policy) => store.runsOf(namespace, policy),
    writePolicyStatus: async (policy, status) => {
      guard();
      await store.writePolicyStatus(policy, status);
    },
    createRun: async (run) => {
      guard();
      return store.createRun(run);
    },
  };
}

export function leaderOnlyEvents(events: EventRecorder, isLeader: () => boolean): EventRecorder {
  return {
    event: (object, type, reason, message) => {
      if (isLeader()) events.event(object, type, reason, message);
    },
  };
}
