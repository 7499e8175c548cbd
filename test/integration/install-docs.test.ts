/**
 * docs/install.md's commands, run as written against a real API server, so the install guide cannot drift from what
 * works. Every `sh` block is marked either `<!-- test: <scope> -->` (run here) or `<!-- not run by the test: why -->`
 * (it needs AWS or running pods). The blocks of one scope run in the order of the document, with bash -euo pipefail,
 * in a copy of the repository's charts/, deploy/ and examples/ (the guide copies an overlay), with helm and kubectl
 * on PATH and KUBECONFIG set; each scope has a fresh control plane of its own, as each is a different way to install.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { ensureBinaries, type Binaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { kubectl, kubectlOk } from "../env/kubectl.js";

const env = inject("env");
const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");

interface Block {
  scope: string | undefined;
  skipped: string | undefined;
  script: string;
  line: number;
}

/** The `sh` blocks of the guide, each with the marker on the line before its fence. */
function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```sh") continue;
    const marker = lines[i - 1] ?? "";
    const end = lines.indexOf("```", i + 1);
    blocks.push({
      scope: /^<!-- test: ([a-z-]+) -->$/.exec(marker)?.[1],
      skipped: /^<!-- not run by the test: (.+) -->$/.exec(marker)?.[1],
      script: lines.slice(i + 1, end).join("\n"),
      line: i + 1,
    });
    i = end;
  }
  return blocks;
}

let blocks: Block[];
let binaries: Binaries;
let dir: string;

beforeAll(async () => {
  blocks = shellBlocks(await readFile(join(root, "docs", "install.md"), "utf8"));
  binaries = await ensureBinaries();
  dir = await mkdtemp(join(tmpdir(), "switchyard-install-docs-"));
  await mkdir(join(dir, "bin"));
  await symlink(binaries.helm, join(dir, "bin", "helm"));
  await symlink(binaries.kubectl, join(dir, "bin", "kubectl"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs one scope's blocks on a fresh control plane, then hands the plane to `check` before stopping it. */
async function runScope(scope: string, check: (plane: ControlPlane) => Promise<void>): Promise<string[]> {
  const scoped = blocks.filter((b) => b.scope === scope);
  expect(scoped.length, `blocks of scope ${scope}`).toBeGreaterThan(0);
  const work = join(dir, scope);
  await mkdir(work);
  for (const folder of ["charts", "deploy", "examples"])
    await cp(join(root, folder), join(work, folder), { recursive: true });
  const plane = await startControlPlane(`docs-${scope}`, join(dir, `plane-${scope}`), binaries);
  try {
    // The peer kubeconfig the guide builds names a CA certificate file: this plane's.
    const kubeconfig = parse(await readFile(plane.info.kubeconfig, "utf8")) as {
      clusters: { cluster: { "certificate-authority-data": string } }[];
    };
    const ca = Buffer.from(kubeconfig.clusters[0]!.cluster["certificate-authority-data"], "base64");
    await writeFile(join(work, "eu-west-1-ca.crt"), ca);
    const outputs: string[] = [];
    for (const block of scoped) {
      const result = await run("bash", ["-euo", "pipefail", "-c", block.script], {
        cwd: work,
        env: {
          ...process.env,
          PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}`,
          KUBECONFIG: plane.info.kubeconfig,
          HELM_CACHE_HOME: join(dir, "helm-cache"),
          HELM_CONFIG_HOME: join(dir, "helm-config"),
          HELM_DATA_HOME: join(dir, "helm-data"),
        },
        maxBuffer: 16 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(
          `docs/install.md line ${block.line} failed:\n${block.script}\n${error.stderr ?? error.message}`,
        );
      });
      outputs.push(result.stdout);
    }
    await check(plane);
    return outputs;
  } finally {
    await plane.stop();
  }
}

describe("docs/install.md", () => {
  it("marks every shell block as run by this test or says why not", () => {
    const unmarked = blocks.filter((b) => !b.scope && !b.skipped).map((b) => `line ${b.line}`);
    expect(unmarked).toEqual([]);
    expect(new Set(blocks.map((b) => b.scope).filter(Boolean))).toEqual(new Set(["helm", "namespaced", "kustomize"]));
  });

  it("Helm cluster-wide: install, policy, IRSA annotation, peer Secret, upgrade, uninstall keeping the CRDs", async () => {
    const outputs = await runScope("helm", async (plane) => {
      // The guide's last step removed the CRDs, deliberately; the controller's objects went with the release.
      const crd = await kubectl(env, plane.info.kubeconfig, ["get", "crd", "regionpolicies.switchyard.dev"]);
      expect(crd.stderr).toContain("NotFound");
      const left = await kubectl(env, plane.info.kubeconfig, [
        "get",
        "deployment",
        "-n",
        "switchyard-system",
        "-o",
        "name",
      ]);
      expect(left.stdout.trim()).toBe("");
      const secret = await kubectlOk(env, plane.info.kubeconfig, [
        ...["get", "secret", "peer-eu-west-1", "-n", "checkout", "-o", "jsonpath={.data.kubeconfig}"],
      ]);
      const peer = parse(Buffer.from(secret, "base64").toString()) as {
        "current-context": string;
        users: { user: { token?: string } }[];
        clusters: { cluster: { "certificate-authority-data"?: string } }[];
      };
      expect(peer["current-context"]).toBe("eu-west-1");
      expect(peer.users[0]?.user.token).toMatch(/^ey/);
      expect(peer.clusters[0]?.cluster["certificate-authority-data"]).toBeTruthy();
    });
    const all = outputs.join("\n");
    expect(all).toContain("STATUS: deployed");
    expect(all).toContain("It serves every namespace (cluster-wide RBAC).");
    expect(all).toMatch(/^switchyard-tenant\s/m);
    expect(all).toContain("regionpolicy.switchyard.dev/checkout created");
    expect(all).toContain('"eks.amazonaws.com/role-arn":"arn:aws:iam::123456789012:role/switchyard-controller"');
    // install, IRSA upgrade, upgrade
    expect(all).toMatch(/^3\s.*deployed/m);
  }, 240_000);

  it("Helm in one namespace: no cluster-wide right, CRDs by the cluster admin", async () => {
    const outputs = await runScope("namespaced", async (plane) => {
      const can = async (namespace: string) =>
        (
          await kubectl(env, plane.info.kubeconfig, [
            ...["auth", "can-i", "list", "regionpolicies.switchyard.dev", "-n", namespace],
            "--as=system:serviceaccount:checkout:switchyard",
          ])
        ).stdout.trim();
      expect(await can("checkout")).toBe("yes");
      expect(await can("default")).toBe("no");
      const clusterRoles = await kubectlOk(env, plane.info.kubeconfig, [
        ...["get", "clusterrole", "-l", "app.kubernetes.io/instance=switchyard", "-o", "name"],
      ]);
      expect(clusterRoles.trim()).toBe("");
    });
    expect(outputs.join("\n")).toContain("It serves namespace checkout only, with no cluster-wide right");
  }, 240_000);

  it("kubectl and kustomize: apply an overlay, make one for another region, delete the controller keeping the CRDs", async () => {
    const outputs = await runScope("kustomize", async (plane) => {
      expect(
        await kubectlOk(env, plane.info.kubeconfig, ["get", "crd", "regionpolicies.switchyard.dev", "-o", "name"]),
      ).toContain("regionpolicies");
      const left = await kubectl(env, plane.info.kubeconfig, [
        "get",
        "deployment",
        "-n",
        "switchyard-system",
        "-o",
        "name",
      ]);
      expect(left.stdout.trim()).toBe("");
    });
    expect(outputs[0]).toContain("--region=us-east-1");
    expect(outputs[1]).toContain("--region=ap-southeast-2");
  }, 240_000);
});
