/**
 * The readiness checks of plan steps against the real world (the FailoverPlan controller's PlanChecks): the same
 * reads the levers make in `prepare`, without a run, as the same identities (the plan's ServiceAccount here, the
 * kubeconfig Secret's identity in a peer). Reads that many plans share — a hosted zone's records, a global cluster —
 * are made once per `sharedForMs` for all of them, so 1,000 policies in one zone cost a few listings, not thousands.
 */
import type { AppsV1Api, AuthorizationV1Api, BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { DescribeGlobalClustersCommand, type GlobalCluster } from "@aws-sdk/client-rds";
import type { ResourceRecordSet } from "@aws-sdk/client-route-53";
import type { RdsApi } from "../actuators/aurora/global-cluster.js";
import { replicationLagSeconds, type CloudWatchApi } from "../actuators/aurora/replication-lag.js";
import { buildJob } from "../actuators/job/run-job.js";
import { observeReplica, replicaTargetOf } from "../actuators/rds/read-replica.js";
import type { QuotaOptions, Route53Api } from "../actuators/route53/change-batch.js";
import { fqdn, listRecordSets, weightedByName } from "../actuators/route53/record-sets.js";
import { fenceIn } from "../actuators/route53/fencing-record.js";
import { readTarget } from "../actuators/webhook/post-webhook.js";
import { awsRegionOf, fencingOf } from "../controllers/failoverrun/levers/lever.js";
import type { CheckContext, PlanChecks } from "../controllers/failoverplan/ports.js";
import { kubeErrorMessage, kubeStatusOf } from "../core/kube-errors.js";
import { ReadinessReason } from "../core/plan/reasons.js";
import { podQuotaShortfall, shortMessage } from "../core/plan/readiness.js";
import type { BoundStep } from "../core/plan/steps.js";
import type { Problem } from "../core/plan/validate.js";

export interface PlanCheckDeps {
  route53: Route53Api;
  route53Quota: QuotaOptions;
  rds: (awsRegion: string) => RdsApi;
  cloudwatch: (awsRegion: string) => CloudWatchApi;
  /** A region's cluster for a plan of `namespace`, as the identity its steps act as there (see LeverDeps). */
  core: (region: string, namespace: string, serviceAccountName?: string) => Promise<CoreV1Api>;
  apps: (region: string, namespace: string, serviceAccountName?: string) => Promise<AppsV1Api>;
  batch: (region: string, namespace: string, serviceAccountName?: string) => Promise<BatchV1Api>;
  authorization: (region: string, namespace: string, serviceAccountName?: string) => Promise<AuthorizationV1Api>;
  /** Secrets of this cluster, as the plan's ServiceAccount (webhook steps read theirs here). */
  localRegion: string;
  /** How long a shared read serves every plan that asks for it. */
  sharedForMs: number;
  /** Replication lag measured for a move's target, for the lag metric. */
  lagSeen?: (ctx: CheckContext, seconds: number) => void;
  now: () => number;
}

type Found = Problem[];

const problem = (
  step: BoundStep,
  field: string,
  reason: Problem["reason"],
  message: string,
  severity: Problem["severity"] = "Error",
): Problem => ({ step: step.name, field, reason, message: shortMessage(message), severity });

/** Reads made once for every plan that asks within `ttlMs`. A failed read is shared too, until it expires. */
class SharedReads {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.at < this.ttlMs) return entry.value as Promise<T>;
    for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k);
    const value = read();
    value.catch(() => undefined);
    this.entries.set(key, { at: now, value });
    return value;
  }
}

export function planChecks(deps: PlanCheckDeps): PlanChecks {
  const shared = new SharedReads(deps.sharedForMs, deps.now);
  const zone = (hostedZoneId: string) =>
    shared.get(`zone/${hostedZoneId}`, () => listRecordSets(deps.route53, hostedZoneId, deps.route53Quota));
  const globalCluster = (awsRegion: string, id: string) =>
    shared.get(`global-cluster/${awsRegion}/${id}`, async () => {
      const { GlobalClusters = [] } = await deps
        .rds(awsRegion)
        .send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id }));
      return GlobalClusters.find((g: GlobalCluster) => g.GlobalClusterIdentifier === id);
    });

  /** A Kubernetes read or dry run, its failure said as the problem a person would look for. */
  async function kube(
    step: BoundStep,
    field: string,
    what: string,
    notFound: Problem["reason"],
    call: () => Promise<unknown>,
  ): Promise<Found> {
    try {
      await call();
      return [];
    } catch (error) {
      const status = kubeStatusOf(error);
      const detail = kubeErrorMessage(error);
      if (status === 404) return [problem(step, field, notFound, `${what} does not exist.`)];
      if (status === 401 || status === 403) {
        return [problem(step, field, ReadinessReason.PermissionDenied, `${what}: ${detail}`)];
      }
      if (status === undefined) {
        return [
          problem(step, field, ReadinessReason.ClusterUnreachable, `${what}: the cluster cannot be reached: ${detail}`),
        ];
      }
      return [problem(step, field, ReadinessReason.CheckFailed, `${what}: ${detail}`)];
    }
  }

  /** Whether the step's identity may do what the step does: a SelfSubjectAccessReview in the region's cluster. */
  async function may(
    step: BoundStep,
    field: string,
    region: string,
    ctx: CheckContext,
    attributes: { verb: string; group: string; resource: string; subresource?: string; name?: string },
  ): Promise<Found> {
    try {
      const api = await deps.authorization(region, ctx.namespace, ctx.serviceAccountName);
      const review = await api.createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { namespace: ctx.namespace, ...attributes } } },
      });
      if (review.status?.allowed) return [];
      const resource = `${attributes.resource}${attributes.subresource ? `/${attributes.subresource}` : ""}`;
      return [
        problem(
          step,
          field,
          ReadinessReason.PermissionDenied,
          `The identity this step acts as in ${region} may not ${attributes.verb} ${resource}${
            attributes.name ? ` ${attributes.name}` : ""
          } in ${ctx.namespace}.`,
        ),
      ];
    } catch (error) {
      return [unreachable(step, field, region, error)];
    }
  }

  /** The target's capacity: whether the replicas fit the namespace's pod quota there (a warning when it cannot tell). */
  async function capacity(
    step: Extract<BoundStep, { kind: "scale" }>,
    region: string,
    ctx: CheckContext,
    current: number,
  ) {
    try {
      const core = await deps.core(region, ctx.namespace, ctx.serviceAccountName);
      const quotas = (await core.listNamespacedResourceQuota({ namespace: ctx.namespace })).items.map((q) => ({
        name: q.metadata?.name ?? "",
        ...((q.status?.hard ?? q.spec?.hard) ? { hard: q.status?.hard ?? q.spec?.hard } : {}),
        ...(q.status?.used ? { used: q.status.used } : {}),
      }));
      const shortfall = podQuotaShortfall(quotas, current, step.scale.replicas);
      return shortfall
        ? [problem(step, "scale.replicas", ReadinessReason.InsufficientCapacity, `In ${region}: ${shortfall}`)]
        : [];
    } catch (error) {
      return [
        problem(
          step,
          "scale.replicas",
          ReadinessReason.CheckFailed,
          `The capacity in ${region} was not checked: ${kubeErrorMessage(error)}`,
          "Warning",
        ),
      ];
    }
  }

  const unreachable = (step: BoundStep, field: string, region: string, error: unknown) =>
    problem(
      step,
      field,
      ReadinessReason.ClusterUnreachable,
      `The cluster of ${region} cannot be reached: ${kubeErrorMessage(error)}`,
    );

  const byKind: {
    [K in BoundStep["kind"]]: (step: Extract<BoundStep, { kind: K }>, ctx: CheckContext) => Promise<Found>;
  } = {
    async route53(step) {
      const { hostedZoneId, recordName, type, setIdentifiers } = step.route53;
      let records: ResourceRecordSet[];
      try {
        records = await zone(hostedZoneId);
      } catch (error) {
        return [
          problem(
            step,
            "route53.hostedZoneId",
            ReadinessReason.HostedZoneUnreadable,
            `Hosted zone ${hostedZoneId} cannot be listed: ${errorText(error)}`,
          ),
        ];
      }
      const sets = weightedByName(records).get(`${fqdn(recordName)}/${type}`);
      return Object.entries(setIdentifiers)
        .filter(([, id]) => !sets?.has(id))
        .map(([region, id]) =>
          problem(
            step,
            "route53.setIdentifiers",
            ReadinessReason.RecordSetNotFound,
            `No weighted ${type} record ${fqdn(recordName)} with set identifier ${id} (${region}) in zone ${hostedZoneId}.`,
          ),
        );
    },

    async auroraGlobal(step, ctx) {
      const { globalClusterIdentifier: id, members, target, dataLossGate, mode } = step.auroraGlobal;
      const awsRegion = awsRegionOf(ctx.policy, target);
      let cluster: GlobalCluster | undefined;
      try {
        cluster = await globalCluster(awsRegion, id);
      } catch (error) {
        return [
          problem(
            step,
            "auroraGlobal.globalClusterIdentifier",
            ReadinessReason.CheckFailed,
            `Global cluster ${id} cannot be described: ${errorText(error)}`,
          ),
        ];
      }
      if (!cluster) {
        return [
          problem(
            step,
            "auroraGlobal.globalClusterIdentifier",
            ReadinessReason.GlobalClusterMismatch,
            `Global cluster ${id} does not exist.`,
          ),
        ];
      }
      const arns = new Set((cluster.GlobalClusterMembers ?? []).map((m) => m.DBClusterArn));
      const found: Found = Object.entries(members)
        .filter(([, arn]) => !arns.has(arn))
        .map(([region, arn]) =>
          problem(
            step,
            "auroraGlobal.members",
            ReadinessReason.GlobalClusterMismatch,
            `${arn} (${region}) is not a member of global cluster ${id}.`,
          ),
        );
      const rpo = ctx.policy.spec.objectives?.rpoSeconds;
      const targetArn = members[target];
      if (found.length === 0 && targetArn && mode === "Auto") {
        try {
          const lag = await shared.get(`lag/${awsRegion}/${targetArn}`, () =>
            replicationLagSeconds(deps.cloudwatch(awsRegion), targetArn, new Date(deps.now())),
          );
          if (lag !== undefined) {
            deps.lagSeen?.(ctx, lag);
            if (rpo !== undefined && dataLossGate === "Enforce" && lag > rpo) {
              found.push(
                problem(
                  step,
                  "auroraGlobal.members",
                  ReadinessReason.ReplicationLagAboveRpo,
                  `Replication lag to ${target} is ${lag} s, beyond objectives.rpoSeconds ${rpo}: a failover now would be refused.`,
                ),
              );
            }
          }
        } catch {
          // Lag is evidence for the RPO, not a reference: a metrics API that does not answer breaks no plan.
        }
      }
      return found;
    },

    async rdsPromoteReplica(step, ctx) {
      const target = replicaTargetOf(step.rdsPromoteReplica);
      const awsRegion = awsRegionOf(ctx.policy, step.rdsPromoteReplica.region);
      try {
        const state = await observeReplica(deps.rds(awsRegion), target);
        return state
          ? []
          : [
              problem(
                step,
                "rdsPromoteReplica",
                ReadinessReason.ReplicaNotFound,
                `The read replica ${target.kind} ${target.identifier} does not exist in ${awsRegion}.`,
              ),
            ];
      } catch (error) {
        return [
          problem(
            step,
            "rdsPromoteReplica",
            ReadinessReason.CheckFailed,
            `The read replica ${target.identifier} cannot be described: ${errorText(error)}`,
          ),
        ];
      }
    },

    async flag(step, ctx) {
      const { region, configMapRef, key } = step.flag;
      const what = `ConfigMap ${ctx.namespace}/${configMapRef.name} in ${region}`;
      let api: CoreV1Api;
      try {
        api = await deps.core(region, ctx.namespace, ctx.serviceAccountName);
      } catch (error) {
        return [unreachable(step, "flag.region", region, error)];
      }
      let data: Record<string, string> | undefined;
      const read = await kube(step, "flag.configMapRef", what, ReadinessReason.ConfigMapNotFound, async () => {
        data = (await api.readNamespacedConfigMap({ name: configMapRef.name, namespace: ctx.namespace })).data;
      });
      if (read.length > 0) return read;
      const missing =
        data?.[key] === undefined
          ? [
              problem(
                step,
                "flag.key",
                ReadinessReason.FlagKeyMissing,
                `${what} has no key ${key} yet; the step would add it.`,
                "Warning",
              ),
            ]
          : [];
      return [
        ...missing,
        ...(await may(step, "flag.configMapRef", region, ctx, {
          verb: "patch",
          group: "",
          resource: "configmaps",
          name: configMapRef.name,
        })),
      ];
    },

    async scale(step, ctx) {
      const { region, deploymentRef } = step.scale;
      const what = `Deployment ${ctx.namespace}/${deploymentRef.name} in ${region}`;
      let api: AppsV1Api;
      try {
        api = await deps.apps(region, ctx.namespace, ctx.serviceAccountName);
      } catch (error) {
        return [unreachable(step, "scale.region", region, error)];
      }
      let current = 0;
      const read = await kube(step, "scale.deploymentRef", what, ReadinessReason.DeploymentNotFound, async () => {
        current =
          (await api.readNamespacedDeployment({ name: deploymentRef.name, namespace: ctx.namespace })).spec?.replicas ??
          1;
      });
      if (read.length > 0) return read;
      return [
        ...(await capacity(step, region, ctx, current)),
        ...(await may(step, "scale.deploymentRef", region, ctx, {
          verb: "patch",
          group: "apps",
          resource: "deployments",
          subresource: "scale",
          name: deploymentRef.name,
        })),
      ];
    },

    async job(step, ctx) {
      const { region, template } = step.job;
      let api: BatchV1Api;
      try {
        api = await deps.batch(region, ctx.namespace, ctx.serviceAccountName);
      } catch (error) {
        return [unreachable(step, "job.region", region, error)];
      }
      // The region's API server judges the template (validation, admission, quotas) with a create that stores nothing.
      const job = buildJob({ runName: "readiness", step: step.name, attempt: 1 }, ctx.namespace, template);
      try {
        await api.createNamespacedJob({ namespace: ctx.namespace, body: job, dryRun: "All" });
        return [];
      } catch (error) {
        const status = kubeStatusOf(error);
        if (status === 409) return [];
        if (status === 401 || status === 403) {
          return [
            problem(
              step,
              "job.template",
              ReadinessReason.PermissionDenied,
              `Creating the Job in ${region}: ${kubeErrorMessage(error)}`,
            ),
          ];
        }
        if (status === undefined) return [unreachable(step, "job.region", region, error)];
        return [
          problem(
            step,
            "job.template",
            ReadinessReason.JobTemplateRejected,
            `The API server of ${region} refuses the Job template: ${kubeErrorMessage(error)}`,
          ),
        ];
      }
    },

    async webhook(step, ctx) {
      const ref = step.webhook.secretRef;
      if (!ref) return [];
      try {
        await readTarget(await deps.core(deps.localRegion, ctx.namespace, ctx.serviceAccountName), ctx.namespace, ref);
        return [];
      } catch (error) {
        const status = kubeStatusOf(error);
        const reason =
          status === 401 || status === 403 ? ReadinessReason.PermissionDenied : ReadinessReason.WebhookSecretInvalid;
        return [problem(step, "webhook.secretRef", reason, errorText(error))];
      }
    },

    waitFor: () => Promise.resolve([]),
    approval: () => Promise.resolve([]),
  };

  return {
    async step(step, ctx) {
      try {
        const check = byKind[step.kind] as (s: BoundStep, c: CheckContext) => Promise<Found>;
        return await check(step, ctx);
      } catch (error) {
        return [problem(step, step.kind, ReadinessReason.CheckFailed, errorText(error))];
      }
    },

    async fencing(policy) {
      const where = fencingOf(policy);
      if (!where) return [];
      const field = "fencing.route53";
      const fail = (message: string): Found => [
        { field, reason: ReadinessReason.FencingRecordUnreadable, message: shortMessage(message), severity: "Error" },
      ];
      let records: ResourceRecordSet[];
      try {
        records = await zone(where.hostedZoneId);
      } catch (error) {
        return fail(`The fencing record's hosted zone ${where.hostedZoneId} cannot be listed: ${errorText(error)}`);
      }
      // No record yet is the state before the first move, which writes it.
      try {
        fenceIn(records, where);
        return [];
      } catch (error) {
        return fail(errorText(error));
      }
    },
  };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
