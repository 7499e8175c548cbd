/**
 * Which AWS actions the controller calls, by what calls them: the one place that says so. The shipped IAM policy
 * (deploy/iam/switchyard-controller.json), the policy narrowed to one plan (scripts/iam-policy.ts) and the check of the
 * test suite's calls against the shipped policy are all derived from this table; a unit test holds it to the
 * `new …Command(` calls in src/.
 */

/** What makes the controller call AWS: a lever (a plan step kind), the fencing record, or a signal source. */
export const awsCallers = {
  /** Read the record, swap it (CREATE/DELETE of TXT), mark a move over; wait for INSYNC. */
  fencing: ["route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:GetChange"],
  /** Read the weighted records, UPSERT their weights, wait for INSYNC. */
  route53: ["route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:GetChange"],
  /** Observe the global cluster, switch it over or fail it over; the lag before a failover from CloudWatch. */
  auroraGlobal: [
    "rds:DescribeGlobalClusters",
    "rds:SwitchoverGlobalCluster",
    "rds:FailoverGlobalCluster",
    "cloudwatch:GetMetricStatistics",
  ],
  /** Promote an RDS read replica instance; its lag from CloudWatch. */
  rdsPromoteReplicaInstance: ["rds:DescribeDBInstances", "rds:PromoteReadReplica", "cloudwatch:GetMetricStatistics"],
  /** Promote an Aurora read replica cluster; its lag from CloudWatch. */
  rdsPromoteReplicaCluster: [
    "rds:DescribeDBClusters",
    "rds:PromoteReadReplicaDBCluster",
    "cloudwatch:GetMetricStatistics",
  ],
  /** The route53HealthCheck signal. */
  route53HealthCheck: ["route53:GetHealthCheckStatus"],
} as const satisfies Record<string, readonly string[]>;

export type AwsCaller = keyof typeof awsCallers;

/**
 * Actions granted only when a deployment uses them: sts:AssumeRole, for a controller that reaches a peer region's EKS
 * cluster by assuming a role there (docs/peer-credentials.md). Never called otherwise.
 */
export const optionalActions = ["sts:AssumeRole"] as const;

/**
 * Actions AWS allows every principal whatever its policies say: an EKS token is a presigned sts:GetCallerIdentity
 * (docs/peer-credentials.md), which no policy needs to grant (nor can deny).
 */
export const unpermissionedActions = ["sts:GetCallerIdentity"] as const;

/** Every action some caller makes, sorted: what the shipped policy grants besides the optional ones. */
export const controllerActions: readonly string[] = [...new Set(Object.values(awsCallers).flat())].sort();

/** Route53 record types the controller writes: the fencing record (TXT) and the weighted records a step may name. */
export const fencingRecordType = "TXT";
export const weightedRecordTypes = ["A", "AAAA", "CNAME"] as const;
