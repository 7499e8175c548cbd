/** The workload signal: a Deployment or StatefulSet in the region's cluster has at least minAvailable ready replicas. */
import type { AppsV1Api } from "@kubernetes/client-node";
import type { RegionPolicySpecSignalWorkload } from "../crds/generated/regionpolicies.js";
import { describeError, type ProbeContext, type ProbeResult } from "./probe.js";

/**
 * `appsFor(region, namespace, policy)` gives the AppsV1Api of that region's cluster: this cluster (read as the
 * policy's ServiceAccount), or a peer through the kubeconfig Secret its RegionPolicy names.
 */
export function workloadProbe(
  appsFor: (
    region: string,
    namespace: string,
    policy: string | undefined,
  ) => Promise<Pick<AppsV1Api, "readNamespacedDeployment" | "readNamespacedStatefulSet">>,
) {
  return async (
    source: RegionPolicySpecSignalWorkload,
    region: string,
    context: ProbeContext,
  ): Promise<ProbeResult> => {
    const namespace = source.namespace ?? context.namespace;
    const kind = source.kind ?? "Deployment";
    const minAvailable = source.minAvailable ?? 1;
    try {
      const apps = await appsFor(region, context.namespace, context.policy);
      const request = { name: source.name, namespace };
      const available =
        kind === "StatefulSet"
          ? ((await apps.readNamespacedStatefulSet(request)).status?.availableReplicas ?? 0)
          : ((await apps.readNamespacedDeployment(request)).status?.availableReplicas ?? 0);
      const detail = `${kind} ${namespace}/${source.name}: ${available} available, need ${minAvailable}`;
      return { ok: available >= minAvailable, detail };
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 404) return { ok: false, detail: `${kind} ${namespace}/${source.name} not found` };
      return { ok: false, detail: describeError(error) };
    }
  };
}
