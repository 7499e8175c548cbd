/**
 * Feature flags as ConfigMap keys (e.g. read_only=true) in a region's cluster. Idempotent by observation: a key that
 * already holds the value is left alone; otherwise one merge patch of that key alone, so the application's other keys
 * and other writers' fields are untouched. The value found before is returned for the journal (Restore).
 */
import { PatchStrategy, setHeaderOptions, type CoreV1Api } from "@kubernetes/client-node";

export type ConfigMapApi = Pick<CoreV1Api, "readNamespacedConfigMap" | "patchNamespacedConfigMap">;

export interface FlagTarget {
  namespace: string;
  name: string;
  key: string;
  /** null removes the key (a rollback restoring "absent") */
  value: string | null;
}

export interface FlagOutcome {
  changed: boolean;
  /** the value before (undefined: the key was absent) */
  before: string | undefined;
}

export const flagFieldManager = "switchyard-controller";

export async function setFlag(api: ConfigMapApi, target: FlagTarget, dryRun = false): Promise<FlagOutcome> {
  let current;
  try {
    current = await api.readNamespacedConfigMap({ name: target.name, namespace: target.namespace });
  } catch (error) {
    if ((error as { code?: number }).code === 404) {
      throw new Error(`ConfigMap ${target.namespace}/${target.name} does not exist: the application owns it`);
    }
    throw error;
  }
  const before = current.data?.[target.key];
  if ((before ?? null) === target.value) return { changed: false, before };
  if (!dryRun) {
    await api.patchNamespacedConfigMap(
      {
        name: target.name,
        namespace: target.namespace,
        body: { data: { [target.key]: target.value } },
        fieldManager: flagFieldManager,
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }
  return { changed: true, before };
}
