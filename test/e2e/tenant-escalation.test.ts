/**
 * Invariant 8 against a real API server with RBAC on: the chart's RBAC, rendered by the real helm binary in cluster
 * mode and in namespaced mode and applied, gives the controller no right over Secrets, ConfigMaps, Jobs or Deployments
 * and no way to act as a privileged account (SubjectAccessReviews); a controller process that runs with exactly that
 * identity (a token of the chart's ServiceAccount) refuses a tenant's plan aimed at kube-system, leaving kube-system as
 * it was, and runs a plan in the tenant's own namespace through the tenant's ServiceAccount.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  KubeConfig,
  type V1ResourceAttributes,
} from "@kubernetes/client-node";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureBinaries } from "../env/binaries.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { kubectl } from "../env/kubectl.js";
import { manualRun } from "../fixtures/builders.js";
import { Cluster, eventually } from "../fixtures/world.js";

const env = inject("env");
const region = env.regions[1]!;
const cluster = new Cluster(env, region);
const chart = join(import.meta.dirname, "..", "..", "charts", "switchyard");
const root = new KubeConfig();
root.loadFromFile(region.kubeconfig);
const apps = root.makeApiClient(AppsV1Api);
const batch = root.makeApiClient(BatchV1Api);
const authz = root.makeApiClient(AuthorizationV1Api);

/** The cluster-mode release, its namespace and the tenant namespace its controller serves. */
const clusterRelease = { name: "escalation", namespace: "escalation-system", tenant: "tenant-shop" };
/** The namespaced-mode release: Roles in its one watched namespace only. */
const namespacedRelease = { name: "escalation-ns", namespace: "escalation-ns-system", tenant: "tenant-books" };
const controllerUser = (release: { name: string; namespace: string }) =>
  `system:serviceaccount:${release.namespace}:${release.name}-switchyard`;
/** An account bound to cluster-admin, in kube-system: what an escalation would want to act as. */
const privileged = { namespace: "kube-system", name: "escalation-admin" };

let controllers: Controllers | undefined;

async function helmTemplate(release: { name: string; namespace: string }, values: string[]): Promise<string> {
  const { helm } = await ensureBinaries();
  const { stdout } = await promisify(execFile)(helm, [
    ...["template", release.name, chart, "--namespace", release.namespace, "--kube-version", "1.34.4"],
    // The shared cluster's CRDs are the tests' (installed from src/crds); the chart's own are tested by chart-lifecycle.
    ...["--set", "region=eu-west-1", "--set", "crds.enabled=false", ...values.flatMap((v) => ["--set", v])],
  ]);
  return stdout;
}

async function applyManifest(manifest: string): Promise<void> {
  const result = await kubectl(env, region.kubeconfig, ["apply", "--server-side", "-f", "-"], manifest);
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

/** Whether `user` (a ServiceAccount, with the groups the API server gives one) may do `attributes`. */
async function allowed(user: string, attributes: V1ResourceAttributes): Promise<boolean> {
  const namespace = user.split(":")[2] ?? "";
  const review = await authz.createSubjectAccessReview({
    body: {
      spec: {
        user,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
        resourceAttributes: attributes,
      },
    },
  });
  return review.status?.allowed ?? false;
}

/** The levers' rights, which the controller's own identity must not hold anywhere. */
const leverRights = (namespace: string): V1ResourceAttributes[] => [
  { namespace, verb: "get", resource: "secrets" },
  { namespace, verb: "list", resource: "secrets" },
  { namespace, verb: "create", group: "batch", resource: "jobs" },
  { namespace, verb: "patch", resource: "configmaps" },
  { namespace, verb: "create", resource: "configmaps" },
  { namespace, verb: "patch", group: "apps", resource: "deployments", subresource: "scale" },
  { namespace, verb: "update", group: "apps", resource: "deployments", subresource: "scale" },
  { namespace, verb: "patch", group: "apps", resource: "deployments" },
];

const impersonate = (namespace: string, name: string): V1ResourceAttributes => ({
  namespace,
  verb: "impersonate",
  resource: "serviceaccounts",
  name,
});

/** A kubeconfig that authenticates as a ServiceAccount by a token the API server issued for it. */
async function kubeconfigOf(namespace: string, name: string): Promise<string> {
  const token = await cluster.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const admin = parse(await readFile(region.kubeconfig, "utf8")) as { clusters: { name: string }[] };
  const clusterName = admin.clusters[0]!.name;
  const dir = await mkdtemp(join(tmpdir(), "switchyard-escalation-"));
  const path = join(dir, "kubeconfig");
  await writeFile(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: admin.clusters,
      users: [{ name, user: { token: token.status?.token } }],
      contexts: [{ name, context: { cluster: clusterName, user: name } }],
      "current-context": name,
    }),
  );
  return path;
}

const policy = (namespace: string, plan: string) => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "RegionPolicy",
  metadata: { name: "shop", namespace },
  spec: {
    regions: [
      { name: "us-east-1", role: "primary" },
      { name: "eu-west-1", role: "secondary" },
    ],
    signals: [{ name: "api", region: "us-east-1", intervalSeconds: 5, http: { url: "http://127.0.0.1:9/healthz" } }],
    automation: { mode: "Manual", failoverPlanRef: { name: plan } },
  },
});

const plan = (namespace: string, name: string, steps: object[], extra: object = {}) => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "FailoverPlan",
  metadata: { name, namespace },
  spec: { regionPolicyRef: { name: "shop" }, steps, ...extra },
});

const flagStep = (name: string, configMap: { name: string; namespace?: string }, value: string) => ({
  name,
  flag: { region: "eu-west-1", configMapRef: configMap, key: "read_only", value },
});
const scaleStep = (name: string, deployment: { name: string; namespace?: string }, replicas: number) => ({
  name,
  scale: { region: "eu-west-1", deploymentRef: deployment, replicas },
});
const jobStep = {
  name: "smoke",
  job: {
    region: "eu-west-1",
    template: {
      template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] } },
    },
  },
};

async function deployment(namespace: string, name: string, replicas: number) {
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "app:1" }] } },
      },
    },
  });
}

const replicasOf = async (namespace: string, name: string) =>
  (await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas;
const flagOf = async (namespace: string, name: string) =>
  (await cluster.core.readNamespacedConfigMap({ name, namespace })).data?.read_only;

beforeAll(async () => {
  await cluster.installCrds();
  for (const namespace of [clusterRelease.namespace, namespacedRelease.namespace]) {
    await cluster.core.createNamespace({ body: { metadata: { name: namespace } } });
  }
  // The tenants' namespaces, bare: the chart creates their ServiceAccount and Role (tenancy.tenantNamespaces).
  for (const namespace of [clusterRelease.tenant, namespacedRelease.tenant]) {
    await cluster.core.createNamespace({ body: { metadata: { name: namespace } } });
  }
  await applyManifest(await helmTemplate(clusterRelease, [`tenancy.tenantNamespaces={${clusterRelease.tenant}}`]));
  await applyManifest(
    await helmTemplate(namespacedRelease, [
      "rbac.clusterInstall=false",
      `watchNamespace=${namespacedRelease.tenant}`,
      `tenancy.tenantNamespaces={${namespacedRelease.tenant}}`,
      "rbac.aggregateUserRoles=false",
    ]),
  );
  // What a compromised plan would aim at: a cluster-admin account, a ConfigMap and a Deployment in kube-system.
  await cluster.apply(
    { apiVersion: "v1", kind: "ServiceAccount", metadata: privileged },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "escalation-admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", ...privileged }],
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "escalation-flags", namespace: "kube-system" },
      data: { read_only: "false" },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "app-flags", namespace: clusterRelease.tenant },
      data: { read_only: "false" },
    },
  );
  await deployment("kube-system", "escalation-dns", 2);
  await deployment(clusterRelease.tenant, "worker", 3);
}, 120_000);

afterAll(async () => {
  await controllers?.stop();
});

describe("the chart's RBAC, cluster mode", () => {
  const user = controllerUser(clusterRelease);

  it.each(["kube-system", clusterRelease.tenant])(
    "gives the controller no right over Secrets, Jobs, ConfigMaps or Deployments in %s",
    async (namespace) => {
      for (const attributes of leverRights(namespace)) {
        expect({ ...attributes, allowed: await allowed(user, attributes) }).toEqual({ ...attributes, allowed: false });
      }
    },
  );

  it("lets it impersonate the tenant ServiceAccount, and no privileged account", async () => {
    expect(await allowed(user, impersonate(clusterRelease.tenant, "switchyard-tenant"))).toBe(true);
    expect(await allowed(user, impersonate(privileged.namespace, privileged.name))).toBe(false);
    expect(await allowed(user, impersonate("kube-system", "default"))).toBe(false);
    expect(await allowed(user, impersonate(clusterRelease.tenant, "default"))).toBe(false);
    expect(await allowed(user, { verb: "impersonate", resource: "users", name: "admin" })).toBe(false);
    expect(await allowed(user, { verb: "impersonate", resource: "groups", name: "system:masters" })).toBe(false);
  });

  it("keeps what the controller needs: its kinds, their status, runs, Events and its Lease", async () => {
    const ns = clusterRelease.tenant;
    const sw = { group: "switchyard.dev", namespace: ns };
    expect(await allowed(user, { ...sw, verb: "watch", resource: "regionpolicies" })).toBe(true);
    expect(await allowed(user, { ...sw, verb: "patch", resource: "regionpolicies", subresource: "status" })).toBe(true);
    expect(await allowed(user, { ...sw, verb: "create", resource: "failoverruns" })).toBe(true);
    expect(await allowed(user, { namespace: ns, verb: "create", resource: "events" })).toBe(true);
    const lease = { group: "coordination.k8s.io", resource: "leases", verb: "update" };
    expect(await allowed(user, { ...lease, namespace: clusterRelease.namespace })).toBe(true);
    expect(await allowed(user, { ...lease, namespace: "kube-system" })).toBe(false);
    // And not what a person holds: a policy's spec is the tenant's.
    expect(await allowed(user, { ...sw, verb: "patch", resource: "regionpolicies" })).toBe(false);
  });

  it("gives the tenant ServiceAccount its levers in its own namespace only", async () => {
    const tenant = `system:serviceaccount:${clusterRelease.tenant}:switchyard-tenant`;
    const levers = (namespace: string): V1ResourceAttributes[] => [
      { namespace, verb: "get", resource: "secrets" },
      { namespace, verb: "create", group: "batch", resource: "jobs" },
      { namespace, verb: "patch", resource: "configmaps" },
      { namespace, verb: "patch", group: "apps", resource: "deployments", subresource: "scale" },
    ];
    for (const attributes of levers(clusterRelease.tenant)) expect(await allowed(tenant, attributes)).toBe(true);
    for (const attributes of levers("kube-system")) expect(await allowed(tenant, attributes)).toBe(false);
  });

  it("gives people view, edit (runs, approvals, the kill switch) and admin, labelled to aggregate", async () => {
    const ns = clusterRelease.tenant;
    const bind = (user: string, role: string) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${user}-${role}`, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `escalation-switchyard-${role}` },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
    });
    await cluster.apply(bind("viewer", "view"), bind("operator", "view"), bind("operator", "edit"));
    const may = async (user: string, verb: string, resource: string) => {
      const review = await authz.createSubjectAccessReview({
        body: { spec: { user, resourceAttributes: { namespace: ns, verb, group: "switchyard.dev", resource } } },
      });
      return review.status?.allowed ?? false;
    };
    expect(await may("viewer", "list", "failoverruns")).toBe(true);
    expect(await may("viewer", "create", "failoverruns")).toBe(false);
    expect(await may("operator", "create", "failoverruns")).toBe(true); // switchyard failover / plan
    expect(await may("operator", "patch", "failoverruns")).toBe(true); // switchyard approve
    expect(await may("operator", "patch", "regionpolicies")).toBe(true); // switchyard pause / resume
    expect(await may("operator", "patch", "drillschedules")).toBe(true); // switchyard drill
    expect(await may("operator", "create", "failoverplans")).toBe(false); // a plan's steps are admin's to write
    const labelled = async (label: string) =>
      (await kubectl(env, region.kubeconfig, ["get", "clusterrole", "-l", label, "-o", "name"])).stdout;
    const aggregated = "rbac.authorization.k8s.io/aggregate-to";
    expect(await labelled(`${aggregated}-view=true`)).toContain("escalation-switchyard-view");
    expect(await labelled(`${aggregated}-edit=true`)).toContain("escalation-switchyard-edit");
    expect(await labelled(`${aggregated}-admin=true`)).toContain("escalation-switchyard-admin");
  });
});

describe("the chart's RBAC, namespaced mode (rbac.clusterInstall=false)", () => {
  const user = controllerUser(namespacedRelease);

  it.each(["kube-system", namespacedRelease.tenant])(
    "gives the controller no right over Secrets, Jobs, ConfigMaps or Deployments in %s",
    async (namespace) => {
      for (const attributes of leverRights(namespace)) {
        expect({ ...attributes, allowed: await allowed(user, attributes) }).toEqual({ ...attributes, allowed: false });
      }
    },
  );

  it("lets it impersonate the tenant ServiceAccount of its namespace, and no other account anywhere", async () => {
    expect(await allowed(user, impersonate(namespacedRelease.tenant, "switchyard-tenant"))).toBe(true);
    expect(await allowed(user, impersonate(privileged.namespace, privileged.name))).toBe(false);
    expect(await allowed(user, impersonate("kube-system", "switchyard-tenant"))).toBe(false);
    expect(await allowed(user, impersonate(clusterRelease.tenant, "switchyard-tenant"))).toBe(false);
  });

  it("holds no cluster-wide right: its kinds in its one namespace only", async () => {
    const watch = { group: "switchyard.dev", resource: "regionpolicies", verb: "watch" };
    expect(await allowed(user, { ...watch, namespace: namespacedRelease.tenant })).toBe(true);
    expect(await allowed(user, { ...watch, namespace: clusterRelease.tenant })).toBe(false);
    expect(await allowed(user, watch)).toBe(false);
  });
});

describe("a controller with the chart's identity, serving a tenant", () => {
  const ns = clusterRelease.tenant;

  beforeAll(async () => {
    const kubeconfig = await kubeconfigOf(clusterRelease.namespace, `${clusterRelease.name}-switchyard`);
    controllers = await startControllers(
      { "eu-west-1": { kubeconfig } },
      {
        aws: env.aws,
        leaseNamespace: clusterRelease.namespace,
        leaseName: "escalation",
        namespace: ns,
        // tenancy.defaultServiceAccount is the chart's; a plan that names none is refused without it.
        defaultServiceAccount: null,
      },
    );
  }, 120_000);

  it("refuses a plan whose steps target kube-system, naming each field, and changes nothing there", async () => {
    await cluster.apply(
      plan(
        ns,
        "escalate",
        [
          flagStep("flag-kube-system", { name: "escalation-flags", namespace: "kube-system" }, "true"),
          scaleStep("scale-kube-system", { name: "escalation-dns", namespace: "kube-system" }, 0),
          jobStep,
        ],
        { serviceAccountName: "switchyard-tenant" },
      ),
      policy(ns, "escalate"),
    );
    const ready = await eventually("the policy to say why its plan cannot run", async () => {
      const condition = (await cluster.policy(ns, "shop")).status?.conditions?.find((c) => c.type === "Ready");
      return condition?.reason === "NamespaceNotAllowed" ? condition : undefined;
    });
    expect(ready.status).toBe("False");
    expect(ready.message).toContain("steps[flag-kube-system].flag.configMapRef.namespace");
    expect(ready.message).toContain("steps[scale-kube-system].scale.deploymentRef.namespace");

    await cluster.apply(
      manualRun(ns, "escalate-1", { planRef: { name: "escalate" }, from: "us-east-1", to: "eu-west-1", reason: "e2e" }),
    );
    const run = await cluster.finishedRun(ns, "escalate-1");
    expect(run.status?.phase).toBe("Failed");
    const complete = run.status?.conditions?.find((c) => c.type === "Complete");
    expect(complete?.reason).toBe("InvalidPlan");
    expect(complete?.message).toContain("flag-kube-system.flag.configMapRef.namespace");
    expect(complete?.message).toContain("scale-kube-system.scale.deploymentRef.namespace");
    expect(complete?.message).toContain(`Namespace "kube-system" is not this plan's namespace "${ns}"`);
    // Refused before any step: nothing was journaled, nothing was tried.
    expect(run.status?.journal ?? []).toEqual([]);

    expect(await flagOf("kube-system", "escalation-flags")).toBe("false");
    expect(await replicasOf("kube-system", "escalation-dns")).toBe(2);
    expect((await batch.listNamespacedJob({ namespace: "kube-system" })).items).toEqual([]);
    expect((await batch.listNamespacedJob({ namespace: ns })).items).toEqual([]);
  });

  it("refuses a plan that names no ServiceAccount when the controller has no default", async () => {
    await cluster.apply(
      plan(ns, "anonymous", [flagStep("freeze", { name: "app-flags" }, "true")]),
      policy(ns, "anonymous"),
    );
    await cluster.apply(
      manualRun(ns, "anonymous-1", {
        planRef: { name: "anonymous" },
        from: "us-east-1",
        to: "eu-west-1",
        reason: "e2e",
      }),
    );
    const run = await cluster.finishedRun(ns, "anonymous-1");
    expect(run.status?.phase).toBe("Failed");
    expect(run.status?.conditions?.find((c) => c.type === "Complete")?.reason).toBe("ServiceAccountNotSet");
    expect(await flagOf(ns, "app-flags")).toBe("false");
  });

  it("runs a plan in the tenant's own namespace through the tenant's ServiceAccount", async () => {
    // The controller's own identity holds no right over ConfigMaps or Deployments: only the tenant's can do this.
    await cluster.apply(
      plan(
        ns,
        "own",
        [flagStep("freeze", { name: "app-flags" }, "true"), scaleStep("drain", { name: "worker", namespace: ns }, 1)],
        { serviceAccountName: "switchyard-tenant" },
      ),
      policy(ns, "own"),
    );
    await cluster.apply(
      manualRun(ns, "own-1", { planRef: { name: "own" }, from: "us-east-1", to: "eu-west-1", reason: "e2e" }),
    );
    const run = await cluster.finishedRun(ns, "own-1");
    expect(run.status?.journal?.map((e) => [e.name, e.state])).toEqual([
      ["freeze", "Succeeded"],
      ["drain", "Succeeded"],
    ]);
    expect(run.status?.phase).toBe("Succeeded");
    expect(await flagOf(ns, "app-flags")).toBe("true");
    expect(await replicasOf(ns, "worker")).toBe(1);
  });
});
