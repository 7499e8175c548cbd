/**
 * The README's main command (`make demo`): a local two-region environment with Switchyard's API installed and the
 * example checkout application applied in both regions.
 *   --hold   keep the environment running until Ctrl-C (prints how to reach it)
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnvironment } from "../test/env/environment.js";
import { installCrds, kubectlOk } from "../test/env/kubectl.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const say = (line: string) => console.log(`\n▶ ${line}`);

async function main(hold: boolean): Promise<void> {
  say("Starting two regions (etcd + kube-apiserver each) and the AWS emulator (moto server + Switchyard plugin)");
  const env = await startEnvironment({ regionCount: 2, log: (line) => console.log(`  ${line}`) });
  try {
    for (const region of env.info.regions) {
      say(`Region ${region.name}: ${region.server}`);
      await installCrds(env.info, region.kubeconfig, join(root, "src", "crds"));
      console.log(await kubectlOk(env.info, region.kubeconfig, ["apply", "-f", join(root, "examples", "checkout")]));
      console.log(await kubectlOk(env.info, region.kubeconfig, ["get", "switchyard", "-o", "wide"]));
    }
    say(`AWS emulator: ${env.info.aws.endpoint}`);
    if (hold) {
      say(
        `Holding. Try: ${env.info.kubectl} --kubeconfig ${env.info.regions[0]?.kubeconfig} explain regionpolicy.spec`,
      );
      say("Press Ctrl-C to stop.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }
  } finally {
    say("Stopping the environment");
    await env.stop();
  }
}

main(process.argv.includes("--hold")).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
