/**
 * RPO evidence for an Aurora Global failover: the replication lag of the target (secondary) cluster just before it is
 * promoted with data loss allowed — the window of writes the old writer may have had that the new one never saw.
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
  const { Datapoints = [] } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: "AWS/RDS",
      MetricName: "AuroraGlobalDBReplicationLag",
      Dimensions: [{ Name: "DBClusterIdentifier", Value: clusterIdentifierOf(clusterArn) }],
      StartTime: new Date(now.getTime() - windowMs),
      EndTime: now,
      Period: 60,
      Statistics: ["Maximum"],
    }),
  );
  const values = Datapoints.map((d) => d.Maximum).filter((v): v is number => typeof v === "number");
  return values.length === 0 ? undefined : Math.max(...values) / 1000;
}
