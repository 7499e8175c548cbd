/**
 * The IAM policy for the controller's role, narrowed to the FailoverPlans and RegionPolicies of the given manifests:
 * only their hosted zones, record names and types, health checks and database ARNs.
 *   npx tsx scripts/iam-policy.ts examples/checkout/regionpolicy.yaml examples/checkout/failoverplan.yaml
 *     [--account 123456789012]    the account of replicas named by identifier (default "*")
 * Each plan is paired with the RegionPolicy its spec.regionPolicyRef names (same namespace). With several plans the
 * statements of each are listed one after the other. The shipped, plan-independent policy is
 * deploy/iam/switchyard-controller.json (docs/security.md).
 */
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { narrowedPolicy, type PolicyDocument } from "../src/core/iam/policy.js";
import type { FailoverPlan } from "../src/crds/generated/failoverplans.js";
import type { RegionPolicy } from "../src/crds/generated/regionpolicies.js";

interface Manifest {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

async function main(args: string[]): Promise<void> {
  const accountAt = args.indexOf("--account");
  const account = accountAt >= 0 ? args[accountAt + 1] : undefined;
  const files = args.filter((a, i) => !a.startsWith("--") && (accountAt < 0 || i !== accountAt + 1));
  if (files.length === 0) throw new Error("usage: iam-policy.ts <manifest.yaml>... [--account <id>]");
  const manifests: Manifest[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, "utf8"))) manifests.push(doc.toJS() as Manifest);
  }
  const key = (m: Manifest, name?: string) => `${m.metadata?.namespace ?? "default"}/${name ?? m.metadata?.name ?? ""}`;
  const policies = new Map(
    manifests.filter((m) => m.kind === "RegionPolicy").map((m) => [key(m), m as RegionPolicy] as const),
  );
  const plans = manifests.filter((m): m is FailoverPlan => m.kind === "FailoverPlan");
  if (plans.length === 0) throw new Error("no FailoverPlan in the manifests given");
  const document: PolicyDocument = { Version: "2012-10-17", Statement: [] };
  for (const plan of plans) {
    const policy = policies.get(key(plan, plan.spec.regionPolicyRef.name));
    if (!policy)
      throw new Error(
        `FailoverPlan ${key(plan)}: its RegionPolicy ${key(plan, plan.spec.regionPolicyRef.name)} is not in the manifests given`,
      );
    const narrowed = narrowedPolicy(plan.spec, policy.spec, account ? { account } : {});
    const prefix = plans.length > 1 ? `${(plan.metadata?.name ?? "").replace(/[^A-Za-z0-9]/g, "")}` : "";
    document.Statement.push(...narrowed.Statement.map((s) => ({ ...s, Sid: `${prefix}${s.Sid}` })));
  }
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
