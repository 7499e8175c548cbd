/**
 * The RegionPolicy controller's fencing ports over the real clients: the fencing record read through Route53 (cached
 * briefly and shared by concurrent reconciles, since every policy's reconcile reads it and the account's Route53 quota
 * is about five requests a second), and role state applied to this cluster with the flag and scale levers, as the
 * policy's ServiceAccount (tenant-clients.ts) and only in the policy's own namespace.
 */
import { setFlag } from "../actuators/flags/configmap-flag.js";
import type { BatchOptions, Route53Api } from "../actuators/route53/change-batch.js";
import { finishMove, readFence } from "../actuators/route53/fencing-record.js";
import { scaleDeployment } from "../actuators/scale/deployment-scale.js";
import type { RunDeps } from "../controllers/failoverrun/ports.js";
import type { FencePorts } from "../controllers/regionpolicy/ports.js";
import type { FencingRecord } from "../core/plan/fencing.js";
import { foreignNamespace } from "../core/tenancy.js";
import type { TenantClients } from "./tenant-clients.js";

const cacheMs = 5_000;

export function fencePorts(
  route53: Route53Api,
  options: BatchOptions,
  local: Pick<TenantClients, "core" | "apps">,
  now: () => number = Date.now,
): FencePorts {
  const cache = new Map<string, { at: number; read: Promise<FencingRecord | undefined> }>();
  return {
    read(policy, { fresh = false } = {}) {
      const fencing = policy.spec.fencing?.route53;
      if (!fencing) return Promise.resolve(undefined);
      const key = `${fencing.hostedZoneId}/${fencing.recordName}`;
      const hit = cache.get(key);
      if (hit && !fresh && now() - hit.at < cacheMs) return hit.read;
      const where = {
        hostedZoneId: fencing.hostedZoneId,
        recordName: fencing.recordName,
        ttlSeconds: fencing.ttlSeconds ?? 60,
      };
      const read = readFence(route53, where, options).then((fence) => fence?.record);
      // A failed read is not cached: the next reconcile tries again.
      read.catch(() => cache.delete(key));
      cache.set(key, { at: now(), read });
      return read;
    },
    async applyRoleState(namespace, state, serviceAccountName) {
      // The policy's condition says so before any of this (NamespaceNotAllowed); this is the last line of defence.
      const named = [
        ...(state.flags ?? []).map((f) => f.configMapRef.namespace),
        ...(state.scale ?? []).map((s) => s.deploymentRef.namespace),
      ];
      const refusal = named.map((n) => foreignNamespace(n, namespace)).find((m) => m !== undefined);
      if (refusal) throw new Error(refusal);
      const core = local.core(namespace, serviceAccountName);
      const apps = local.apps(namespace, serviceAccountName);
      const changed: string[] = [];
      for (const flag of state.flags ?? []) {
        const target = {
          namespace: flag.configMapRef.namespace ?? namespace,
          name: flag.configMapRef.name,
          key: flag.key,
          value: flag.value,
        };
        if ((await setFlag(core, target)).changed) changed.push(`${target.name}.${target.key}=${target.value}`);
      }
      for (const scale of state.scale ?? []) {
        const target = {
          namespace: scale.deploymentRef.namespace ?? namespace,
          name: scale.deploymentRef.name,
          replicas: scale.replicas,
        };
        if ((await scaleDeployment(apps, target)).changed) changed.push(`${target.name} replicas=${target.replicas}`);
      }
      return changed;
    },
  };
}

/** The FailoverRun controller's port that marks a finished run's move done in its policy's fencing record. */
export function moveFinishedPort(route53: Route53Api, options: BatchOptions): NonNullable<RunDeps["moveFinished"]> {
  return async (policy, run) => {
    const fencing = policy.spec.fencing?.route53;
    if (!fencing || !run.metadata.name) return;
    const where = {
      hostedZoneId: fencing.hostedZoneId,
      recordName: fencing.recordName,
      ttlSeconds: fencing.ttlSeconds ?? 60,
    };
    await finishMove(route53, where, run.metadata.name, options);
  };
}
