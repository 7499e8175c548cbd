/** `npm run bench`: runs every bench/<name>.ts in turn, each in its own process, as `npx tsx bench/<name>.ts` would. */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const benches = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "run-all.ts" && !file.startsWith("_"))
  .sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n# ${bench}`);
  const result = spawnSync("npx", ["tsx", join(here, bench)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
