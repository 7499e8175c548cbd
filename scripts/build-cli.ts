/**
 * Builds the CLI an SRE installs, in two forms made from one bundle:
 *
 *   tsx scripts/build-cli.ts            packages/cli/dist/switchyard.cjs: the npm package @switchyard-dev/cli
 *   tsx scripts/build-cli.ts sea DIR    DIR/kubectl-switchyard, a single executable (Node.js SEA) of this platform,
 *                                       and DIR/kubectl-switchyard_<os>_<arch>.tar.gz, the release/krew archive
 *
 * One bundle with every dependency inside, rather than the compiled dist/ with dependencies: `npm install -g` resolves
 * a package's dependency ranges afresh and ignores this repository's package-lock.json, so a bundle is the only way
 * the user runs the exact dependency versions the tests ran. The third-party licences go in beside it.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { cacheDir } from "../test/env/binaries.js";
import { dependencyWarningsPrelude, readPackageJson, root, writeLicences } from "./bundle.js";

export const cliPackageDir = join(root, "packages", "cli");
export const bundlePath = join(cliPackageDir, "dist", "switchyard.cjs");
/** kubectl runs `kubectl switchyard` as the executable named kubectl-switchyard on PATH. */
export const executableName = "kubectl-switchyard";

/** postject writes the SEA blob into a copy of node; pinned with the registry's integrity of that version. */
const postject = {
  version: "1.0.0-alpha.6",
  integrity: "sha512-b9Eb8h2eVqNE8edvKdwqkrY6O7kAwmI8kcnBv1NScolYJbo59XUF0noFq+lxbC1yN20bmC0WBEbDC5H/7ASb0A==",
};
/** The marker Node.js looks for to know a blob was injected (docs: single executable applications). */
const seaFuse = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/**
 * Runs before the bundle's first module. CommonJS has no import.meta, and src/crds/definitions.ts computes a path from
 * it when loaded.
 */
const prelude = `var __importMetaUrl = require("node:url").pathToFileURL(__filename).href;
${dependencyWarningsPrelude}`;

/** Bundles src/cli/main.ts into one CommonJS file: the format a single executable's main script must have. */
export async function buildBundle(): Promise<string> {
  const { version } = await readPackageJson(root);
  const result = await build({
    entryPoints: [join(root, "src", "cli", "main.ts")],
    outfile: bundlePath,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    metafile: true,
    logLevel: "warning",
    banner: { js: prelude },
    define: { "import.meta.url": "__importMetaUrl", SWITCHYARD_VERSION: JSON.stringify(version) },
  });
  await chmod(bundlePath, 0o755);
  await writeLicences(Object.keys(result.metafile.inputs), bundlePath);
  return bundlePath;
}

/** postject's API module, fetched once with `npm pack` and checked against the pinned integrity, then cached. */
interface Postject {
  inject: (file: string, name: string, data: Buffer, options: Record<string, unknown>) => Promise<void>;
}

async function postjectApi(): Promise<Postject> {
  const home = join(cacheDir(), "bin", `postject-${postject.version}`);
  const api = join(home, "package", "dist", "api.js");
  if (!existsSync(api)) {
    const work = await mkdtemp(join(tmpdir(), "postject-"));
    try {
      execFileSync("npm", ["pack", "--silent", `postject@${postject.version}`], { cwd: work, stdio: "ignore" });
      const tarball = join(work, `postject-${postject.version}.tgz`);
      const digest = `sha512-${createHash("sha512")
        .update(await readFile(tarball))
        .digest("base64")}`;
      if (digest !== postject.integrity) throw new Error(`postject ${postject.version}: integrity ${digest}`);
      execFileSync("tar", ["-xzf", tarball, "-C", work]);
      await mkdir(dirname(home), { recursive: true });
      await rm(home, { recursive: true, force: true });
      await rename(work, home);
    } catch (error) {
      await rm(work, { recursive: true, force: true });
      throw error;
    }
  }
  return createRequire(import.meta.url)(api) as Postject;
}

/** The os/arch names of Go, kubectl and krew, which the release archives are named with. */
export function platformName(platform = process.platform, arch = process.arch): string {
  const os = { linux: "linux", darwin: "darwin" }[platform as string];
  const cpu = { x64: "amd64", arm64: "arm64" }[arch as string];
  if (!os || !cpu) throw new Error(`no release build for ${platform}/${arch}`);
  return `${os}_${cpu}`;
}

/**
 * A single executable of the bundle for this machine's platform, from the running node binary: Node.js's SEA steps
 * (blob, copy of node, inject, on macOS re-sign), then the archive krew and the release page point at.
 */
export async function buildExecutable(
  outDir: string,
): Promise<{ executable: string; archive: string; sha256: string }> {
  const bundle = await buildBundle();
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), "switchyard-sea-"));
  try {
    const blob = join(work, "sea.blob");
    const config = {
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      // Both would tie the blob to this exact build of node; without them the blob is plain source.
      useSnapshot: false,
      useCodeCache: false,
    };
    await writeFile(join(work, "sea-config.json"), JSON.stringify(config));
    execFileSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], { stdio: "pipe" });
    const executable = join(outDir, executableName);
    await rm(executable, { force: true });
    await copyFile(process.execPath, executable);
    await chmod(executable, 0o755);
    const darwin = process.platform === "darwin";
    // The copy carries node's signature, which injecting invalidates; macOS on arm64 runs nothing unsigned.
    if (darwin) execFileSync("codesign", ["--remove-signature", executable]);
    const { inject } = await postjectApi();
    await inject(executable, "NODE_SEA_BLOB", await readFile(blob), {
      sentinelFuse: seaFuse,
      ...(darwin ? { machoSegmentName: "NODE_SEA" } : {}),
    });
    if (darwin) execFileSync("codesign", ["--sign", "-", executable]);

    const archive = join(outDir, `${executableName}_${platformName()}.tar.gz`);
    const members = [executableName, "THIRD_PARTY_LICENSES.md"];
    await copyFile(join(dirname(bundle), "THIRD_PARTY_LICENSES.md"), join(outDir, "THIRD_PARTY_LICENSES.md"));
    if (existsSync(join(root, "LICENSE"))) {
      await copyFile(join(root, "LICENSE"), join(outDir, "LICENSE"));
      members.push("LICENSE");
    }
    execFileSync("tar", ["-czf", archive, "-C", outDir, ...members]);
    const sha256 = createHash("sha256")
      .update(await readFile(archive))
      .digest("hex");
    return { executable, archive, sha256 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, outDir] = argv;
  if (command === undefined) {
    console.log(relative(process.cwd(), await buildBundle()));
    return;
  }
  if (command === "sea" && outDir) {
    const { executable, archive, sha256 } = await buildExecutable(outDir);
    console.log(`${relative(process.cwd(), executable)}\n${sha256}  ${relative(process.cwd(), archive)}`);
    return;
  }
  throw new Error("usage: build-cli.ts [sea OUT_DIR]");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
