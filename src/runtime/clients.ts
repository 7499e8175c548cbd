/**
 * Everything outside this process that it talks to, built once at start: the informers of this cluster, the peer
 * clusters, the AWS clients, and the Switchyard adapters over them that the controllers are handed (stores, events,
 * fence ports, levers, probes). Every replica builds all of it; only the leader's controllers use the writing half.
 * What is done in this cluster on a tenant's behalf goes through the tenant clients (its ServiceAccount); only the
 * Switchyard kinds, Events and the Lease use the controller's own identity.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import {
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { PooledKubeConfig } from "./kube/pooled-kube-config.js";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { RDSClient } from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";
import type { BatchOptions } from "../actuators/route53/change-batch.js";
import { levers, type Levers } from "../controllers/failoverrun/levers/index.js";
import type { RunDeps } from "../controllers/failoverrun/ports.js";
import type { PlanChecks } from "../controllers/failoverplan/ports.js";
import type { FencePorts } from "../controllers/regionpolicy/ports.js";
import { policyActingAs, type Tenancy } from "../core/tenancy.js";
import { group, plurals, version, type Kind } from "../crds/definitions.js";
import type { DrillSchedule } from "../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { probeHttp } from "../signals/http-probe.js";
import type { Probes } from "../signals/probe.js";
import { probePrometheus } from "../signals/prometheus-probe.js";
import { zoneReads } from "./zone-reads.js";
import { route53HealthCheckProbe } from "../signals/route53-health-check-probe.js";
import { workloadProbe } from "../signals/workload-probe.js";
import { instrumentAws } from "./aws-metrics.js";
import type { Config } from "./config.js";
import { KubeEventRecorder } from "./events.js";
import { fencePorts, moveFinishedPort } from "./fence-ports.js";
import { Informer } from "./kube/informer.js";
import { sleep, systemTimers } from "./kube/timers.js";
import type { Logger } from "./logger.js";
import { EksTokens } from "./eks-token.js";
import type { Metrics } from "./metrics.js";
import { PeerClusters } from "./peer-clusters.js";
import { planChecks } from "./plan-checks.js";
import { route53Budget, route53LimitsOf } from "./route53-budget.js";
import { KubeDrillStore, KubeSwitchyardStore } from "./switchyard-store.js";
import { TenantClients } from "./tenant-clients.js";

export interface Informers {
  policies: Informer<RegionPolicy>;
  plans: Informer<FailoverPlan>;
  runs: Informer<FailoverRun>;
  schedules: Informer<DrillSchedule>;
  all: Pick<Informer<KubernetesObject>, "start" | "stop" | "hasSynced" | "waitForSync">[];
}

export interface Clients {
  informers: Informers;
  peers: PeerClusters;
  store: KubeSwitchyardStore;
  drillStore: KubeDrillStore;
  events: KubeEventRecorder;
  fence: FencePorts;
  moveFinished: NonNullable<RunDeps["moveFinished"]>;
  levers: Levers;
  /** what plan readiness follows into the world (plan-checks.ts) */
  planChecks: PlanChecks;
  probes: Probes;
  /** Closes the AWS clients; the informers are stopped by whoever started them. */
  destroy(): void;
}

export function loadKubeConfig(config: Config): KubeConfig {
  const kc = new PooledKubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

/** The watches of this cluster, not yet started. */
export function clusterInformers(kc: KubeConfig, config: Config, log: Logger): Informers {
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
  return { policies, plans, runs, schedules, all: [policies, plans, runs, schedules] };
}

/** The controller's tenancy settings, as the controllers are handed them. */
export const tenancyOf = (config: Config): Tenancy => ({
  ...(config.defaultServiceAccount ? { defaultServiceAccount: config.defaultServiceAccount } : {}),
  actAsController: config.actAsController,
});

export function connect(
  kc: KubeConfig,
  informers: Informers,
  config: Config,
  log: Logger,
  identity: string,
  metrics?: Metrics,
): Clients {
  const { policies, plans, runs, schedules } = informers;
  if (config.allowKubeconfigExec) {
    log.warn("--allow-kubeconfig-exec: peer kubeconfig Secrets may run commands and read files as this controller");
  }
  if (config.allowControllerAwsIdentity) {
    log.warn(
      "--allow-controller-aws-identity: peer Secrets may have EKS tokens signed as this controller's AWS identity",
    );
  }
  const tenants = new TenantClients(kc, config.actAsController);
  const tenancy = tenancyOf(config);
  // What a policy owns (role state, local workload reads, drill reports, its kubeconfig Secrets) acts as its identity.
  const asPolicy = (namespace: string, policy: RegionPolicy | undefined): string | undefined => {
    const plan = plans.get(`${namespace}/${policy?.spec.automation.failoverPlanRef?.name ?? ""}`);
    const acting = policyActingAs(namespace, policy?.spec, plan?.spec, tenancy);
    return acting.ok ? acting.serviceAccountName : undefined;
  };
  const policyNamed = (namespace: string, name: string | undefined) => policies.get(`${namespace}/${name ?? ""}`);
  const eksTokens = new EksTokens(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {});
  const peers = new PeerClusters(
    kc,
    config.region,
    () => policies.list(),
    (namespace, policy) => tenants.core(namespace, asPolicy(namespace, policy)),
    {
      allowKubeconfigExec: config.allowKubeconfigExec,
      allowControllerAwsIdentity: config.allowControllerAwsIdentity,
      eksTokens,
      log: log.child({ component: "peer-clusters" }),
    },
  );
  const store = new KubeSwitchyardStore(kc.makeApiClient(CustomObjectsApi), { policies, plans, runs });
  const drillStore = new KubeDrillStore(
    store,
    {
      custom: kc.makeApiClient(CustomObjectsApi),
      configMaps: (namespace, policy) => tenants.core(namespace, asPolicy(namespace, policyNamed(namespace, policy))),
    },
    async (region, namespace) => (await peers.kubeConfigFor(region, namespace)).makeApiClient(CustomObjectsApi),
    { schedules },
  );
  const events = new KubeEventRecorder(kc.makeApiClient(CoreV1Api), "switchyard-controller", identity, log);
  const aws = awsClients(config, metrics);
  return {
    informers,
    peers,
    store,
    drillStore,
    events,
    fence: fencePorts(aws.route53, aws.route53Options, zoneReads(aws.route53, aws.route53Options), tenants),
    moveFinished: moveFinishedPort(aws.route53, aws.route53Options),
    levers: planLevers(config.region, tenants, peers, aws),
    planChecks: readinessChecks(config, tenants, peers, aws, metrics),
    probes: {
      http: probeHttp,
      prometheus: probePrometheus,
      route53HealthCheck: route53HealthCheckProbe(aws.route53, { ...aws.route53Options, maxAttempts: 3 }),
      workload: workloadProbe(async (region, namespace, policy) =>
        region === config.region
          ? tenants.apps(namespace, asPolicy(namespace, policyNamed(namespace, policy)))
          : peers.apps(region, namespace),
      ),
    },
    destroy: () => {
      aws.destroy();
      eksTokens.destroy();
    },
  };
}

type AwsClients = ReturnType<typeof awsClients>;

function awsClients(config: Config, metrics: Metrics | undefined) {
  const endpoint = config.awsEndpoint ? { endpoint: config.awsEndpoint } : {};
  const route53 = new Route53Client({
    region: "us-east-1",
    // Throttling is retried by our own code, which takes a quota turn for every attempt; the SDK's retries would not.
    maxAttempts: 1,
    ...endpoint,
  });
  instrumentAws(route53, "route53", metrics);
  const rds = perRegion((region) => instrumentAws(new RDSClient({ region, ...endpoint }), "rds", metrics));
  const cloudwatch = perRegion((region) =>
    instrumentAws(new CloudWatchClient({ region, ...endpoint }), "cloudwatch", metrics),
  );
  // One budget for every Route53 call of this process: its share of the account's buckets.
  const route53Options: BatchOptions = {
    acquire: route53Budget(route53LimitsOf(config)),
    sleep: pause,
    pollIntervalMs: 1000,
    maxPollIntervalMs: 10_000,
  };
  return {
    route53,
    route53Options,
    rds,
    cloudwatch,
    destroy: () => {
      route53.destroy();
      rds.destroy();
      cloudwatch.destroy();
    },
  };
}

const pause = (ms: number) => sleep(systemTimers, ms);

/**
 * A region's cluster as a plan step sees it: in this cluster as its plan's ServiceAccount (impersonated), in a peer's
 * as the identity its kubeconfig Secret holds. The levers act through it and plan readiness reads through it.
 */
function stepClusters(localRegion: string, tenants: TenantClients, peers: PeerClusters) {
  const here = (region: string) => region === localRegion;
  const peer = (region: string, namespace: string) => peers.kubeConfigFor(region, namespace);
  return {
    core: async (region: string, namespace: string, serviceAccount?: string) =>
      here(region) ? tenants.core(namespace, serviceAccount) : peers.coreApi(region, namespace),
    apps: async (region: string, namespace: string, serviceAccount?: string) =>
      here(region) ? tenants.apps(namespace, serviceAccount) : peers.apps(region, namespace),
    batch: async (region: string, namespace: string, serviceAccount?: string) =>
      here(region)
        ? tenants.batch(namespace, serviceAccount)
        : (await peer(region, namespace)).makeApiClient(BatchV1Api),
    authorization: async (region: string, namespace: string, serviceAccount?: string) =>
      here(region)
        ? tenants.authorization(namespace, serviceAccount)
        : (await peer(region, namespace)).makeApiClient(AuthorizationV1Api),
  };
}

function planLevers(localRegion: string, tenants: TenantClients, peers: PeerClusters, aws: AwsClients): Levers {
  const clusters = stepClusters(localRegion, tenants, peers);
  return levers({
    route53: aws.route53,
    route53Options: aws.route53Options,
    rds: aws.rds.get,
    cloudwatch: aws.cloudwatch.get,
    configMaps: clusters.core,
    scales: clusters.apps,
    jobs: clusters.batch,
    secrets: (namespace, serviceAccount) => tenants.core(namespace, serviceAccount),
    fetch: (input, init) => fetch(input, init),
    sleep: pause,
    now: () => Date.now(),
  });
}

/** Plan readiness reads what the levers would touch, as the identities they would act as (see stepClusters). */
function readinessChecks(
  config: Config,
  tenants: TenantClients,
  peers: PeerClusters,
  aws: AwsClients,
  metrics: Metrics | undefined,
): PlanChecks {
  const local = config.region;
  return planChecks({
    route53: aws.route53,
    route53Quota: aws.route53Options,
    rds: aws.rds.get,
    cloudwatch: aws.cloudwatch.get,
    ...stepClusters(local, tenants, peers),
    localRegion: local,
    // Half an interval: every plan evaluated in one round shares one read of a zone or a global cluster.
    sharedForMs: (config.planEvaluationIntervalSeconds * 1000) / 2,
    ...(metrics
      ? {
          lagSeen: (ctx, seconds) =>
            metrics.replicationLag.set(
              { namespace: ctx.namespace, policy: ctx.policy.metadata.name ?? "", region: ctx.move.to },
              seconds,
            ),
        }
      : {}),
    now: Date.now,
  });
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
