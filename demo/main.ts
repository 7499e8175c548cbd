/**
 * The README's main command (`make demo`): Switchyard against a local two-region environment it starts itself, in
 * seven acts, one file each in `demo/acts/`:
 *
 *   1-regions      two real control planes (us-east-1, eu-west-1) and the AWS emulator;
 *   2-checkout     the example checkout application: Route53 weights + fencing record, an Aurora global database, a
 *                  flag ConfigMap per region, the RegionPolicy (Automatic) and FailoverPlan in both clusters;
 *   3-controllers  one Switchyard controller per region, probing each region's HTTP endpoint;
 *   4-failover     us-east-1's endpoint starts failing: watch the controllers detect it (dampened), decide, and
 *                  eu-west-1's controller fail over — writes frozen, traffic and the fencing epoch moved in one batch,
 *                  the Aurora writer promoted, writes resumed — then the run's evidence;
 *   5-stay-put     us-east-1 recovers: both controllers see it Healthy again and Switchyard stays put (failback is
 *                  Manual in this policy: no flip-flop);
 *   6-failback     the failback, as an SRE does it: a manual FailoverRun eu-west-1 → us-east-1, executed by
 *                  us-east-1's controller — traffic back, the writer back by a switchover (no data loss), fencing
 *                  epoch 3 — then its evidence;
 *   7-report       the run report of both runs (RTO and RPO against the policy's objectives, anomalies), also written
 *                  as Markdown.
 * Beside them: `stage.ts` (what every act works on), `world.ts` (the checkout world as printed and checked),
 * `runs.ts` (a run followed step by step, then its evidence).
 *
 *   --hold   keep everything running until Ctrl-C afterwards (prints how to reach it)
 * Exit status 0 when the failover and the failback both succeeded and the world shows each.
 */
import { startRegions } from "./acts/1-regions.js";
import { deployCheckout } from "./acts/2-checkout.js";
import { startControllerPerRegion } from "./acts/3-controllers.js";
import { failOver } from "./acts/4-failover.js";
import { stayPut } from "./acts/5-stay-put.js";
import { failBack } from "./acts/6-failback.js";
import { reportRuns } from "./acts/7-report.js";
import { namespace, say, step, stopStage, type Stage } from "./stage.js";

async function main(hold: boolean): Promise<boolean> {
  const stage = await startRegions();
  try {
    const world = await deployCheckout(stage);
    await startControllerPerRegion(stage);
    const failover = await failOver(stage, world);
    if (!failover.ok) return false;
    if (!(await stayPut(stage, world, failover))) return false;
    const failback = await failBack(stage, world);
    await reportRuns(stage, [
      ["eu-west-1", failover.run],
      ["us-east-1", failback.run],
    ]);
    // The failover and the stay-put have held to get here: the failback decides.
    const ok = failback.ok;
    say(
      ok
        ? "✔ demo complete: automatic failover, no flip-flop on recovery, manual failback without data loss"
        : "✘ the demo did not complete",
    );
    if (hold) await holdUntilStopped(stage);
    return ok;
  } finally {
    await stopStage(stage);
  }
}

/** Keeps the environment and the controllers running until Ctrl-C (or SIGTERM). */
async function holdUntilStopped(stage: Stage): Promise<void> {
  step(
    `Holding. Try: ${stage.env.info.kubectl} --kubeconfig ${stage.clusters["us-east-1"]!.info.kubeconfig} -n ${namespace} get switchyard`,
  );
  say("Press Ctrl-C to stop.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}

main(process.argv.includes("--hold")).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
