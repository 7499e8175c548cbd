/**
 * RPO evidence (and the data-loss gate's input) for a promotion that gives up writes. For an Aurora Global failover:
 * the replication lag of the target (secondary) cluster just before it is promoted with data loss allowed — the window of writes the old writer may have had that the new one never saw.
 * Aurora publishes it as the CloudWatch metric AWS/RDS AuroraGlobalDBReplicationLag (milliseconds) per secondary
 * cluster; the worst value of the last few minutes is the honest bound.
 */
import { GetMetricStatisticsCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";

export type CloudWatchApi = Pick<CloudWatchClient, "send">;

export const replicationLagSource = "CloudWatch AWS/RDS AuroraGlobalDBReplicationLag (maximum, last 5 minutes)";

const windowMs = 5 * 60_000;

/** The DB cluster identifier inside a cluster ARN (arn:aws:rds:region:account:cluster:NAME). */
export function clusterIdentifierOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(":") + 1);
}

/** Seconds of lag, or undefined when CloudWatch has no data point (the evidence is then absent, not zero). */
export async function replicationLagSeconds(
  cloudwatch: CloudWatchApi,
  clusterArn: string,
  now: Date,
): Promise<number | undefined> {
  const ms = await worstOf(
    cloudwatch,
    "AuroraGlobalDBReplicationLag",
    "DBClusterIdentifier",
    clusterIdentifierOf(clusterArn),
    now,
  );
  return ms === undefined ? undefined : ms / 1000;
}

/** A read replica's lag: AWS/RDS ReplicaLag (seconds) for an instance, AuroraBinlogReplicaLag (seconds) for a cluster. */
export function replicaLagSource(kind: "instance" | "cluster"): string {
  return `CloudWatch AWS/RDS ${kind === "instance" ? "ReplicaLag" : "AuroraBinlogReplicaLag"} (maximum, last 5 minutes)`;
}

export async function replicaLagSeconds(
  cloudwatch: CloudWatchApi,
  replica: { kind: "instance" | "cluster"; identifier: string },
  now: Date,
): Promise<number | undefined> {
  return replica.kind === "instance"
    ? worstOf(cloudwatch, "ReplicaLag", "DBInstanceIdentifier", replica.identifier, now)
    : worstOf(cloudwatch, "AuroraBinlogReplicaLag", "DBClusterIdentifier", replica.identifier, now);
}

async function worstOf(
  cloudwatch: CloudWatchApi,
  metric: string,
  dimension: string,
  value: string,
  now: Date,
): Promise<number | undefined> {
  const { Datapoints = [] } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: "AWS/RDS",
      MetricName: metric,
      Dimensions: [{ Name: dimension, Value: value }],
      StartTime: new Date(now.getTime() - windowMs),
      EndTime: now,
      Period: 60,
      Statistics: ["Maximum"],
    }),
  );
  const values = Datapoints.map((d) => d.Maximum).filter((v): v is number => typeof v === "number");
  return values.length === 0 ? undefined : Math.max(...values);
}
