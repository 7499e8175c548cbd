/**
 * The chart's tested value sets (charts/switchyard/ci/*-values.yaml), each as a platform team would take it: linted
 * strictly, rendered, its pod accepted by the restricted Pod Security Standard, installed for real with `helm install`
 * into a namespace that enforces that standard, checked on the live objects, and uninstalled. One control plane of its
 * own for all sets, one set after the other: Helm must own the CRDs it installs (each set installs them as the same
 * release, which re-adopts the CRDs the previous one kept), and the shared clusters' CRDs are the other tests'.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { kubectl, kubectlOk } from "../env/kubectl.js";

const env = inject("env");
const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const chart = join(root, "charts", "switchyard");
const ciDir = join(chart, "ci");
const namespace = "switchyard-system";
const restricted = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "latest",
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: { args: string[]; env?: { name: string }[]; securityContext?: Record<string, unknown> }[];
  affinity?: { podAntiAffinity?: Record<string, unknown>; nodeAffinity?: unknown };
  topologySpreadConstraints?: Record<string, unknown>[];
  priorityClassName?: string;
  imagePullSecrets?: { name: string }[];
  volumes?: { name: string }[];
}

let dir: string;
let plane: ControlPlane;
let helmBin: string;

const helm = (...args: string[]) =>
  run(helmBin, [...args, "--kubeconfig", plane.info.kubeconfig], { maxBuffer: 16 * 1024 * 1024 });
const kube = (...args: string[]) => kubectlOk(env, plane.info.kubeconfig, args);

async function render(...args: string[]): Promise<Manifest[]> {
  const { stdout } = await run(
    helmBin,
    ["template", "switchyard", chart, "--namespace", namespace, "--kube-version", "1.34.4", ...args],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}

const podSpecOf = (manifests: Manifest[]) => {
  const deployment = manifests.find((m) => m.kind === "Deployment");
  if (!deployment) throw new Error("no Deployment rendered");
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
};

/** The Deployment's pod, as the ReplicaSet would create it, through admission (Pod Security) without persisting. */
function podDryRun(spec: PodSpec, ns: string) {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "switchyard-pod-check", namespace: ns }, spec };
  return kubectl(env, plane.info.kubeconfig, ["create", "--dry-run=server", "-f", "-"], stringify(pod));
}

/** What each set is for, checked on the live objects after its install. */
const checks: Record<string, (notes: string) => Promise<void>> = {
  default: async (notes) => {
    expect(notes).toContain("It serves every namespace (cluster-wide RBAC).");
    expect(await kube("get", "clusterrole", "switchyard", "-o", "name")).toContain("switchyard");
    const spec = JSON.parse(await kube("get", "deployment", "switchyard", "-n", namespace, "-o", "json")) as {
      spec: { replicas: number; template: { spec: PodSpec } };
    };
    expect(spec.spec.replicas).toBe(2);
    expect(spec.spec.template.spec.affinity?.podAntiAffinity).toHaveProperty(
      "preferredDuringSchedulingIgnoredDuringExecution",
    );
    expect(spec.spec.template.spec.topologySpreadConstraints?.[0]).toMatchObject({
      topologyKey: "topology.kubernetes.io/zone",
      whenUnsatisfiable: "ScheduleAnyway",
    });
  },
  namespaced: async (notes) => {
    expect(notes).toContain("It serves namespace shop only, with no cluster-wide right");
    expect(notes).toContain("kubectl switchyard status -n shop");
    const cluster = await kubectl(env, plane.info.kubeconfig, ["get", "clusterrole", "switchyard", "-o", "name"]);
    expect(cluster.stderr).toContain("NotFound");
    expect(await kube("get", "role,rolebinding,serviceaccount", "-n", "shop", "-o", "name")).toContain(
      "serviceaccount/switchyard-tenant",
    );
    const can = await kubectl(env, plane.info.kubeconfig, [
      ...["auth", "can-i", "list", "regionpolicies.switchyard.dev", "-n", "default"],
      `--as=system:serviceaccount:${namespace}:switchyard`,
    ]);
    expect(can.stdout.trim()).toBe("no");
  },
  monitoring: async () => {
    const names = await kube(
      "get",
      "servicemonitor,prometheusrule,networkpolicy,configmap",
      "-n",
      namespace,
      "-o",
      "name",
    );
    expect(names).toContain("servicemonitor.monitoring.coreos.com/switchyard");
    expect(names).toContain("prometheusrule.monitoring.coreos.com/switchyard");
    expect(names).toContain("networkpolicy.networking.k8s.io/switchyard");
  },
  hardened: async () => {
    const spec = (
      JSON.parse(await kube("get", "deployment", "switchyard", "-n", namespace, "-o", "json")) as {
        spec: { template: { spec: PodSpec } };
      }
    ).spec.template.spec;
    expect(spec.securityContext).not.toHaveProperty("runAsUser");
    expect(spec.containers[0]?.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(spec.imagePullSecrets).toEqual([{ name: "mirror-pull" }]);
    expect(spec.volumes?.map((v) => v.name)).toEqual(["tmp"]);
  },
  ha: async () => {
    const pdb = JSON.parse(await kube("get", "pdb", "switchyard", "-n", namespace, "-o", "json")) as {
      spec: { minAvailable: number };
    };
    expect(pdb.spec.minAvailable).toBe(2);
    const spec = (
      JSON.parse(await kube("get", "deployment", "switchyard", "-n", namespace, "-o", "json")) as {
        spec: { replicas: number; template: { spec: PodSpec } };
      }
    ).spec;
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.priorityClassName).toBe("system-cluster-critical");
    expect(spec.template.spec.affinity?.podAntiAffinity).toHaveProperty(
      "requiredDuringSchedulingIgnoredDuringExecution",
    );
    expect(spec.template.spec.affinity?.nodeAffinity).toBeDefined();
    expect(spec.template.spec.containers[0]?.args).toContain("--identity=$(POD_NAME)");
  },
};

/** Stand-ins for the Prometheus Operator's CRDs, so its kinds exist; their schemas are the operator's business. */
function operatorCrd(kind: string, plural: string): string {
  return stringify({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: "monitoring.coreos.com",
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  });
}

let sets: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-chart-values-"));
  const binaries = await ensureBinaries();
  helmBin = binaries.helm;
  plane = await startControlPlane("chart-values", dir, binaries);
  const crds = [operatorCrd("ServiceMonitor", "servicemonitors"), operatorCrd("PrometheusRule", "prometheusrules")];
  await kubectl(env, plane.info.kubeconfig, ["apply", "-f", "-"], crds.join("---\n"));
  for (const ns of [namespace, "shop"]) {
    const manifest = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: restricted } };
    await kubectl(env, plane.info.kubeconfig, ["apply", "-f", "-"], stringify(manifest));
  }
  await kube("wait", "--for=condition=Established", "crd/servicemonitors.monitoring.coreos.com");
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("the chart's ci/ value sets", () => {
  it("are the sets this test knows what to check for", async () => {
    sets = (await readdir(ciDir))
      .filter((f) => f.endsWith("-values.yaml"))
      .map((f) => f.replace(/-values\.yaml$/, ""))
      .sort();
    expect(sets).toEqual(Object.keys(checks).sort());
  });

  it.each(Object.keys(checks))(
    "%s: lints strictly, passes restricted Pod Security, installs, and uninstalls",
    async (set) => {
      const file = join(ciDir, `${set}-values.yaml`);
      const lint = await run(helmBin, ["lint", "--strict", chart, "-f", file]);
      expect(lint.stdout).toContain("0 chart(s) failed");

      const manifests = await render("-f", file);
      const pod = await podDryRun(podSpecOf(manifests), namespace);
      expect(pod.stderr).toBe("");
      expect(pod.stdout).toContain("created (server dry run)");

      const installed = await helm("install", "switchyard", chart, "--namespace", namespace, "-f", file);
      expect(installed.stderr).not.toMatch(/PodSecurity|Warning/);
      expect(installed.stdout).toContain("STATUS: deployed");
      const notes = installed.stdout.slice(installed.stdout.indexOf("NOTES:"));
      await checks[set]!(notes);
      const kinds = new Set(manifests.map((m) => `${m.kind}/${m.metadata.name}`));
      const live = await helm("get", "manifest", "switchyard", "--namespace", namespace);
      const liveKinds = new Set(
        parseAllDocuments(live.stdout)
          .map((d) => d.toJS() as Manifest | null)
          .filter((d): d is Manifest => d !== null)
          .map((m) => `${m.kind}/${m.metadata.name}`),
      );
      expect(liveKinds).toEqual(kinds);

      await helm("uninstall", "switchyard", "--namespace", namespace);
      const left = await kubectl(env, plane.info.kubeconfig, ["get", "deployment", "-n", namespace, "-o", "name"]);
      expect(left.stdout.trim()).toBe("");
      expect(await kube("get", "crd", "regionpolicies.switchyard.dev", "-o", "name")).toContain("regionpolicies");
    },
    120_000,
  );
});

describe("the chart's values", () => {
  it("refuse a key the chart does not know, at any level, in helm template and helm lint", async () => {
    for (const unknown of ["replicas=3", "securityContext.runAsUsr=1", "leaderElection.leaseDuration=5"]) {
      const key = unknown.split("=")[0]!.split(".").at(-1)!;
      await expect(render("--set", "region=us-east-1", "--set", unknown)).rejects.toThrow(
        new RegExp(`additional properties '${key}' not allowed`),
      );
      const lint = await run(helmBin, ["lint", "--strict", chart, "--set", "region=us-east-1", "--set", unknown]).catch(
        (error: { stdout: string }) => error,
      );
      expect(lint.stdout).toContain(`additional properties '${key}' not allowed`);
    }
  });

  it("refuse a value of the wrong type, and timings the controller would refuse at start", async () => {
    const refused = async (pattern: RegExp, ...sets: string[]) =>
      expect(render("--set", "region=us-east-1", ...sets.flatMap((s) => ["--set", s]))).rejects.toThrow(pattern);
    await refused(/renewDeadlineSeconds must be shorter/, "leaderElection.renewDeadlineSeconds=15");
    await refused(/retryPeriodSeconds must be shorter/, "leaderElection.retryPeriodSeconds=10");
    await refused(/shutdownGraceSeconds must be shorter/, "shutdownGraceSeconds=45");
    await expect(
      render(
        "--set",
        "region=us-east-1",
        "--set",
        "shutdownGraceSeconds=45",
        "--set",
        "terminationGracePeriodSeconds=60",
      ),
    ).resolves.toBeDefined();
    await expect(render("--set", "region=us-east-1", "--set", "resources.requests.cpu=lots")).rejects.toThrow(/cpu/);
    await expect(render("--set", "region=us-east-1", "--set", "podAntiAffinity=sometimes")).rejects.toThrow(
      /podAntiAffinity/,
    );
  });

  it("put every override where Kubernetes reads it", async () => {
    const spec = podSpecOf(
      await render(
        ...["--set", "region=us-east-1", "--set", "podAntiAffinity=none", "--set-json", "topologySpreadConstraints=[]"],
        ...["--set", "extraArgs[0]=--log-level=debug", "--set-json", 'extraEnv=[{"name":"HTTPS_PROXY","value":"x"}]'],
      ),
    );
    expect(spec.affinity).toBeUndefined();
    expect(spec.topologySpreadConstraints).toBeUndefined();
    // extraArgs come last, and the controller takes the last of a repeated flag.
    expect(spec.containers[0]?.args.at(-1)).toBe("--log-level=debug");
    expect(spec.containers[0]?.env?.map((e) => e.name)).toEqual(["NODE_OPTIONS", "HTTPS_PROXY"]);
  });

  it("as defaults pass restricted Pod Security, and a weakened securityContext does not (the check can fail)", async () => {
    const weakened = podSpecOf(
      await render("--set", "region=us-east-1", "--set", "podSecurityContext.runAsNonRoot=false"),
    );
    const refused = await podDryRun(weakened, namespace);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('violates PodSecurity "restricted:latest"');
  });
});
