/**
 * Workload scale through the Deployment's scale subresource (as an autoscaler would), so the Deployment's spec is
 * otherwise untouched. Idempotent by observation; the replica count found before is returned for the journal.
 */
import { PatchStrategy, setHeaderOptions, type AppsV1Api } from "@kubernetes/client-node";

export type ScaleApi = Pick<AppsV1Api, "readNamespacedDeploymentScale" | "patchNamespacedDeploymentScale">;

export interface ScaleTarget {
  namespace: string;
  name: string;
  replicas: number;
}

export async function scaleDeployment(
  api: ScaleApi,
  target: ScaleTarget,
  dryRun = false,
): Promise<{ changed: boolean; before: number }> {
  const scale = await api.readNamespacedDeploymentScale({ name: target.name, namespace: target.namespace });
  const before = scale.spec?.replicas ?? 0;
  if (before === target.replicas) return { changed: false, before };
  if (!dryRun) {
    await api.patchNamespacedDeploymentScale(
      {
        name: target.name,
        namespace: target.namespace,
        body: { spec: { replicas: target.replicas } },
        fieldManager: "switchyard-controller",
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }
  return { changed: true, before };
}
