/**
 * Cold start of the local environment with the binaries already cached: two control planes (etcd + kube-apiserver
 * each) and the AWS emulator, from nothing to every API answering. Goal: under 15 s.
 *   npx tsx bench/env-cold-start.ts [--runs N]
 */
import { ensureBinaries } from "../test/env/binaries.js";
import { startEnvironment } from "../test/env/environment.js";
import { percentile, report } from "./_report.js";

const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 3;

await ensureBinaries((line) => console.error(line));
const samples: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const env = await startEnvironment({ regionCount: 2 });
  samples.push((performance.now() - started) / 1000);
  await env.stop();
}
report("env_cold_start_2_regions_p50", percentile(samples, 50), "s");
report("env_cold_start_2_regions_max", Math.max(...samples), "s");
