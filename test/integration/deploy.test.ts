/** The install manifests a kubectl user applies (deploy/, rendered from the chart) are accepted by a real API server. */
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { kubectl } from "../env/kubectl.js";

const env = inject("env");
const region = env.regions[1]!;
const manifest = join(import.meta.dirname, "..", "..", "deploy", "switchyard.yaml");

describe("deploy/switchyard.yaml", () => {
  it("applies cleanly: namespace, CRDs, RBAC, Deployment, Service, PodDisruptionBudget", async () => {
    const applied = await kubectl(env, region.kubeconfig, [
      ...["apply", "--server-side", "--force-conflicts", "--field-manager=deploy-test", "-f", manifest],
    ]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    const listed = await kubectl(env, region.kubeconfig, [
      ...["get", "-n", "switchyard-system", "deployment,service,poddisruptionbudget,role,rolebinding,serviceaccount"],
      ...["-o", "name"],
    ]);
    expect(listed.stdout.trim().split("\n").sort()).toEqual([
      "deployment.apps/switchyard",
      "poddisruptionbudget.policy/switchyard",
      "role.rbac.authorization.k8s.io/switchyard-leader-election",
      "rolebinding.rbac.authorization.k8s.io/switchyard-leader-election",
      "service/switchyard-metrics",
      "serviceaccount/switchyard",
    ]);
  });

  it("grants the controller's service account what it needs and not cluster-wide Secret listing", async () => {
    const can = async (verb: string, resource: string, namespace = "default", ...extra: string[]) =>
      (
        await kubectl(env, region.kubeconfig, [
          ...["auth", "can-i", verb, resource, "-n", namespace, ...extra],
          "--as=system:serviceaccount:switchyard-system:switchyard",
        ])
      ).stdout.trim();
    expect(await can("patch", "regionpolicies.switchyard.dev", "default", "--subresource=status")).toBe("yes");
    expect(await can("create", "failoverruns.switchyard.dev")).toBe("yes");
    expect(await can("update", "leases.coordination.k8s.io", "switchyard-system")).toBe("yes");
    expect(await can("update", "leases.coordination.k8s.io", "default")).toBe("no");
    expect(await can("patch", "regionpolicies.switchyard.dev")).toBe("no");
    expect(await can("list", "secrets")).toBe("no");
    // Plan steps act as the tenant's ServiceAccount (docs/tenancy.md): the controller itself holds no lever's rights.
    expect(await can("get", "secrets")).toBe("no");
    expect(await can("patch", "configmaps", "kube-system")).toBe("no");
    expect(await can("impersonate", "serviceaccounts/switchyard-tenant", "default")).toBe("yes");
    expect(await can("impersonate", "serviceaccounts/default", "kube-system")).toBe("no");
  });
});
