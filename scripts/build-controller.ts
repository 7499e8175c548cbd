/**
 * Builds what the controller image runs: one ES module with every dependency inside,
 *
 *   tsx scripts/build-controller.ts     dist/image/controller.mjs, the CRD files beside it (src/crds/definitions.ts
 *                                       reads them at start), THIRD_PARTY_LICENSES.md and a source map
 *
 * A bundle, not the compiled dist/ with node_modules: loading @kubernetes/client-node's thousand modules kept their
 * source text and code in the heap, over 80 MiB of resident memory before the first policy (measured with
 * bench/steady-state.ts); bundled, only the code the controller reaches is loaded. Whitespace and syntax are minified,
 * names kept, so a stack trace still names its functions; the source map maps it back with
 * NODE_OPTIONS=--enable-source-maps.
 */
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { dependencyWarningsPrelude, root, writeLicences } from "./bundle.js";

export const controllerDir = join(root, "dist", "image");
export const controllerBundle = join(controllerDir, "controller.mjs");

/** CommonJS dependencies inside an ES module still call require() for Node.js's own modules. */
const prelude = `import { createRequire as __switchyardCreateRequire } from "node:module";
const require = __switchyardCreateRequire(import.meta.url);
${dependencyWarningsPrelude}`;

export async function buildController(): Promise<string> {
  await rm(controllerDir, { recursive: true, force: true });
  await mkdir(controllerDir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, "src", "runtime", "main.ts")],
    outfile: controllerBundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "warning",
    banner: { js: prelude },
  });
  const crds = join(root, "src", "crds");
  for (const file of (await readdir(crds)).filter((f) => f.endsWith(".yaml"))) {
    await copyFile(join(crds, file), join(controllerDir, file));
  }
  await writeLicences(Object.keys(result.metafile.inputs), controllerBundle);
  return controllerBundle;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildController()
    .then((bundle) => console.log(relative(process.cwd(), bundle)))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
