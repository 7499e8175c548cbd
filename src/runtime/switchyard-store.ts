/**
 * The controllers' SwitchyardStore over the Kubernetes API: reads from informer caches, writes through the API
 * server — status as a merge patch on the status subresource, conditioned on resourceVersion.
 */
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from "@kubernetes/client-node";
import { ConflictError, type SwitchyardStore } from "../controllers/ports.js";
import { mergePatch, type Json } from "../core/merge-patch.js";
import { group, plurals, policyLabel, version } from "../crds/definitions.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy, RegionPolicyStatus } from "../crds/generated/regionpolicies.js";

export interface ObjectCache<T> {
  /** by "namespace/name" */
  get(key: string): T | undefined;
  list(): T[];
}

export const fieldManager = "switchyard-controller";

const statusCode = (error: unknown): number | undefined => (error as { code?: number }).code;

export class KubeSwitchyardStore implements SwitchyardStore {
  /**
   * Our own status writes, until the informer shows them: a reconcile right after a write would otherwise read the
   * object as it was before, and its write would only meet a conflict. Keyed by "namespace/name"; `before` is the
   * resourceVersion the write replaced, so no ordering of (opaque) resourceVersions is assumed.
   */
  private readonly written = new Map<string, { before: string | undefined; after: RegionPolicy }>();

  constructor(
    private readonly api: Pick<CustomObjectsApi, "patchNamespacedCustomObjectStatus" | "createNamespacedCustomObject">,
    private readonly caches: {
      policies: ObjectCache<RegionPolicy>;
      plans: ObjectCache<FailoverPlan>;
      runs: ObjectCache<FailoverRun>;
    },
  ) {}

  policy(namespace: string, name: string): RegionPolicy | undefined {
    const key = `${namespace}/${name}`;
    const cached = this.caches.policies.get(key);
    const written = this.written.get(key);
    if (written && cached && cached.metadata.resourceVersion === written.before) return written.after;
    this.written.delete(key);
    return cached;
  }

  plan(namespace: string, name: string): FailoverPlan | undefined {
    return this.caches.plans.get(`${namespace}/${name}`);
  }

  runsOf(namespace: string, policy: string): FailoverRun[] {
    return this.caches.runs
      .list()
      .filter((run) => run.metadata.namespace === namespace && run.metadata.labels?.[policyLabel] === policy);
  }

  async writePolicyStatus(policy: RegionPolicy, status: RegionPolicyStatus): Promise<void> {
    const patch = mergePatch((policy.status ?? {}) as Json, status as unknown as Json);
    if (patch === undefined) return;
    try {
      const updated = (await this.api.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          plural: plurals.RegionPolicy,
          namespace: policy.metadata.namespace ?? "default",
          name: policy.metadata.name ?? "",
          body: { metadata: { resourceVersion: policy.metadata.resourceVersion }, status: patch },
          fieldManager,
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      )) as RegionPolicy;
      const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
      this.written.set(key, { before: policy.metadata.resourceVersion, after: updated });
    } catch (error) {
      if (statusCode(error) === 409) throw new ConflictError(`RegionPolicy ${policy.metadata.name} changed meanwhile`);
      throw error;
    }
  }

  async createRun(run: FailoverRun): Promise<"created" | "exists"> {
    try {
      await this.api.createNamespacedCustomObject({
        group,
        version,
        plural: plurals.FailoverRun,
        namespace: run.metadata.namespace ?? "default",
        body: run,
        fieldManager,
      });
      return "created";
    } catch (error) {
      if (statusCode(error) === 409) return "exists";
      throw error;
    }
  }
}
