/**
 * The chart's CRD lifecycle on a real API server, as a platform team lives it: `helm install` creates the CRDs (they
 * are templates, not crds/, which Helm never upgrades), `helm upgrade` with a changed CRD changes the live one, and
 * `helm uninstall` leaves the CRDs and the users' objects (crds.keep). Uses a control plane of its own: Helm must own
 * the CRDs it installs, and the shared clusters' CRDs are the tests'.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { regionPolicy } from "../fixtures/builders.js";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { kubectl, kubectlOk } from "../env/kubectl.js";

const env = inject("env");
const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const release = ["switchyard", "--namespace", "switchyard-system"];
const crdNames = ["drillschedules", "failoverplans", "failoverruns", "regionpolicies"].map(
  (p) => `${p}.switchyard.dev`,
);

let dir: string;
let plane: ControlPlane;
let helmBin: string;

const helm = (...args: string[]) =>
  run(helmBin, [...args, "--kubeconfig", plane.info.kubeconfig], { maxBuffer: 16 * 1024 * 1024 });
const kube = (...args: string[]) => kubectlOk(env, plane.info.kubeconfig, args);

/** The printer columns the live RegionPolicy CRD has. */
async function liveColumns(): Promise<string[]> {
  const crd = JSON.parse(await kube("get", "crd", "regionpolicies.switchyard.dev", "-o", "json")) as {
    spec: { versions: { additionalPrinterColumns?: { name: string }[] }[] };
  };
  return (crd.spec.versions[0]?.additionalPrinterColumns ?? []).map((c) => c.name);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-chart-"));
  helmBin = (await ensureBinaries()).helm;
  plane = await startControlPlane("chart", dir, await ensureBinaries());
}, 180_000);

afterAll(async () => {
  await plane?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("the chart's CRDs", () => {
  it("are installed, upgraded and kept by Helm, with the users' objects", async () => {
    // Given: the chart installed.
    await helm(
      "install",
      ...release,
      "--create-namespace",
      join(root, "charts", "switchyard"),
      "--set",
      "region=us-east-1",
    );
    for (const name of crdNames) {
      const labels = JSON.parse(await kube("get", "crd", name, "-o", "jsonpath={.metadata.labels}")) as Record<
        string,
        string
      >;
      expect(labels["app.kubernetes.io/managed-by"], name).toBe("Helm");
    }
    expect(await liveColumns()).not.toContain("Quorum");
    // A user's object of one of the kinds.
    const policy = regionPolicy("checkout", (p) => {
      p.metadata.namespace = "default";
    });
    const applied = await kubectl(env, plane.info.kubeconfig, ["apply", "-f", "-"], stringify(policy));
    expect(applied.stderr).toBe("");

    // When: the chart is upgraded with a CRD that has a new printer column.
    const changed = join(dir, "changed-chart");
    await cp(join(root, "charts", "switchyard"), changed, { recursive: true });
    const crdFile = join(changed, "templates", "crds", "regionpolicies.yaml");
    const crd = await readFile(crdFile, "utf8");
    const column = [
      "      additionalPrinterColumns:",
      "        - name: Quorum",
      "          type: integer",
      "          jsonPath: .spec.regionUnhealthyWhen.quorum",
      "          description: Observers that must agree.",
    ].join("\n");
    expect(crd).toContain("      additionalPrinterColumns:\n");
    await writeFile(crdFile, crd.replace("      additionalPrinterColumns:", column));
    await helm("upgrade", ...release, changed, "--set", "region=us-east-1");

    // Then: the live CRD has it.
    expect(await liveColumns()).toContain("Quorum");

    // When: the chart is uninstalled.
    await helm("uninstall", ...release);

    // Then: the CRDs and the user's object stay; the controller's own objects are gone.
    for (const name of crdNames) expect(await kube("get", "crd", name, "-o", "name")).toContain(name);
    expect(await kube("get", "regionpolicy", "checkout", "-n", "default", "-o", "name")).toContain("checkout");
    const left = await kubectl(env, plane.info.kubeconfig, [
      "get",
      "deployment",
      "-n",
      "switchyard-system",
      "-o",
      "name",
    ]);
    expect(left.stdout.trim()).toBe("");
  }, 240_000);

  it("are left out with crds.enabled=false, and not kept with crds.keep=false", async () => {
    const render = async (...sets: string[]) => {
      const args = ["template", "switchyard", join(root, "charts", "switchyard"), "--kube-version", "1.34.4"];
      for (const value of ["region=us-east-1", ...sets]) args.push("--set", value);
      const { stdout } = await run(helmBin, args, { maxBuffer: 16 * 1024 * 1024 });
      return parseAllDocuments(stdout)
        .map((d) => d.toJS() as { kind?: string; metadata?: { annotations?: Record<string, string> } } | null)
        .filter((d) => d?.kind === "CustomResourceDefinition");
    };
    expect(await render("crds.enabled=false")).toEqual([]);
    const unkept = await render("crds.keep=false");
    expect(unkept).toHaveLength(4);
    expect(unkept.every((c) => c?.metadata?.annotations?.["helm.sh/resource-policy"] === undefined)).toBe(true);
    const kept = await render();
    expect(kept.every((c) => c?.metadata?.annotations?.["helm.sh/resource-policy"] === "keep")).toBe(true);
  });
});
