/**
 * The controller process: `switchyard-controller --region us-east-1 [flags]` (see config.ts). Every replica watches
 * and serves /healthz, /readyz and /metrics; only the leader of the Lease reconciles, probes and writes.
 *
 * Exit codes: 0 after a graceful shutdown (SIGTERM/SIGINT), 2 for bad configuration, 1 for anything else.
 */
import { fileURLToPath } from "node:url";
import { CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { clusterInformers, connect, loadKubeConfig, type Clients } from "./clients.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { startControllers, type RunningControllers } from "./controllers.js";
import { failpoints, failpointsVariable } from "./failpoints.js";
import { startHealthServer } from "./health-server.js";
import { LeaderElector, defaultIdentity } from "./kube/leader-election.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { registerObjectMetrics } from "./object-metrics.js";

export interface RunningController {
  stop(): Promise<void>;
}

export async function runController(config: Config, log: Logger): Promise<RunningController> {
  const kc = loadKubeConfig(config);
  const metrics = createMetrics();
  const informers = clusterInformers(kc, config, log);
  for (const i of informers.all) i.start();

  // Ready once it can do its job: the caches synced, and able to campaign for the Lease (else it would never act).
  const electorRef: { current?: LeaderElector } = {};
  const health = await startHealthServer(config.healthAddress, metrics.registry, () => {
    const unsynced = informers.all.filter((i) => !i.hasSynced()).length;
    if (unsynced > 0) return `caches not synced (${unsynced} of ${informers.all.length} watches)`;
    return electorRef.current?.configurationProblem();
  });
  log.info({ address: health.address() }, "serving /healthz, /readyz and /metrics");

  const identity = config.identity ?? defaultIdentity();
  const failpoint = failpoints(process.env[failpointsVariable], log);
  const clients = connect(kc, informers, config, log, identity, metrics);
  const elector = leaderElector({ kc, config, log, metrics, identity, clients, failpoint });
  electorRef.current = elector;
  registerObjectMetrics(metrics.registry, {
    policies: () => informers.policies.list(),
    plans: () => informers.plans.list(),
    runs: () => informers.runs.list(),
    isLeader: () => elector.isLeader(),
  });
  elector.start();

  return {
    stop: async () => {
      // Release the lease only after the reconciles in flight have finished, so the next leader starts from their writes.
      await elector.release();
      await Promise.all(informers.all.map((i) => i.stop()));
      await health.close();
      clients.destroy();
    },
  };
}

interface Leadership {
  kc: KubeConfig;
  config: Config;
  log: Logger;
  metrics: Metrics;
  identity: string;
  clients: Clients;
  failpoint: ((name: string) => void) | undefined;
}

/** Only the leader of the Lease runs the controllers: they are started on winning it and stopped on losing it. */
function leaderElector({ kc, config, log, metrics, identity, clients, failpoint }: Leadership): LeaderElector {
  let running: RunningControllers | undefined;
  // Called only once the elector below exists: by writes of a controller that the elector itself started.
  const isLeader = () => elector.isLeader();
  const elector: LeaderElector = new LeaderElector({
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
      running = startControllers({ clients, config, metrics, log, isLeader, ...(failpoint ? { failpoint } : {}) });
    },
    onStoppedLeading: async () => {
      metrics.leader.set(0);
      log.info({ identity }, "stopped leading");
      await running?.stop();
      running = undefined;
    },
  });
  return elector;
}

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel, config.region);
  const running = await runController(config, log);
  stopOnSignal(running, config.shutdownGraceSeconds, log);
}

function configOrExit(): Config {
  try {
    return loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`switchyard-controller: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

/** SIGTERM or SIGINT stops gracefully, within the grace period; past it the process exits anyway. */
function stopOnSignal(running: RunningController, graceSeconds: number, log: Logger): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      log.error("graceful shutdown took too long; exiting");
      process.exit(1);
    }, graceSeconds * 1000);
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
