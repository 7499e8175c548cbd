/**
 * RDS read replica promotion for setups without Aurora Global: PromoteReadReplica (a DB instance) or
 * PromoteReadReplicaDBCluster (a DB cluster) makes a cross-region replica a standalone writer. The call is not
 * idempotent (a second one is refused, or worse, races the first), so every decision is taken on what is observed:
 * a replica still naming its source and `available` is the only state in which the call is made; a replica busy with
 * a promotion, or already standalone, is waited for or accepted without a call. That makes a crash between the call
 * and the journal write harmless: the next look finds the promotion under way.
 */
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  PromoteReadReplicaCommand,
  PromoteReadReplicaDBClusterCommand,
} from "@aws-sdk/client-rds";
import type { RdsApi } from "../aurora/global-cluster.js";

export type ReplicaTarget = { kind: "instance"; identifier: string } | { kind: "cluster"; identifier: string };

export interface ReplicaState {
  status: string;
  /** the source it replicates from; absent once standalone */
  source?: string;
}

/** The API call that promotes the target, as named in AWS (and in the emulator's call log). */
/** The replica a step names: an instance or a cluster (the CRD admits exactly one). */
export function replicaTargetOf(step: { dbInstanceIdentifier?: string; dbClusterIdentifier?: string }): ReplicaTarget {
  if (step.dbInstanceIdentifier) return { kind: "instance", identifier: step.dbInstanceIdentifier };
  if (step.dbClusterIdentifier) return { kind: "cluster", identifier: step.dbClusterIdentifier };
  throw new Error("rdsPromoteReplica names neither dbInstanceIdentifier nor dbClusterIdentifier");
}

export const promotionCallOf = (target: ReplicaTarget) =>
  target.kind === "instance" ? "PromoteReadReplica" : "PromoteReadReplicaDBCluster";

const errorName = (error: unknown) => (error instanceof Error ? error.name : "");

/** The replica as it is now; undefined when no such instance or cluster exists in that region. */
export async function observeReplica(rds: RdsApi, target: ReplicaTarget): Promise<ReplicaState | undefined> {
  try {
    if (target.kind === "instance") {
      const { DBInstances = [] } = await rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: target.identifier }),
      );
      const db = DBInstances.find((d) => d.DBInstanceIdentifier === target.identifier) ?? DBInstances[0];
      if (!db) return undefined;
      return stateOf(db.DBInstanceStatus, db.ReadReplicaSourceDBInstanceIdentifier);
    }
    const { DBClusters = [] } = await rds.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: target.identifier }),
    );
    const cluster = DBClusters.find((c) => c.DBClusterIdentifier === target.identifier) ?? DBClusters[0];
    if (!cluster) return undefined;
    return stateOf(cluster.Status, cluster.ReplicationSourceIdentifier);
  } catch (error) {
    // AWS answers an unknown identifier with DBInstanceNotFound / DBClusterNotFoundFault (the SDK may add "Fault").
    if (/^DB(Instance|Cluster)NotFound/.test(errorName(error))) return undefined;
    throw error;
  }
}

function stateOf(status: string | undefined, source: string | undefined): ReplicaState {
  return { status: status ?? "unknown", ...(source ? { source } : {}) };
}

export type ReplicaAction =
  { type: "done" } | { type: "wait"; reason: string } | { type: "call" } | { type: "fail"; reason: string };

/** States a replica does not leave by waiting: promoting it would be refused, and waiting would only run out the step. */
const stuck = (status: string) =>
  ["stopped", "stopping", "failed", "deleting", "storage-full"].includes(status) ||
  status.startsWith("incompatible-") ||
  status.startsWith("inaccessible-");

/** What to do, given what is observed (pure). */
export function replicaAction(state: ReplicaState): ReplicaAction {
  if (state.source === undefined) {
    // Standalone: promoted (by us before a crash, or by someone else). A promoted instance reboots before it serves.
    return state.status === "available"
      ? { type: "done" }
      : { type: "wait", reason: `standalone, finishing its promotion (${state.status})` };
  }
  if (state.status === "available") return { type: "call" };
  if (stuck(state.status)) return { type: "fail", reason: `the replica is ${state.status} and cannot be promoted` };
  // modifying (instance) or promoting (cluster) is a promotion under way; anything else (backing-up, rebooting, …)
  // refuses a promotion now and ends on its own.
  return { type: "wait", reason: `the replica is ${state.status}` };
}

/** The one non-idempotent call. An "invalid state" answer means the replica is busy, which the caller re-observes. */
export async function startReplicaPromotion(rds: RdsApi, target: ReplicaTarget): Promise<"called" | "refusedBusy"> {
  try {
    if (target.kind === "instance") {
      await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: target.identifier }));
    } else {
      await rds.send(new PromoteReadReplicaDBClusterCommand({ DBClusterIdentifier: target.identifier }));
    }
    return "called";
  } catch (error) {
    if (/^InvalidDB(Instance|Cluster)State/.test(errorName(error))) return "refusedBusy";
    throw error;
  }
}
