/**
 * The RegionPolicy controller's fencing ports over the real clients: the fencing record read from a listing of its
 * zone shared by every policy there (zone-reads.ts: each reconcile says how old a record it accepts, and the account's
 * Route53 budget is shared by every controller of the account), and role state applied to this cluster with the flag
 * and scale levers, as the policy's ServiceAccount (tenant-clients.ts) and only in the policy's own namespace.
 */
import { setFlag } from "../actuators/flags/configmap-flag.js";
import type { BatchOptions, Route53Api } from "../actuators/route53/change-batch.js";
import { fenceIn, finishMove, readFence } from "../actuators/route53/fencing-record.js";
import { scaleDeployment } from "../actuators/scale/deployment-scale.js";
import type { RunDeps } from "../controllers/failoverrun/ports.js";
import type { FencePorts } from "../controllers/regionpolicy/ports.js";
import { fenceReadAgeDefaults } from "../core/plan/fence-read-age.js";
import { foreignNamespace } from "../core/tenancy.js";
import type { TenantClients } from "./tenant-clients.js";
import type { ZoneReads } from "./zone-reads.js";

export function fencePorts(
  route53: Route53Api,
  options: BatchOptions,
  zones: ZoneReads,
  local: Pick<TenantClients, "core" | "apps">,
): FencePorts {
  return {
    async read(policy, { fresh = false, maxAgeMs = fenceReadAgeDefaults.unsettledMs } = {}) {
      const fencing = policy.spec.fencing?.route53;
      if (!fencing) return undefined;
      const where = {
        hostedZoneId: fencing.hostedZoneId,
        recordName: fencing.recordName,
        ttlSeconds: fencing.ttlSeconds ?? 60,
      };
      if (fresh) return (await readFence(route53, where, options))?.record;
      const sets = await zones.read(where.hostedZoneId, { name: where.recordName, type: "TXT" }, maxAgeMs);
      return fenceIn(sets, where)?.record;
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
