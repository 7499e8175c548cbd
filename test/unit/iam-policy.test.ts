/**
 * The controller's IAM policy against the code: every AWS call in src/ is in the action table of src/core/iam, the
 * shipped policy grants exactly those actions, and the narrowed policy names only what a plan and its policy name.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { controllerActions, optionalActions, unpermissionedActions } from "../../src/core/iam/actions.js";
import { ungranted, unused } from "../../src/core/iam/check.js";
import {
  narrowedPolicy,
  normalizedRecordName,
  peerRolePolicy,
  shippedPolicy,
  type Statement,
} from "../../src/core/iam/policy.js";
import type { FailoverPlan } from "../../src/crds/generated/failoverplans.js";
import type { RegionPolicy } from "../../src/crds/generated/regionpolicies.js";

const root = join(import.meta.dirname, "..", "..");
const prefixOf: Record<string, string> = {
  "@aws-sdk/client-route-53": "route53",
  "@aws-sdk/client-rds": "rds",
  "@aws-sdk/client-cloudwatch": "cloudwatch",
  "@aws-sdk/client-sts": "sts",
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** `service:Action` for every `new XCommand(` in src/ whose X is imported from an AWS SDK client package. */
async function actionsInSource(): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const file of await sourceFiles(join(root, "src"))) {
    const text = await readFile(file, "utf8");
    for (const match of text.matchAll(/import\s*{([^}]*)}\s*from\s*"(@aws-sdk\/client-[a-z0-9-]+)"/g)) {
      const [, names, pkg] = match;
      const prefix = prefixOf[pkg ?? ""];
      for (const name of (names ?? "").split(",").map((n) => n.replace(/^\s*type\s+/, "").trim())) {
        const command = /^(\w+)Command$/.exec(name)?.[1];
        if (!command || !new RegExp(`new ${name}\\(`).test(text)) continue;
        expect(prefix, `${relative(root, file)} calls ${pkg}, which has no IAM prefix in this test`).toBeDefined();
        const action = `${prefix}:${command}`;
        found.set(action, [...(found.get(action) ?? []), relative(root, file)]);
      }
    }
  }
  return found;
}

describe("the controller's AWS actions", () => {
  it("are exactly the AWS SDK commands src/ sends (plus the optional ones)", async () => {
    const inSource = await actionsInSource();
    const beside: readonly string[] = [...optionalActions, ...unpermissionedActions];
    const called = [...inSource.keys()].filter((a) => !beside.includes(a)).sort();
    expect(called).toEqual(controllerActions);
  });

  it("are all granted by the shipped policy, which grants nothing else", () => {
    expect(ungranted(shippedPolicy(), controllerActions)).toEqual([]);
    expect(unused(shippedPolicy(), controllerActions)).toEqual([]);
    expect(ungranted(shippedPolicy(), optionalActions)).toEqual([...optionalActions]);
    expect(ungranted(peerRolePolicy(), optionalActions)).toEqual([]);
    expect(ungranted(shippedPolicy(), unpermissionedActions)).toEqual([]); // AWS allows them to everyone
  });

  it("ship as deploy/iam/*.json", async () => {
    const shipped: unknown = JSON.parse(
      await readFile(join(root, "deploy", "iam", "switchyard-controller.json"), "utf8"),
    );
    expect(shipped).toEqual(shippedPolicy());
  });
});

describe("ungranted and unused", () => {
  const policy = {
    Version: "2012-10-17" as const,
    Statement: [
      { Sid: "A", Effect: "Allow" as const, Action: ["route53:Get*", "rds:PromoteReadReplica"], Resource: ["*"] },
    ],
  };
  it("match IAM wildcards, case-blind", () => {
    expect(ungranted(policy, ["route53:GetChange", "ROUTE53:getchange", "rds:promotereadreplica"])).toEqual([]);
    expect(ungranted(policy, ["route53:ChangeResourceRecordSets", "rds:PromoteReadReplicaDBCluster"])).toEqual([
      "rds:PromoteReadReplicaDBCluster",
      "route53:ChangeResourceRecordSets",
    ]);
  });
  it("list the grants no call used", () => {
    expect(unused(policy, ["route53:GetChange"])).toEqual(["rds:PromoteReadReplica"]);
    expect(unused(policy, ["route53:GetChange", "rds:PromoteReadReplica"])).toEqual([]);
  });
});

describe("narrowedPolicy", () => {
  async function example(): Promise<{ plan: FailoverPlan; policy: RegionPolicy }> {
    const read = async (file: string) =>
      parseAllDocuments(await readFile(join(root, "examples", "checkout", file), "utf8"))[0]!.toJS() as unknown;
    return {
      plan: (await read("failoverplan.yaml")) as FailoverPlan,
      policy: (await read("regionpolicy.yaml")) as RegionPolicy,
    };
  }
  const bySid = (statements: Statement[]) => Object.fromEntries(statements.map((s) => [s.Sid, s]));

  it("names the example's zone, records, health checks and Aurora ARNs, nothing wider", async () => {
    const { plan, policy } = await example();
    const narrowed = narrowedPolicy(plan.spec, policy.spec);
    const s = bySid(narrowed.Statement);
    expect(s.ReadRecords?.Resource).toEqual(["arn:aws:route53:::hostedzone/Z0EXAMPLE1CHECKOUT"]);
    // The fencing record and the weights share the zone, so one batch carries both: one statement must allow both.
    expect(s.WriteRecordsInZ0EXAMPLE1CHECKOUT?.Condition).toEqual({
      "ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
          "_switchyard.checkout.example.com",
          "checkout.example.com",
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME", "TXT"],
        "route53:ChangeResourceRecordSetsActions": ["CREATE", "DELETE", "UPSERT"],
      },
    });
    expect(s.AuroraGlobal?.Resource).toEqual([
      "arn:aws:rds::123456789012:global-cluster:checkout-global",
      "arn:aws:rds:eu-west-1:123456789012:cluster:checkout-euw1",
      "arn:aws:rds:us-east-1:123456789012:cluster:checkout-use1",
    ]);
    expect(s.ReadHealthChecks?.Resource).toHaveLength(2);
    expect(narrowed.Statement.flatMap((x) => x.Resource).filter((r) => r.includes("*"))).toEqual([
      "arn:aws:route53:::change/*", // GetChange takes a change id, unknown in advance
      "*", // CloudWatch GetMetricStatistics has no resource-level permissions
    ]);
    // Everything it grants, the shipped policy grants too.
    expect(
      ungranted(
        shippedPolicy(),
        narrowed.Statement.flatMap((x) => x.Action),
      ),
    ).toEqual([]);
  });

  it("keeps a fencing record in its own zone to TXT swaps, and weights to UPSERTs", async () => {
    const { plan, policy } = await example();
    policy.spec.fencing = {
      route53: { hostedZoneId: "/hostedzone/ZPRIVATEFENCE", recordName: "_switchyard.checkout.internal." },
    };
    const s = bySid(narrowedPolicy(plan.spec, policy.spec).Statement);
    expect(s.WriteRecordsInZPRIVATEFENCE).toMatchObject({
      Resource: ["arn:aws:route53:::hostedzone/ZPRIVATEFENCE"],
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_switchyard.checkout.internal"],
          "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
          "route53:ChangeResourceRecordSetsActions": ["CREATE", "DELETE"],
        },
      },
    });
    expect(s.WriteRecordsInZ0EXAMPLE1CHECKOUT?.Condition?.["ForAllValues:StringEquals"]).toMatchObject({
      "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME"],
      "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
    });
    expect(s.ReadRecords?.Resource).toEqual([
      "arn:aws:route53:::hostedzone/Z0EXAMPLE1CHECKOUT",
      "arn:aws:route53:::hostedzone/ZPRIVATEFENCE",
    ]);
  });

  it("grants replica promotion on the named instance or cluster in its AWS region only", async () => {
    const { policy } = await example();
    policy.spec.regions[1]!.awsRegion = "eu-central-1";
    const plan: FailoverPlan["spec"] = {
      regionPolicyRef: { name: "checkout" },
      steps: [{ name: "promote", rdsPromoteReplica: { region: "{{to}}", dbInstanceIdentifier: "orders-replica" } }],
    };
    const s = bySid(narrowedPolicy(plan, policy.spec, { account: "210987654321" }).Statement);
    expect(s.PromoteReplicaInstances).toEqual({
      Sid: "PromoteReplicaInstances",
      Effect: "Allow",
      Action: ["rds:DescribeDBInstances", "rds:PromoteReadReplica"],
      Resource: [
        `arn:aws:rds:${policy.spec.regions[1]!.awsRegion}:210987654321:db:orders-replica`,
        `arn:aws:rds:${policy.spec.regions[0]!.name}:210987654321:db:orders-replica`,
      ].sort(),
    });
    expect(s.AuroraGlobal).toBeUndefined();
    expect(s.ReadReplicationLag).toBeDefined();
  });

  it("normalizes record names as Route53's condition key does", () => {
    expect(normalizedRecordName("Checkout.Example.COM.")).toBe("checkout.example.com");
    expect(normalizedRecordName("_switchyard.checkout.example.com")).toBe("_switchyard.checkout.example.com");
    expect(normalizedRecordName("*.example.com")).toBe("\\052.example.com");
  });
});
