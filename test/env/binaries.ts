/**
 * The real programs the local environment runs: kube-apiserver, kubectl, etcd (and helm and helm-docs for the chart,
 * actionlint for the workflows), built from the Go module proxy at the versions pinned in each
 * test/env/binaries/<program>/go.mod, and cached outside the repository by version so that only the first run on a
 * machine pays for the build.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export interface Binaries {
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
  /** lints the chart and renders deploy/ */
  helm: string;
  /** lints .github/workflows: a release workflow is only run on a tag, far from the change that broke it */
  actionlint: string;
  /** writes the chart's README from values.yaml */
  helmDocs: string;
}

interface Program {
  /** the wrapper module that pins it */
  module: string;
  /** the module whose version names the cache folder */
  versionOf: string;
  /** the cache folder is `<cacheName>-<version>` */
  cacheName: string;
  packagePath: string;
  file: string;
}

const programs = {
  kubeApiserver: {
    module: "kube",
    versionOf: "k8s.io/kubernetes",
    cacheName: "kubernetes",
    packagePath: "k8s.io/kubernetes/cmd/kube-apiserver",
    file: "kube-apiserver",
  },
  kubectl: {
    module: "kube",
    versionOf: "k8s.io/kubernetes",
    cacheName: "kubernetes",
    packagePath: "k8s.io/kubernetes/cmd/kubectl",
    file: "kubectl",
  },
  etcd: {
    module: "etcd",
    versionOf: "go.etcd.io/etcd/server/v3",
    cacheName: "etcd",
    packagePath: "go.etcd.io/etcd/server/v3",
    file: "etcd",
  },
  helm: {
    module: "helm",
    versionOf: "helm.sh/helm/v3",
    cacheName: "helm",
    packagePath: "helm.sh/helm/v3/cmd/helm",
    file: "helm",
  },
  actionlint: {
    module: "actionlint",
    versionOf: "github.com/rhysd/actionlint",
    cacheName: "actionlint",
    packagePath: "github.com/rhysd/actionlint/cmd/actionlint",
    file: "actionlint",
  },
  helmDocs: {
    module: "helm-docs",
    versionOf: "github.com/norwoodj/helm-docs",
    cacheName: "helm-docs",
    packagePath: "github.com/norwoodj/helm-docs/cmd/helm-docs",
    file: "helm-docs",
  },
} satisfies Record<keyof Binaries, Program>;

export function cacheDir(): string {
  return process.env.SWITCHYARD_CACHE_DIR ?? join(homedir(), ".cache", "switchyard");
}

/** The version a wrapper go.mod pins for a module: the go.mod is the one place versions are written. */
export async function pinnedVersion(module: string, modulePath: string): Promise<string> {
  const goMod = await readFile(join(here, "binaries", module, "go.mod"), "utf8");
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match?.[1]) throw new Error(`test/env/binaries/${module}/go.mod does not pin ${modulePath}`);
  return match[1];
}

async function programPath(program: Program): Promise<string> {
  const version = await pinnedVersion(program.module, program.versionOf);
  return join(cacheDir(), "bin", `${program.cacheName}-${version}`, program.file);
}

/** Stamps the version into the binary as upstream's release build does, so `--version` and `/version` tell the truth. */
function versionFlags(program: Program, version: string): string {
  if (program.cacheName === "helm") return `-X helm.sh/helm/v3/internal/version.version=${version}`;
  if (program.cacheName === "actionlint") return `-X github.com/rhysd/actionlint.version=${version}`;
  if (program.cacheName !== "kubernetes") return "";
  const [major, minor] = version.replace(/^v/, "").split(".");
  return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]
    .flatMap((pkg) => [`-X ${pkg}.gitVersion=${version}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`])
    .join(" ");
}

async function build(program: Program, target: string, log: (line: string) => void): Promise<void> {
  log(`building ${program.file} (${program.packagePath}) into ${target}; the first build takes minutes`);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  try {
    const version = await pinnedVersion(program.module, program.versionOf);
    const args = ["build", "-trimpath", "-ldflags", versionFlags(program, version), "-o", partial, program.packagePath];
    await run("go", args, {
      cwd: join(here, "binaries", program.module),
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" },
      maxBuffer: 64 * 1024 * 1024,
    });
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw new Error(`could not build ${program.file}: ${(error as Error).message}`);
  }
}

/** The path of one binary, building only it when it is not yet cached (a unit test needs one, not the set). */
export async function ensureBinary(
  name: keyof Binaries,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const program: Program = programs[name];
  const path = await programPath(program);
  if (!existsSync(path)) await build(program, path, log);
  return path;
}

/** Paths of the binaries, building the ones not yet cached. Fails loudly: tests never skip for a missing binary. */
export async function ensureBinaries(log: (line: string) => void = () => undefined): Promise<Binaries> {
  const result: Partial<Binaries> = {};
  // Sequential on purpose: two Go builds at once on a small machine are slower than one after the other.
  for (const [name, program] of Object.entries(programs) as [keyof Binaries, Program][]) {
    const path = await programPath(program);
    if (!existsSync(path)) await build(program, path, log);
    result[name] = path;
  }
  return result as Binaries;
}
