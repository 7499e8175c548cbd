/**
 * The krew plugin manifest of a release, from the checksums of its archives:
 *
 *   tsx scripts/krew-manifest.ts v0.1.0 SHA256SUMS > switchyard.yaml
 *
 * Written by the release workflow and attached to the release, because a manifest is only true with the sha256 of
 * archives that exist: one committed ahead of the release would carry made-up checksums that krew rejects. The same
 * file is what a pull request to krew-index carries.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

export const releaseBase = "https://github.com/switchyard-dev/switchyard/releases/download";
/** kubectl's and krew's platform names; the CLI archives exist for each (release workflow, cli job). */
export const krewPlatforms = [
  { os: "linux", arch: "amd64" },
  { os: "linux", arch: "arm64" },
  { os: "darwin", arch: "amd64" },
  { os: "darwin", arch: "arm64" },
] as const;

export function archiveName(os: string, arch: string): string {
  return `kubectl-switchyard_${os}_${arch}.tar.gz`;
}

/** `sha256sum` output: "<hex>  <file>" per line. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (match?.[1] && match[2]) sums.set(match[2].replace(/^.*\//, ""), match[1]);
  }
  return sums;
}

export function krewManifest(tag: string, checksums: Map<string, string>): Record<string, unknown> {
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(tag)) throw new Error(`${tag} is not a v-prefixed semantic version`);
  const platforms = krewPlatforms.map(({ os, arch }) => {
    const file = archiveName(os, arch);
    const sha256 = checksums.get(file);
    if (!sha256) throw new Error(`no checksum for ${file}: the release needs an archive for every platform`);
    return {
      selector: { matchLabels: { os, arch } },
      uri: `${releaseBase}/${tag}/${file}`,
      sha256,
      bin: "kubectl-switchyard",
      files: [
        { from: "kubectl-switchyard", to: "." },
        { from: "THIRD_PARTY_LICENSES.md", to: "." },
      ],
    };
  });
  return {
    apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
    kind: "Plugin",
    metadata: { name: "switchyard" },
    spec: {
      version: tag,
      homepage: "https://github.com/switchyard-dev/switchyard",
      shortDescription: "Drive and inspect Switchyard multi-region failover",
      description: [
        "The command line of Switchyard, the Kubernetes operator that automates multi-region failover:",
        "status of each policy and region, failover previews (dry runs), manual failovers, approvals,",
        "the automation kill switch, drills, and run reports with RTO and RPO.",
        "A single executable: it needs no Node.js on the machine.",
      ].join("\n"),
      caveats: "Needs the Switchyard controller and CRDs in the cluster (see docs/install.md).\n",
      platforms,
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const [tag, sumsFile] = argv;
  if (!tag || !sumsFile) throw new Error("usage: krew-manifest.ts TAG SHA256SUMS");
  process.stdout.write(stringify(krewManifest(tag, parseChecksums(await readFile(sumsFile, "utf8")))));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
