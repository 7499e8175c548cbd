/** The install manifests a kubectl user applies (deploy/, rendered from the chart) are accepted by a real API server. */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { describe, expect, inject, it } from "vitest";
import { ensureBinaries } from "../env/binaries.js";
import { kubectl } from "../env/kubectl.js";

const env = inject("env");
const region = env.regions[1]!;
const root = join(import.meta.dirname, "..", "..");
const manifest = join(root, "deploy", "switchyard.yaml");

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

describe("the chart's opt-in NetworkPolicy", () => {
  async function render(...sets: string[]): Promise<string> {
    const { helm } = await ensureBinaries();
    const { stdout } = await promisify(execFile)(helm, [
      ...["template", "switchyard", join(root, "charts", "switchyard"), "--namespace", "switchyard-system"],
      ...["--kube-version", "1.34.4", "--set", "region=us-east-1", ...sets.flatMap((s) => ["--set-json", s])],
    ]);
    return stdout;
  }
  const kinds = (text: string) => parseAllDocuments(text).map((d) => (d.toJS() as { kind?: string } | null)?.kind);

  it("is off by default, in the chart and in deploy/", async () => {
    expect(kinds(await render())).not.toContain("NetworkPolicy");
    expect(kinds(await readFile(manifest, "utf8"))).not.toContain("NetworkPolicy");
  });

  it("when enabled, admits only the metrics and health port from the peers listed, and leaves egress open", async () => {
    const text = await render(
      "networkPolicy.enabled=true",
      'networkPolicy.metricsFrom=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]',
    );
    const policy = parseAllDocuments(text)
      .map((d) => d.toJS() as { kind?: string; spec?: unknown })
      .find((d) => d?.kind === "NetworkPolicy");
    expect(policy?.spec).toEqual({
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "switchyard", "app.kubernetes.io/instance": "switchyard" },
      },
      policyTypes: ["Ingress"],
      ingress: [
        {
          ports: [{ protocol: "TCP", port: "http-metrics" }],
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        },
      ],
    });
    const applied = await kubectl(
      env,
      region.kubeconfig,
      ["apply", "--dry-run=server", "-n", "switchyard-system", "-f", "-"],
      parseAllDocuments(text)
        .filter((d) => (d.toJS() as { kind?: string } | null)?.kind === "NetworkPolicy")
        .map(String)
        .join("---\n"),
    );
    expect(applied.stderr).toBe("");
    expect(applied.stdout).toContain("networkpolicy.networking.k8s.io/switchyard created (server dry run)");
  });

  it("restricts egress only when rules are given", async () => {
    const text = await render(
      "networkPolicy.enabled=true",
      'networkPolicy.egress=[{"to":[{"ipBlock":{"cidr":"10.0.0.0/8"}}],"ports":[{"protocol":"TCP","port":443}]}]',
    );
    const policy = parseAllDocuments(text)
      .map((d) => d.toJS() as { kind?: string; spec?: { policyTypes?: string[]; egress?: unknown } })
      .find((d) => d?.kind === "NetworkPolicy");
    expect(policy?.spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy?.spec?.egress).toEqual([
      { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
  });
});
