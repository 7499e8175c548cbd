/**
 * The controllers' stores over the Kubernetes API: reads from informer caches, writes through the API server — status
 * as a merge patch on the status subresource, conditioned on resourceVersion.
 */
import { kubeStatusOf } from "../core/kube-errors.js";
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi, type KubernetesObject } from "@kubernetes/client-node";
import type { RunStore } from "../controllers/failoverrun/ports.js";
import type { DrillStore, ReportConfigMap } from "../controllers/drillschedule/ports.js";
import type { PlanStore } from "../controllers/failoverplan/ports.js";
import { ConflictError } from "../controllers/ports.js";
import type { SwitchyardStore } from "../controllers/regionpolicy/ports.js";
import { mergePatch, type Json } from "../core/merge-patch.js";
import { runsOfPolicy } from "../core/runs.js";
import { group, plurals, policyLabel, version, type Kind } from "../crds/definitions.js";
import type { DrillSchedule, DrillScheduleStatus } from "../crds/generated/drillschedules.js";
import type { FailoverPlan, FailoverPlanStatus } from "../crds/generated/failoverplans.js";
import type { FailoverRun, FailoverRunStatus } from "../crds/generated/failoverruns.js";
import type { RegionPolicy, RegionPolicyStatus } from "../crds/generated/regionpolicies.js";

export interface ObjectCache<T> {
  /** by "namespace/name" */
  get(key: string): T | undefined;
  list(): T[];
}

export const fieldManager = "switchyard-controller";

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

type WithStatus = KubernetesObject & { status?: unknown };

/**
 * A cache with our own status writes laid over it until the informer shows them: a reconcile right after a write
 * would otherwise read the object as it was before, and its write would only meet a conflict. `before` is the
 * resourceVersion the write replaced, so no ordering of (opaque) resourceVersions is assumed.
 */
class WrittenOverlay<T extends WithStatus> {
  private readonly written = new Map<string, { before: string | undefined; after: T }>();

  constructor(private readonly cache: ObjectCache<T>) {}

  get(key: string): T | undefined {
    const cached = this.cache.get(key);
    const written = this.written.get(key);
    if (written && cached && cached.metadata?.resourceVersion === written.before) return written.after;
    this.written.delete(key);
    return cached;
  }

  remember(before: T, after: T): void {
    this.written.set(keyOf(before), { before: before.metadata?.resourceVersion, after });
  }
}

export class KubeSwitchyardStore implements SwitchyardStore, RunStore, PlanStore {
  private readonly policies: WrittenOverlay<RegionPolicy>;
  private readonly runs: WrittenOverlay<FailoverRun>;
  private readonly plans: WrittenOverlay<FailoverPlan>;

  constructor(
    private readonly api: Pick<
      CustomObjectsApi,
      "patchNamespacedCustomObjectStatus" | "createNamespacedCustomObject" | "deleteNamespacedCustomObject"
    >,
    private readonly caches: {
      policies: ObjectCache<RegionPolicy>;
      plans: ObjectCache<FailoverPlan>;
      runs: ObjectCache<FailoverRun>;
    },
  ) {
    this.policies = new WrittenOverlay(caches.policies);
    this.runs = new WrittenOverlay(caches.runs);
    this.plans = new WrittenOverlay(caches.plans);
  }

  policy(namespace: string, name: string): RegionPolicy | undefined {
    return this.policies.get(`${namespace}/${name}`);
  }

  plan(namespace: string, name: string): FailoverPlan | undefined {
    return this.plans.get(`${namespace}/${name}`);
  }

  run(namespace: string, name: string): FailoverRun | undefined {
    return this.runs.get(`${namespace}/${name}`);
  }

  /** Runs created for the policy (labelled) and runs of any plan that belongs to it (a person's runs carry no label). */
  runsOf(namespace: string, policy: string): FailoverRun[] {
    const inNamespace = this.caches.runs.list().filter((run) => run.metadata.namespace === namespace);
    return runsOfPolicy(inNamespace, policy, (plan) => this.plan(namespace, plan)).map(
      (run) => this.run(namespace, run.metadata.name ?? "") ?? run,
    );
  }

  async writePolicyStatus(policy: RegionPolicy, status: RegionPolicyStatus): Promise<void> {
    await writeStatus(this.api, "RegionPolicy", policy, status, this.policies);
  }

  plansOf(namespace: string, policy: string): FailoverPlan[] {
    return this.caches.plans
      .list()
      .filter((p) => p.metadata.namespace === namespace && p.spec.regionPolicyRef.name === policy)
      .map((p) => this.plans.get(`${namespace}/${p.metadata.name ?? ""}`) ?? p);
  }

  async writePlanStatus(plan: FailoverPlan, status: FailoverPlanStatus): Promise<void> {
    await writeStatus(this.api, "FailoverPlan", plan, status, this.plans);
  }

  writeRunStatus(run: FailoverRun, status: FailoverRunStatus): Promise<FailoverRun> {
    return writeStatus(this.api, "FailoverRun", run, status, this.runs);
  }

  runsOfPlan(namespace: string, plan: string): FailoverRun[] {
    return this.caches.runs
      .list()
      .filter((run) => run.metadata.namespace === namespace && run.spec.planRef.name === plan)
      .map((run) => this.run(namespace, run.metadata.name ?? "") ?? run);
  }

  deleteRun(namespace: string, name: string): Promise<void> {
    return deleteRun(this.api, namespace, name);
  }

  createRun(run: FailoverRun): Promise<"created" | "exists"> {
    return createRun(this.api, run);
  }
}

/**
 * The DrillSchedule controller's store: the switchyard store's reads, schedules from their own cache (with our status
 * writes laid over it), runs written in the cluster of the region that executes them (this one or a peer, through
 * `customFor`), and report ConfigMaps in this cluster, written as the policy's ServiceAccount (`reportsFor`).
 */
export class KubeDrillStore implements DrillStore {
  private readonly schedules: WrittenOverlay<DrillSchedule>;

  constructor(
    private readonly base: KubeSwitchyardStore,
    private readonly api: {
      custom: Pick<CustomObjectsApi, "patchNamespacedCustomObjectStatus" | "deleteNamespacedCustomObject">;
      /** ConfigMaps of `namespace`, written with the identity of that namespace's RegionPolicy `policy` */
      configMaps: (
        namespace: string,
        policy: string,
      ) => { createNamespacedConfigMap(args: { namespace: string; body: ReportConfigMap }): Promise<unknown> };
    },
    private readonly customFor: (
      region: string,
      namespace: string,
    ) => Promise<
      Pick<
        CustomObjectsApi,
        "getNamespacedCustomObject" | "createNamespacedCustomObject" | "patchNamespacedCustomObject"
      >
    >,
    caches: { schedules: ObjectCache<DrillSchedule> },
  ) {
    this.schedules = new WrittenOverlay(caches.schedules);
  }

  schedule(namespace: string, name: string): DrillSchedule | undefined {
    return this.schedules.get(`${namespace}/${name}`);
  }

  policy(namespace: string, name: string): RegionPolicy | undefined {
    return this.base.policy(namespace, name);
  }

  plan(namespace: string, name: string): FailoverPlan | undefined {
    return this.base.plan(namespace, name);
  }

  runsOf(namespace: string, policy: string): FailoverRun[] {
    return this.base.runsOf(namespace, policy);
  }

  async runIn(region: string, namespace: string, name: string): Promise<FailoverRun | undefined> {
    try {
      const api = await this.customFor(region, namespace);
      const plural = plurals.FailoverRun;
      return (await api.getNamespacedCustomObject({ group, version, plural, namespace, name })) as FailoverRun;
    } catch (error) {
      if (kubeStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async writeScheduleStatus(schedule: DrillSchedule, status: DrillScheduleStatus): Promise<void> {
    await writeStatus(this.api.custom, "DrillSchedule", schedule, status, this.schedules);
  }

  async createRunIn(region: string, run: FailoverRun): Promise<"created" | "exists"> {
    return createRun(await this.customFor(region, run.metadata.namespace ?? "default"), run);
  }

  async cancelRunIn(region: string, namespace: string, name: string): Promise<void> {
    const api = await this.customFor(region, namespace);
    await api.patchNamespacedCustomObject(
      { group, version, plural: plurals.FailoverRun, namespace, name, body: { spec: { cancel: true } }, fieldManager },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  deleteRun(namespace: string, name: string): Promise<void> {
    return deleteRun(this.api.custom, namespace, name);
  }

  async writeReport(report: ReportConfigMap): Promise<void> {
    try {
      const { namespace, labels } = report.metadata;
      await this.api
        .configMaps(namespace, labels[policyLabel] ?? "")
        .createNamespacedConfigMap({ namespace, body: report });
    } catch (error) {
      if (kubeStatusOf(error) !== 409) throw error;
    }
  }
}

/** One merge patch of status, conditioned on the resourceVersion it was computed from; nothing when unchanged. */
async function writeStatus<T extends WithStatus>(
  api: Pick<CustomObjectsApi, "patchNamespacedCustomObjectStatus">,
  kind: Kind,
  object: T,
  status: object,
  overlay: WrittenOverlay<T>,
): Promise<T> {
  const patch = mergePatch((object.status ?? {}) as Json, status as Json);
  if (patch === undefined) return object;
  try {
    const updated = (await api.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        plural: plurals[kind],
        namespace: object.metadata?.namespace ?? "default",
        name: object.metadata?.name ?? "",
        body: { metadata: { resourceVersion: object.metadata?.resourceVersion }, status: patch },
        fieldManager,
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    )) as T;
    overlay.remember(object, updated);
    return updated;
  } catch (error) {
    if (kubeStatusOf(error) === 409) throw new ConflictError(`${kind} ${object.metadata?.name} changed meanwhile`);
    throw error;
  }
}

/** Creation is idempotent by name: a run of that name already there is "exists", not an error. */
async function createRun(
  api: Pick<CustomObjectsApi, "createNamespacedCustomObject">,
  run: FailoverRun,
): Promise<"created" | "exists"> {
  try {
    await api.createNamespacedCustomObject({
      group,
      version,
      plural: plurals.FailoverRun,
      namespace: run.metadata.namespace ?? "default",
      body: run,
      fieldManager,
    });
    return "created";
  } catch (error) {
    if (kubeStatusOf(error) === 409) return "exists";
    throw error;
  }
}

/** A run already gone is what was wanted. */
async function deleteRun(
  api: Pick<CustomObjectsApi, "deleteNamespacedCustomObject">,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await api.deleteNamespacedCustomObject({ group, version, plural: plurals.FailoverRun, namespace, name });
  } catch (error) {
    if (kubeStatusOf(error) !== 404) throw error;
  }
}
