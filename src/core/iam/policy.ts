/**
 * IAM policy documents for the controller's role: the shipped one (every action the controller can call, on the
 * resource kinds it touches, record writes limited by Route53's condition keys) and one narrowed to a FailoverPlan
 * and its RegionPolicy (the hosted zones, record names, record types and database ARNs they name). Pure: the CLI
 * script reads the files and prints the result.
 */
import type { FailoverPlanSpec } from "../../crds/generated/failoverplans.js";
import type { RegionPolicySpec } from "../../crds/generated/regionpolicies.js";
import { bindPlan } from "../plan/bind.js";
import type { BoundStep } from "../plan/steps.js";
import { awsCallers, fencingRecordType, optionalActions, weightedRecordTypes } from "./actions.js";

export interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

/** Route53's normalization for ChangeResourceRecordSetsNormalizedRecordNames: lower case, no trailing dot, escapes. */
export function normalizedRecordName(name: string): string {
  return name
    .replace(/\.$/, "")
    .toLowerCase()
    .replace(/[^a-z0-9\-_.]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

const zoneArn = (id: string) => `arn:aws:route53:::hostedzone/${id.replace(/^\/hostedzone\//, "")}`;
const uniq = (values: Iterable<string>) => [...new Set(values)].sort();
const actionsOf = (...callers: (keyof typeof awsCallers)[]) =>
  uniq(callers.flatMap((c) => awsCallers[c]).filter((a) => !a.startsWith("cloudwatch:")));

/** Writes to records: only these names and types, only these change actions. */
function recordWrites(sid: string, zones: string[], names: string[] | undefined, types: string[], changes: string[]) {
  const condition: Record<string, string[]> = {
    "route53:ChangeResourceRecordSetsRecordTypes": uniq(types),
    "route53:ChangeResourceRecordSetsActions": uniq(changes),
  };
  if (names) condition["route53:ChangeResourceRecordSetsNormalizedRecordNames"] = uniq(names);
  return {
    Sid: sid,
    Effect: "Allow" as const,
    Action: ["route53:ChangeResourceRecordSets"],
    Resource: zones,
    Condition: { "ForAllValues:StringEquals": condition },
  };
}

const statement = (Sid: string, Action: string[], Resource: string[]): Statement => ({
  Sid,
  Effect: "Allow",
  Action: uniq(Action),
  Resource: uniq(Resource),
});

/**
 * The policy a deployment can attach without knowing its plans: the resource kinds, not the resources. Record writes
 * are still held to the record types and change actions Switchyard makes.
 */
export function shippedPolicy(): PolicyDocument {
  const statements: Statement[] = [
    statement("ReadRecords", ["route53:ListResourceRecordSets"], ["arn:aws:route53:::hostedzone/*"]),
    recordWrites(
      "WriteFencingAndWeights",
      ["arn:aws:route53:::hostedzone/*"],
      undefined,
      [fencingRecordType, ...weightedRecordTypes],
      ["CREATE", "DELETE", "UPSERT"],
    ),
    statement("WaitForChanges", ["route53:GetChange"], ["arn:aws:route53:::change/*"]),
    statement("ReadHealthChecks", ["route53:GetHealthCheckStatus"], ["arn:aws:route53:::healthcheck/*"]),
    statement("AuroraGlobal", actionsOf("auroraGlobal"), [
      "arn:aws:rds::*:global-cluster:*",
      "arn:aws:rds:*:*:cluster:*",
    ]),
    statement("PromoteReplicaInstances", actionsOf("rdsPromoteReplicaInstance"), ["arn:aws:rds:*:*:db:*"]),
    statement("PromoteReplicaClusters", actionsOf("rdsPromoteReplicaCluster"), ["arn:aws:rds:*:*:cluster:*"]),
    // CloudWatch's GetMetricStatistics has no resource-level permissions.
    statement("ReadReplicationLag", ["cloudwatch:GetMetricStatistics"], ["*"]),
  ];
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The optional addition for a controller that reaches a peer region's EKS cluster through a role it assumes
 * (docs/peer-credentials.md): attach it only then, naming the peer roles instead of the wildcard.
 */
export function peerRolePolicy(roleArns: readonly string[] = ["arn:aws:iam::*:role/*"]): PolicyDocument {
  return { Version: "2012-10-17", Statement: [statement("AssumePeerRoles", [...optionalActions], [...roleArns])] };
}

export interface NarrowOptions {
  /** The AWS account of replica instances and clusters named by identifier (not by ARN); "*" when not given. */
  account?: string;
}

/** The plan bound to every ordered pair of the policy's regions: every step a run of it could make. */
function everyBoundStep(plan: FailoverPlanSpec, policy: RegionPolicySpec): BoundStep[] {
  const regions = policy.regions.map((r) => r.name);
  const steps: BoundStep[] = [];
  for (const from of regions) {
    for (const to of regions) if (from !== to) steps.push(...bindPlan(plan, { from, to }, { regions }).plan.steps);
  }
  return steps;
}

/** The policy for one plan and its RegionPolicy: only the zones, records, types and databases they name. */
export function narrowedPolicy(
  plan: FailoverPlanSpec,
  policy: RegionPolicySpec,
  options: NarrowOptions = {},
): PolicyDocument {
  const account = options.account ?? "*";
  const awsRegion = (name: string) => policy.regions.find((r) => r.name === name)?.awsRegion ?? name;
  const steps = everyBoundStep(plan, policy);
  const statements: Statement[] = [];
  const readZones = new Set<string>();

  // One statement per zone: IAM judges a batch's names, types and actions against one statement at a time, and in a
  // zone holding both the fencing record and weights one batch carries both (invariant 1).
  const byZone = new Map<string, { names: Set<string>; types: Set<string>; changes: Set<string> }>();
  const writes = (zoneId: string) => {
    const arn = zoneArn(zoneId);
    readZones.add(arn);
    const entry = byZone.get(arn) ?? { names: new Set(), types: new Set(), changes: new Set() };
    byZone.set(arn, entry);
    return entry;
  };
  const fencing = policy.fencing?.route53;
  if (fencing) {
    const zone = writes(fencing.hostedZoneId);
    zone.names.add(normalizedRecordName(fencing.recordName));
    zone.types.add(fencingRecordType);
    for (const change of ["CREATE", "DELETE"]) zone.changes.add(change);
  }
  for (const s of steps) {
    if (s.kind !== "route53") continue;
    const zone = writes(s.route53.hostedZoneId);
    zone.names.add(normalizedRecordName(s.route53.recordName));
    zone.types.add(s.route53.type);
    zone.changes.add("UPSERT");
  }
  for (const [arn, { names, types, changes }] of [...byZone].sort(([a], [b]) => a.localeCompare(b))) {
    const sid = `WriteRecordsIn${
      arn
        .split("/")
        .at(-1)
        ?.replace(/[^A-Za-z0-9]/g, "") ?? ""
    }`;
    statements.push(recordWrites(sid, [arn], [...names], [...types], [...changes]));
  }
  if (readZones.size > 0) {
    statements.unshift(statement("ReadRecords", ["route53:ListResourceRecordSets"], [...readZones]));
    statements.push(statement("WaitForChanges", ["route53:GetChange"], ["arn:aws:route53:::change/*"]));
  }

  const healthChecks = policy.signals.flatMap((s) =>
    s.route53HealthCheck ? [`arn:aws:route53:::healthcheck/${s.route53HealthCheck.healthCheckId}`] : [],
  );
  if (healthChecks.length > 0)
    statements.push(statement("ReadHealthChecks", ["route53:GetHealthCheckStatus"], healthChecks));

  const globals = new Set<string>();
  const members = new Set<string>();
  const instances = new Set<string>();
  const clusters = new Set<string>();
  for (const s of steps) {
    if (s.kind === "auroraGlobal") {
      const memberArns = Object.values(s.auroraGlobal.members);
      // A global cluster's ARN has no region; its account is its members'.
      const memberAccount = memberArns[0]?.split(":")[4] || account;
      globals.add(`arn:aws:rds::${memberAccount}:global-cluster:${s.auroraGlobal.globalClusterIdentifier}`);
      for (const arn of memberArns) members.add(arn);
    }
    if (s.kind === "rdsPromoteReplica") {
      const region = awsRegion(s.rdsPromoteReplica.region);
      const { dbInstanceIdentifier: instance, dbClusterIdentifier: cluster } = s.rdsPromoteReplica;
      if (instance) instances.add(`arn:aws:rds:${region}:${account}:db:${instance}`);
      if (cluster) clusters.add(`arn:aws:rds:${region}:${account}:cluster:${cluster}`);
    }
  }
  if (globals.size > 0) statements.push(statement("AuroraGlobal", actionsOf("auroraGlobal"), [...globals, ...members]));
  if (instances.size > 0) {
    statements.push(statement("PromoteReplicaInstances", actionsOf("rdsPromoteReplicaInstance"), [...instances]));
  }
  if (clusters.size > 0) {
    statements.push(statement("PromoteReplicaClusters", actionsOf("rdsPromoteReplicaCluster"), [...clusters]));
  }
  if (globals.size + instances.size + clusters.size > 0) {
    statements.push(statement("ReadReplicationLag", ["cloudwatch:GetMetricStatistics"], ["*"]));
  }
  return { Version: "2012-10-17", Statement: statements };
}
