/**
 * What the two bundles (the CLI, scripts/build-cli.ts, and the controller image's, scripts/build-controller.ts) share:
 * the third-party licence file each ships beside itself, and the prelude that keeps two dependency deprecation
 * warnings as quiet as they are unbundled.
 */
import { readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface PackageJson {
  name: string;
  version: string;
  license?: string;
}

export async function readPackageJson(dir: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as PackageJson;
}

/**
 * Node.js does not print the deprecation warnings of code under node_modules (the user cannot fix a dependency);
 * bundled, the dependencies' calls (node-fetch's url.parse, tr46's punycode) no longer look like it, so those two are
 * held back as they would be unbundled. Any other warning still prints.
 */
export const dependencyWarningsPrelude = `(() => {
  const emitWarning = process.emitWarning;
  const dependencyDeprecations = new Set(["DEP0040", "DEP0169"]);
  process.emitWarning = function (warning, ...rest) {
    const code = typeof rest[0] === "object" && rest[0] !== null ? rest[0].code : rest[1];
    if (dependencyDeprecations.has(code)) return;
    return emitWarning.call(process, warning, ...rest);
  };
})();`;

/**
 * THIRD_PARTY_LICENSES.md beside a bundle: each bundled package's name, version, licence and licence text, as their
 * licences ask. `inputs` are the bundle's input files (esbuild's metafile).
 */
export async function writeLicences(inputs: string[], bundleFile: string): Promise<void> {
  const dirs = new Set<string>();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) dirs.add(join(root, match[1]));
  }
  const sections: string[] = [];
  for (const dir of [...dirs].sort()) {
    const pkg = await readPackageJson(dir);
    const licenceFile = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = licenceFile ? (await readFile(join(dir, licenceFile), "utf8")).trim() : "(no licence file shipped)";
    sections.push(`## ${pkg.name}@${pkg.version} (${pkg.license ?? "unknown"})\n\n\`\`\`\n${text}\n\`\`\`\n`);
  }
  const name = bundleFile.slice(dirname(bundleFile).length + 1);
  const header = `# Third-party software bundled in ${name}\n\n`;
  await writeFile(join(dirname(bundleFile), "THIRD_PARTY_LICENSES.md"), header + sections.join("\n"));
}
