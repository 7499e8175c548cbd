/**
 * The controller process: `switchyard-controller --region us-east-1 [flags]` (see config.ts). Every replica watches
 * and serves /healthz, /readyz and /metrics; only the leader of the Lease reconciles, probes and writes.
 *
 * Exit codes: 0 after a graceful shutdown (SIGTERM/SIGINT), 2 for bad configuration, 1 for anything else.
 */
import {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { RDSClient } from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";
import { fileURLToPath } from "node:url";
import { DrillScheduleController } from "../controllers/drillschedule/controller.js";
import { FailoverRunController } from "../controllers/failoverrun/controller.js";
import { levers } from "../controllers/failoverrun/levers/index.js";
import { RegionPolicyController } from "../controllers/regionpolicy/controller.js";
import { group, plurals, version, type Kind } from "../crds/definitions.js";
import type { DrillSchedule } from "../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { probeHttp } from "../signals/http-probe.js";
import { probePrometheus } from "../signals/prometheus-probe.js";
import { route53HealthCheckProbe } from "../signals/route53-health-check-probe.js";
import { workloadProbe } from "../signals/workload-probe.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { KubeEventRecorder } from "./events.js";
import { startHealthServer } from "./health-server.js";
import { Informer } from "./kube/informer.js";
import { LeaderElector, defaultIdentity } from "./kube/leader-election.js";
import { drillStoreAccess, leaderOnly, leaderOnlyEvents, policyStoreAccess, runStoreAccess } from "./leader-guard.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { fencePorts } from "./fence-ports.js";
import { PeerClusters } from "./peer-clusters.js";
import { failpoints, failpointsVariable } from "./failpoints.js";
import { route53Quota } from "./route53-quota.js";
import { sleep, systemTimers } from "./kube/timers.js";
import { policyMetrics } from "./policy-metrics.js";
import { KubeDrillStore, KubeSwitchyardStore } from "./switchyard-store.js";
import { WorkQueue } from "./kube/work-queue.js";

export interface RunningController {
  stop(): Promise<void>;
}

function loadKubeConfig(config: Config): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

export async function runController(config: Config, log: Logger): Promise<RunningController> {
  const kc = loadKubeConfig(config);
  const metrics = createMetrics();
  const informer = <T extends KubernetesObject>(kind: Kind) =>
    new Informer<T>({
      kubeConfig: kc,
      resource: { group, version, plural: plurals[kind], ...(config.namespace ? { namespace: config.namespace } : {}) },
      logger: log.child({ informer: kind }),
    });
  const policies = informer<RegionPolicy>("RegionPolicy");
  const plans = informer<FailoverPlan>("FailoverPlan");
  const runs = informer<FailoverRun>("FailoverRun");
  const schedules = informer<DrillSchedule>("DrillSchedule");
  const informers = [policies, plans, runs, schedules];
  for (const i of informers) i.start();

  const health = await startHealthServer(config.healthAddress, metrics.registry, () =>
    informers.every((i) => i.hasSynced()),
  );
  log.info({ address: health.address() }, "serving /healthz, /readyz and /metrics");

  const identity = config.identity ?? defaultIdentity();
  const crashAt = failpoints(process.env[failpointsVariable], log);
  const route53 = new Route53Client({
    region: "us-east-1",
    // Throttling is retried by our own code, which takes a quota turn for every attempt; the SDK's retries would not.
    maxAttempts: 1,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
  });
  const peers = new PeerClusters(kc, config.region, () => policies.list());
  const store = new KubeSwitchyardStore(kc.makeApiClient(CustomObjectsApi), { policies, plans, runs });
  const drillStore = new KubeDrillStore(
    store,
    { custom: kc.makeApiClient(CustomObjectsApi), configMaps: kc.makeApiClient(CoreV1Api) },
    async (region, namespace) => (await peers.kubeConfigFor(region, namespace)).makeApiClient(CustomObjectsApi),
    { schedules },
  );
  const events = new KubeEventRecorder(kc.makeApiClient(CoreV1Api), "switchyard-controller", identity, log);
  const awsEndpoint = config.awsEndpoint ? { endpoint: config.awsEndpoint } : {};
  const rdsFor = perRegion((region) => new RDSClient({ region, ...awsEndpoint }));
  const cloudwatchFor = perRegion((region) => new CloudWatchClient({ region, ...awsEndpoint }));
  const pause = (ms: number) => sleep(systemTimers, ms);
  // One quota for every Route53 call of this process (the account's limit is about five a second).
  const route53Options = { acquire: route53Quota(), sleep: pause, pollIntervalMs: 2000 };
  const fence = fencePorts(route53, route53Options, {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
  });
  const planLevers = levers({
    route53,
    route53Options,
    rds: rdsFor.get,
    cloudwatch: cloudwatchFor.get,
    configMaps: (region, namespace) => peers.coreApi(region, namespace),
    scales: (region, namespace) => peers.apps(region, namespace),
    jobs: async (region, namespace) => (await peers.kubeConfigFor(region, namespace)).makeApiClient(BatchV1Api),
    secrets: kc.makeApiClient(CoreV1Api),
    fetch: (input, init) => fetch(input, init),
    sleep: pause,
    now: () => Date.now(),
  });
  let controller: RegionPolicyController | undefined;
  let runController: FailoverRunController | undefined;
  let drillController: DrillScheduleController | undefined;
  // Called only once the elector below exists: by writes of a controller that the elector itself started.
  const isLeader = () => elector.isLeader();

  const elector = new LeaderElector({
    coordinationApi: kc.makeApiClient(CoordinationV1Api),
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity,
    config: {
      leaseDurationSeconds: config.leaseDurationSeconds,
      renewDeadlineSeconds: config.renewDeadlineSeconds,
      retryPeriodSeconds: config.retryPeriodSeconds,
    },
    logger: log.child({ component: "leader-election" }),
    onStartedLeading: () => {
      metrics.leader.set(1);
      log.info({ identity }, "started leading");
      const queue = new WorkQueue<string>();
      controller = new RegionPolicyController({
        policies,
        plans,
        runs,
        store: leaderOnly(policyStoreAccess, store, isLeader),
        events: leaderOnlyEvents(events, isLeader),
        observer: policyMetrics(metrics),
        fence,
        probes: {
          http: probeHttp,
          prometheus: probePrometheus,
          route53HealthCheck: route53HealthCheckProbe(route53, { ...route53Options, maxAttempts: 3 }),
          workload: workloadProbe((region, namespace) => peers.apps(region, namespace)),
        },
        queue,
        log,
        localRegion: config.region,
        workers: 2,
        now: Date.now,
        onReconciled: (seconds, error) => {
          metrics.reconcileDuration.observe({ controller: "regionpolicy" }, seconds);
          if (error) metrics.reconcileErrors.inc({ controller: "regionpolicy" });
          metrics.queueDepth.set({ controller: "regionpolicy" }, queue.len());
        },
      });
      const runQueue = new WorkQueue<string>();
      runController = new FailoverRunController({
        runs,
        policies,
        queue: runQueue,
        workers: 2,
        store: leaderOnly(runStoreAccess, store, isLeader),
        levers: planLevers,
        events: leaderOnlyEvents(events, isLeader),
        log,
        localRegion: config.region,
        now: Date.now,
        reachable: (region, namespace) => peers.reachable(region, namespace),
        ...(crashAt ? { failpoint: crashAt } : {}),
        onReconciled: (seconds, error) => {
          metrics.reconcileDuration.observe({ controller: "failoverrun" }, seconds);
          if (error) metrics.reconcileErrors.inc({ controller: "failoverrun" });
          metrics.queueDepth.set({ controller: "failoverrun" }, runQueue.len());
        },
      });
      const drillQueue = new WorkQueue<string>();
      drillController = new DrillScheduleController({
        schedules,
        policies,
        plans,
        runs,
        queue: drillQueue,
        workers: 1,
        store: leaderOnly(drillStoreAccess, drillStore, isLeader),
        events: leaderOnlyEvents(events, isLeader),
        observer: {
          result: (namespace, schedule, result, reason) =>
            metrics.drillResults.inc({ namespace, schedule, result, reason }),
        },
        log,
        localRegion: config.region,
        now: Date.now,
        onReconciled: (seconds, error) => {
          metrics.reconcileDuration.observe({ controller: "drillschedule" }, seconds);
          if (error) metrics.reconcileErrors.inc({ controller: "drillschedule" });
          metrics.queueDepth.set({ controller: "drillschedule" }, drillQueue.len());
        },
      });
      // Reconciling before the caches hold everything would decide on a partial world.
      void Promise.all(informers.map((i) => i.waitForSync())).then(() => {
        controller?.start();
        runController?.start();
        drillController?.start();
      });
    },
    onStoppedLeading: async () => {
      metrics.leader.set(0);
      log.info({ identity }, "stopped leading");
      await Promise.all([controller?.stop(), runController?.stop(), drillController?.stop()]);
      controller = undefined;
      runController = undefined;
      drillController = undefined;
    },
  });
  elector.start();

  return {
    stop: async () => {
      // Release the lease only after the reconciles in flight have finished, so the next leader starts from their writes.
      await elector.release();
      await Promise.all(informers.map((i) => i.stop()));
      await health.close();
      route53.destroy();
      rdsFor.destroy();
      cloudwatchFor.destroy();
    },
  };
}

/** One SDK client per AWS region, made on first use. */
function perRegion<C extends { destroy(): void }>(make: (region: string) => C) {
  const clients = new Map<string, C>();
  return {
    get: (region: string): C => {
      let client = clients.get(region);
      if (!client) {
        client = make(region);
        clients.set(region, client);
      }
      return client;
    },
    destroy: () => {
      for (const client of clients.values()) client.destroy();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`switchyard-controller: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel, config.region);
  const running = await runController(config, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      log.error("graceful shutdown took too long; exiting");
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000);
    force.unref();
    running.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
