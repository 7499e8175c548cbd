/**
 * The CLI as an SRE installs it, each form built as the release builds it and run as a laptop runs it: the npm
 * package (packed, installed globally into a scratch prefix, found through PATH, also by kubectl as a plugin), and
 * the single executable with its release archive and krew manifest.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { buildBundle, buildExecutable, cliPackageDir, executableName, platformName } from "../../scripts/build-cli.js";
import { archiveName, krewManifest, krewPlatforms, parseChecksums } from "../../scripts/krew-manifest.js";
import { ensureBinary } from "../env/binaries.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const rootPackage = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program and returns how it ended, instead of throwing on a non-zero exit. */
async function exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(file, args, { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : -1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? "",
    };
  }
}

let scratch = "";
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "switchyard-cli-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("the npm package @switchyard-dev/cli", () => {
  it("has its own scoped name and the repository's version", async () => {
    const pkg = JSON.parse(await readFile(join(cliPackageDir, "package.json"), "utf8")) as Record<string, unknown>;
    // Unscoped `switchyard` belongs to an unrelated package on the registry.
    expect(pkg.name).toBe("@switchyard-dev/cli");
    expect(pkg.version).toBe(rootPackage.version);
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.bin).toEqual({ switchyard: "dist/switchyard.cjs", "kubectl-switchyard": "dist/switchyard.cjs" });
  });

  it("packs only the bundle and its licences, installs offline, and runs through PATH and as a kubectl plugin", async () => {
    await buildBundle();
    const packed = await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: cliPackageDir });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    expect(info?.files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "dist/THIRD_PARTY_LICENSES.md",
      "dist/switchyard.cjs",
      "package.json",
    ]);
    const prefix = join(scratch, "global");
    // --offline: the package has no dependencies to fetch, so an install needs nothing but the tarball.
    await run("npm", [
      "install",
      "-g",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--prefix",
      prefix,
      join(scratch, info?.filename ?? ""),
    ]);

    const kubectl = await ensureBinary("kubectl");
    // Only the install's bin folder and node: nothing from the checkout can stand in for the installed program.
    const env = { HOME: scratch, PATH: [join(prefix, "bin"), dirname(process.execPath)].join(delimiter) };
    const direct = await exec("kubectl-switchyard", ["--help"], env);
    expect(direct).toMatchObject({ code: 0, stderr: "" });
    expect(direct.stdout).toContain("Usage: kubectl switchyard [options] [command]");
    expect(direct.stdout).toMatch(/^ {2}status \[policy\] /m);
    expect((await exec("switchyard", ["version"], env)).stdout.trim()).toBe(rootPackage.version);

    const plugin = await exec(kubectl, ["switchyard", "--help"], env);
    expect(plugin).toMatchObject({ code: 0, stderr: "" });
    expect(plugin.stdout).toContain("Usage: kubectl switchyard [options] [command]");
    expect((await exec(kubectl, ["plugin", "list", "--name-only"], env)).stdout).toContain("kubectl-switchyard");
    // A usage error keeps its documented exit code (2) through kubectl.
    expect((await exec(kubectl, ["switchyard", "no-such-command"], env)).code).toBe(2);
  }, 120_000);
});

describe("the single executable (Node.js SEA) and its release archive", () => {
  let built: Awaited<ReturnType<typeof buildExecutable>>;
  beforeAll(async () => {
    built = await buildExecutable(join(scratch, "sea"));
  }, 120_000);

  it("runs with no Node.js on PATH: --help, version, and the documented exit code of a usage error", async () => {
    const env = { HOME: scratch, PATH: "/nonexistent" };
    const help = await exec(built.executable, ["--help"], env);
    // No experimental or deprecation warning: stderr is the user's, not Node's.
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain(`Usage: ${executableName.replace("-", " ")} [options] [command]`);
    expect(await exec(built.executable, ["version"], env)).toEqual({
      code: 0,
      stdout: `${rootPackage.version}\n`,
      stderr: "",
    });
    expect((await exec(built.executable, ["--version"], env)).stdout.trim()).toBe(rootPackage.version);
    expect((await exec(built.executable, ["status", "--bogus"], env)).code).toBe(2);
    const unreachable = await exec(built.executable, ["status", "--kubeconfig", join(scratch, "none")], env);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toMatch(/^error: kubeconfig /);
    // Node.js itself is most of it; the bundle adds a few MB (reported in docs/cli.md).
    expect((await stat(built.executable)).size).toBeLessThan(200 * 1024 * 1024);
  });

  it("is described by a krew manifest krew accepts, whose entry for this platform installs a working plugin", async () => {
    const sums = new Map(
      krewPlatforms.map(({ os, arch }) => [
        archiveName(os, arch),
        `${os}_${arch}` === platformName() ? built.sha256 : "0".repeat(64),
      ]),
    );
    const manifest = parse(stringify(krewManifest(`v${rootPackage.version}`, sums))) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: {
        version: string;
        shortDescription: string;
        platforms: {
          selector: { matchLabels: { os: string; arch: string } };
          uri: string;
          sha256: string;
          bin: string;
          files: { from: string; to: string }[];
        }[];
      };
    };
    expect(manifest).toMatchObject({
      apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
      kind: "Plugin",
      metadata: { name: "switchyard" },
      spec: { version: `v${rootPackage.version}` },
    });
    // krew's own validation: a short description under 256 characters, a name without the kubectl- prefix.
    expect(manifest.spec.shortDescription.length).toBeLessThan(256);
    expect(manifest.spec.platforms.map((p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`)).toEqual([
      "linux/amd64",
      "linux/arm64",
      "darwin/amd64",
      "darwin/arm64",
    ]);
    for (const platform of manifest.spec.platforms) {
      expect(platform.uri).toBe(
        `https://github.com/switchyard-dev/switchyard/releases/download/v${rootPackage.version}/${archiveName(platform.selector.matchLabels.os, platform.selector.matchLabels.arch)}`,
      );
      expect(platform.sha256).toMatch(/^[0-9a-f]{64}$/);
    }

    // Install this platform's entry as krew does: check the sha256, unpack, copy `files`, run `bin`.
    const [os, arch] = platformName().split("_");
    const entry = manifest.spec.platforms.find(
      (p) => p.selector.matchLabels.os === os && p.selector.matchLabels.arch === arch,
    );
    const sha = (await run("sha256sum", [built.archive])).stdout.split(/\s+/)[0];
    expect(entry?.sha256).toBe(sha);
    const unpacked = join(scratch, "krew");
    await run("mkdir", ["-p", unpacked]);
    await run("tar", ["-xzf", built.archive, "-C", unpacked]);
    for (const file of entry?.files ?? []) await stat(join(unpacked, file.from));
    const ran = await exec(join(unpacked, entry?.bin ?? ""), ["version"], { PATH: "/nonexistent" });
    expect(ran).toEqual({ code: 0, stdout: `${rootPackage.version}\n`, stderr: "" });
  });

  it("refuses a manifest with a missing platform or a tag that is not a version", () => {
    const sums = parseChecksums(
      krewPlatforms.map(({ os, arch }) => `${"a".repeat(64)}  dist/${archiveName(os, arch)}`).join("\n"),
    );
    expect(() => krewManifest("v1.2.3", sums)).not.toThrow();
    expect(() => krewManifest("1.2.3", sums)).toThrow(/semantic version/);
    sums.delete(archiveName("darwin", "arm64"));
    expect(() => krewManifest("v1.2.3", sums)).toThrow(/darwin_arm64/);
  });
});
