/**
 * The four controllers of a leader: built when this replica starts leading, started once the caches hold everything,
 * stopped when it stops leading. Every write they make goes through the leader guard.
 */
import { DrillScheduleController } from "../controllers/drillschedule/controller.js";
import { FailoverPlanController } from "../controllers/failoverplan/controller.js";
import { FailoverRunController } from "../controllers/failoverrun/controller.js";
import { RegionPolicyController } from "../controllers/regionpolicy/controller.js";
import { tenancyOf, type Clients } from "./clients.js";
import type { Config } from "./config.js";
import { WorkQueue } from "./kube/work-queue.js";
import {
  drillStoreAccess,
  leaderOnly,
  leaderOnlyEvents,
  planStoreAccess,
  policyStoreAccess,
  runStoreAccess,
} from "./leader-guard.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { PeerViews } from "./peer-views.js";
import { policyMetrics } from "./policy-metrics.js";
import { runFinishedMetrics } from "./run-metrics.js";

export interface ControllerDeps {
  clients: Clients;
  config: Config;
  metrics: Metrics;
  log: Logger;
  isLeader: () => boolean;
  /** crash-test hook of the FailoverRun controller (failpoints.ts) */
  failpoint?: (name: string) => void;
}

interface Controller {
  start(): void;
  stop(): Promise<void>;
}

export interface RunningControllers {
  stop(): Promise<void>;
}

export function startControllers(deps: ControllerDeps): RunningControllers {
  const controllers: Controller[] = [
    regionPolicyController(deps),
    failoverRunController(deps),
    failoverPlanController(deps),
    drillController(deps),
  ];
  let stopped = false;
  // Reconciling before the caches hold everything would decide on a partial world.
  void Promise.all(deps.clients.informers.all.map((i) => i.waitForSync())).then(() => {
    if (!stopped) for (const controller of controllers) controller.start();
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(controllers.map((controller) => controller.stop()));
    },
  };
}

/** A controller's own work queue, and the reconcile metrics labelled with its name. */
function queueWithMetrics(controller: string, metrics: Metrics) {
  const queue = new WorkQueue<string>();
  return {
    queue,
    onReconciled: (seconds: number, error: unknown) => {
      metrics.reconcileDuration.observe({ controller }, seconds);
      if (error) metrics.reconcileErrors.inc({ controller });
      metrics.queueDepth.set({ controller }, queue.len());
    },
  };
}

function regionPolicyController({ clients, config, metrics, log, isLeader }: ControllerDeps): Controller {
  const { policies, plans, runs } = clients.informers;
  const work = queueWithMetrics("regionpolicy", metrics);
  // The other regions' controllers are observers too: their published views, watched in their clusters.
  const peers = new PeerViews({
    localRegion: config.region,
    kubeConfigFor: (region, namespace) => clients.peers.kubeConfigFor(region, namespace),
    onChange: (namespace, name) => work.queue.add(`${namespace}/${name}`),
    lease: {
      namespace: config.leaseNamespace,
      name: config.leaseName,
      durationSeconds: config.leaseDurationSeconds,
    },
    log,
  });
  const controller = new RegionPolicyController({
    policies,
    plans,
    runs,
    store: leaderOnly(policyStoreAccess, clients.store, isLeader),
    events: leaderOnlyEvents(clients.events, isLeader),
    observer: policyMetrics(metrics),
    fence: clients.fence,
    fenceReadAges: {
      settledMs: config.fencingSettledReadSeconds * 1000,
      unsettledMs: config.fencingReadSeconds * 1000,
    },
    peers: {
      viewsOf: (policy) => peers.viewsOf(policy),
      epochsOf: (policy) => peers.epochsOf(policy),
      credentialsProblem: (policy) => clients.peers.problemOf(policy),
    },
    probes: clients.probes,
    ...work,
    log,
    localRegion: config.region,
    tenancy: tenancyOf(config),
    // A steady policy's reconcile is mostly waiting for its status write; with a thousand policies each due every
    // 30 s, two workers were bounded by the API server's latency (≈ 10 reconciles a second at 190 ms), not by CPU.
    workers: 8,
    now: Date.now,
  });
  return {
    start: () => controller.start(),
    stop: async () => {
      await controller.stop();
      await peers.stop();
    },
  };
}

function failoverRunController({ clients, config, metrics, log, isLeader, failpoint }: ControllerDeps): Controller {
  const { runs, policies } = clients.informers;
  return new FailoverRunController({
    runs,
    policies,
    ...queueWithMetrics("failoverrun", metrics),
    workers: 2,
    store: leaderOnly(runStoreAccess, clients.store, isLeader),
    levers: clients.levers,
    events: leaderOnlyEvents(clients.events, isLeader),
    log,
    localRegion: config.region,
    tenancy: tenancyOf(config),
    now: Date.now,
    reachable: (region, namespace) => clients.peers.reachable(region, namespace),
    finished: runFinishedMetrics(metrics),
    moveFinished: async (policy, run) => {
      if (isLeader()) await clients.moveFinished(policy, run);
    },
    ...(failpoint ? { failpoint } : {}),
  });
}

function failoverPlanController({ clients, config, metrics, log, isLeader }: ControllerDeps): Controller {
  const { plans, policies, runs } = clients.informers;
  return new FailoverPlanController({
    plans,
    policies,
    runs,
    ...queueWithMetrics("failoverplan", metrics),
    // Evaluations wait on reads; shared reads are shared promises, so concurrent evaluations still read once.
    workers: 2,
    store: leaderOnly(planStoreAccess, clients.store, isLeader),
    checks: clients.planChecks,
    events: leaderOnlyEvents(clients.events, isLeader),
    log,
    tenancy: tenancyOf(config),
    intervalMs: config.planEvaluationIntervalSeconds * 1000,
    now: Date.now,
  });
}

function drillController({ clients, config, metrics, log, isLeader }: ControllerDeps): Controller {
  const { schedules, policies, plans, runs } = clients.informers;
  return new DrillScheduleController({
    schedules,
    policies,
    plans,
    runs,
    ...queueWithMetrics("drillschedule", metrics),
    workers: 1,
    store: leaderOnly(drillStoreAccess, clients.drillStore, isLeader),
    events: leaderOnlyEvents(clients.events, isLeader),
    observer: {
      result: (namespace, schedule, result, reason) =>
        metrics.drillResults.inc({ namespace, schedule, result, reason }),
    },
    log,
    localRegion: config.region,
    now: Date.now,
  });
}
