/** The CLI's version: the package's, so `switchyard version` names the release a bug report is about. */
import { readFileSync } from "node:fs";

/** Set by scripts/build-cli.ts in the bundle and the single executable, which have no package.json beside them. */
declare const SWITCHYARD_VERSION: string | undefined;

export function cliVersion(): string {
  if (typeof SWITCHYARD_VERSION === "string") return SWITCHYARD_VERSION;
  // src/cli/version.ts and dist/cli/version.js are both two folders below package.json.
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
