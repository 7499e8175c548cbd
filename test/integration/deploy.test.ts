/**
 * The install manifests a kubectl user applies (deploy/kustomize: a base rendered from the chart, with no region, and
 * an overlay per region that adds it) render with kubectl's own kustomize and are accepted by a real API server.
 */
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { describe, expect, inject, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/runtime/config.js";
import { ensureBinaries } from "../env/binaries.js";
import { kubectl } from "../env/kubectl.js";

const env = inject("env");
const region = env.regions[1]!;
const root = join(import.meta.dirname, "..", "..");
const kustomize = join(root, "deploy", "kustomize");
const overlay = (name: string) => join(kustomize, "overlays", name);

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { spec: { containers: { args: string[] }[] } } };
}

async function build(dir: string): Promise<Manifest[]> {
  const built = await kubectl(env, region.kubeconfig, ["kustomize", dir]);
  expect(built.stderr).toBe("");
  return parseAllDocuments(built.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}
const argsOf = (manifests: Manifest[]) =>
  manifests.find((m) => m.kind === "Deployment")?.spec?.template?.spec.containers[0]?.args ?? [];

describe("deploy/kustomize", () => {
  it("has an overlay per region of the example, each naming its own region and differing from the base in it alone", async () => {
    expect((await readdir(join(kustomize, "overlays"))).sort()).toEqual(["eu-west-1", "us-east-1"]);
    const base = await build(join(kustomize, "base"));
    expect(argsOf(base).some((arg) => arg.startsWith("--region"))).toBe(false);
    for (const name of ["eu-west-1", "us-east-1"]) {
      const built = await build(overlay(name));
      expect(argsOf(built)).toEqual([`--region=${name}`, ...argsOf(base)]);
      const withoutArgs = (manifests: Manifest[]) =>
        JSON.stringify(manifests, (key, value: unknown) => (key === "args" ? undefined : value));
      expect(withoutArgs(built)).toEqual(withoutArgs(base));
    }
  });

  it("the base alone cannot run as some region: the controller refuses to start without --region", async () => {
    const args = argsOf(await build(join(kustomize, "base")));
    expect(() => loadConfig(args, {})).toThrow(ConfigError);
    expect(() => loadConfig(args, {})).toThrow(/--region/);
    expect(loadConfig([...args, "--region=eu-west-1"], {}).region).toBe("eu-west-1");
  });

  it("applies cleanly with kubectl apply -k: namespace, CRDs, RBAC, Deployment, Service, PodDisruptionBudget", async () => {
    const applied = await kubectl(env, region.kubeconfig, [
      ...["apply", "--server-side", "--force-conflicts", "--field-manager=deploy-test", "-k", overlay("eu-west-1")],
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
    const live = await kubectl(env, region.kubeconfig, [
      ...[
        "get",
        "deployment",
        "switchyard",
        "-n",
        "switchyard-system",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].args[0]}",
      ],
    ]);
    expect(live.stdout).toBe("--region=eu-west-1");
  });

  it("every overlay passes a server-side dry run", async () => {
    for (const name of ["eu-west-1", "us-east-1"]) {
      const dryRun = await kubectl(env, region.kubeconfig, [
        ...["apply", "--server-side", "--force-conflicts", "--field-manager=deploy-test", "--dry-run=server"],
        ...["-k", overlay(name)],
      ]);
      expect(dryRun.stderr, name).toBe("");
      expect(dryRun.stdout, name).toContain("deployment.apps/switchyard serverside-applied (server dry run)");
    }
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
    expect((await build(overlay("us-east-1"))).map((m) => m.kind)).not.toContain("NetworkPolicy");
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
