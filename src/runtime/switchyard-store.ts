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
  constructor(
    private readonly api: Pick<CustomObjectsApi, "patchNamespacedCustomObjectStatus" | "createNamespacedCustomObject">,
    private readonly caches: {
      policies: ObjectCache<RegionPolicy>;
      plans: ObjectCache<FailoverPlan>;
      runs: ObjectCache<FailoverRun>;
    },
  ) {}

  policy(namespace: string, name: string): RegionPolicy | undefined {
    return this.caches.policies.get(`${namespace}/${name}`);
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
      await this.api.patchNamespacedCustomObjectStatus(
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
      );
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
