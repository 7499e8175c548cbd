/**
 * Controller overhead of a planned switchover, excluding the emulator's own waits: the checkout world (Route53
 * weights + fencing record, an Aurora global database, a flag ConfigMap per region, policy and plan in both clusters,
 * no approval step, Manual mode so no automatic decision interferes) on two real control planes and the AWS emulator,
 * and N manual FailoverRuns back and forth (us-east-1 → eu-west-1, then back, …), each created in its target region's
 * cluster and executed by that region's controller process (src/runtime/main.ts, as the tests start it).
 *
 * How the controller's own time is computed, per run:
 *   total     = status.finishedAt (written by the controller) − the moment this process sent the create request.
 *               Both are wall-clock times of one machine. metadata.creationTimestamp has one-second resolution, so the
 *               create request's send time stands for "creation"; it includes the apiserver's create and the watch
 *               delivering the run to the controller, which are part of what a user waits for.
 *   emulator  = the time the emulator deliberately kept the controller waiting: for every Route53 change batch the run
 *               submitted, the configured PENDING → INSYNC propagation, and for every SwitchoverGlobalCluster /
 *               FailoverGlobalCluster it called, the configured transition. They are counted from the emulator's own
 *               call log within the run's window, and each is on the run's critical path (the Route53 step waits for
 *               INSYNC; the database step ends only when the new writer shows), so they add up.
 *   overhead  = total − emulator.
 * By default both waits are configured to 0 s — the shortest the emulator allows: a change is INSYNC on the first
 * GetChange and a switchover is complete on the next call — so `emulator` is 0 and nothing is subtracted by estimate;
 * `--propagation-seconds` / `--transition-seconds` set other values, and then the subtraction above applies.
 * What remains is all Switchyard's: the watch delivering the run, the journal persisted before and after every
 * external call, the peer-cluster flag writes, the Route53 and RDS calls, and the re-reads between steps. Its largest
 * part used to be deliberate: every Route53 call first waits for the process's client-side budget
 * (src/runtime/route53-budget.ts), which since the token buckets lets a move's few calls go at once from the burst
 * instead of 222 ms apart; the route53 step makes three (one listing holding the weights and the fencing record, the
 * change batch, GetChange).
 * `switchover_route53_phase` shows that part, from the emulator's call log: first Route53 call of the run to its last
 * GetChange (the log does not say which process made a call; the other region's controller reads the fencing record
 * now and then, so a call may be counted that did not delay this run). The overhead also counts the poll granularity
 * of the controller's waits, which with zero configured waits is one round trip each; with non-zero waits the poll
 * intervals (2 s for GetChange and for the next look at Aurora) would make part of the emulator's wait look like
 * overhead, which is another reason to configure them to 0 (measured here with 0.5 s each: overhead p50 ≈ 4.7 s
 * instead of ≈ 1.65 s, the Route53 part alone ≈ 3.1 s because of the 2 s GetChange interval).
 * "Finished" is status.finishedAt, which the controller writes one status write after phase turns Succeeded, so the
 * bench waits for finishedAt, not for the phase. The journal's per-step times have one-second resolution, too coarse
 * for a per-step split here. The figures are noisy on a shared 2-core machine.
 *   npx tsx bench/switchover-overhead.ts [--runs N] [--propagation-seconds S] [--transition-seconds S]
 */
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { isFinalPhase } from "../src/core/runs.js";
import { plurals } from "../src/crds/definitions.js";
import type { FailoverRun } from "../src/crds/generated/failoverruns.js";
import { Cluster, RegionEndpoint, eventually } from "../test/fixtures/world.js";
import { EmulatorControl } from "../test/env/aws-emulator.js";
import { startControllers, type Controllers } from "../test/env/controllers.js";
import { startEnvironment } from "../test/env/environment.js";
import { regions, seedCheckoutAws, seedCheckoutClusters } from "../test/fixtures/checkout-world.js";
import { percentile, report } from "./_report.js";

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const runs = flag("--runs", 20);
const propagationSeconds = flag("--propagation-seconds", 0);
const transitionSeconds = flag("--transition-seconds", 0);
const namespace = "bench";

const env = await startEnvironment({ regionCount: 2 });
let controllers: Controllers | undefined;
const endpoints: RegionEndpoint[] = [];
try {
  const clusters = Object.fromEntries(env.info.regions.map((r) => [r.name, new Cluster(env.info, r)]));
  const control = new EmulatorControl(env.info.aws.endpoint);
  await control.configure({
    changePropagationSeconds: propagationSeconds,
    globalClusterTransitionSeconds: transitionSeconds,
  });
  for (let i = 0; i < regions.length; i++) endpoints.push(await RegionEndpoint.start());
  const aws = await seedCheckoutAws(env.info.aws);
  await seedCheckoutClusters(clusters, {
    namespace,
    aws,
    endpoints: Object.fromEntries(regions.map((r, i) => [r, endpoints[i]!.url])),
    mode: "Manual",
    approval: false,
  });
  controllers = await startControllers(Object.fromEntries(regions.map((r) => [r, clusters[r]!.info])), {
    aws: env.info.aws,
    logDir: await mkdtemp(join(env.info.dir, "controllers-")),
    namespace,
    extraArgs: ["--log-level", "info"],
  });
  // Both controllers see both regions healthy before the first run (the plan's wait step reads that status).
  for (const region of regions) {
    await eventually(
      `${region}'s controller to see both regions Healthy`,
      async () => {
        const policy = await clusters[region]!.policy(namespace, "checkout");
        return policy.status?.regions?.length === 2 && policy.status.regions.every((r) => r.health === "Healthy")
          ? true
          : undefined;
      },
      60_000,
    );
  }

  const totals: number[] = [];
  const overheads: number[] = [];
  const emulatorWaits: number[] = [];
  const route53Phases: number[] = [];
  const route53Calls: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [from, to] = i % 2 === 0 ? ["us-east-1", "eu-west-1"] : ["eu-west-1", "us-east-1"];
    const cluster = clusters[to]!;
    const name = `switchover-${i + 1}`;
    const callsBefore = (await control.calls()).length;
    const createdAt = Date.now();
    await cluster.custom.createNamespacedCustomObject({
      group: "switchyard.dev",
      version: "v1alpha1",
      namespace,
      plural: plurals.FailoverRun,
      body: {
        apiVersion: "switchyard.dev/v1alpha1",
        kind: "FailoverRun",
        metadata: { name, namespace },
        spec: { planRef: { name: "checkout" }, from, to, trigger: "Manual", reason: "bench: planned switchover" },
      },
    });
    const run: FailoverRun = await eventually(
      `${name} to finish`,
      async () => {
        const current = (await cluster.custom.getNamespacedCustomObject({
          group: "switchyard.dev",
          version: "v1alpha1",
          namespace,
          plural: plurals.FailoverRun,
          name,
        })) as FailoverRun;
        // finishedAt (and rto, rpo) are written one status write after the phase turns final.
        return isFinalPhase(current.status?.phase) && current.status?.finishedAt ? current : undefined;
      },
      60_000,
    );
    if (run.status?.phase !== "Succeeded") {
      throw new Error(`${name} ended ${run.status?.phase}: ${JSON.stringify(run.status?.journal ?? [])}`);
    }
    const finishedAt = Date.parse(run.status.finishedAt ?? "");
    const served = (await control.calls()).slice(callsBefore).filter((c) => c.time * 1000 <= finishedAt + 5);
    // The bookkeeping batch is sent before the end is written, but finishedAt is the time the end was decided: count
    // the batches of everything served until now (the next run is not created yet).
    const batches = (await control.calls())
      .slice(callsBefore)
      .filter((c) => c.action === "ChangeResourceRecordSets").length;
    const promotions = served.filter((c) => /^(Switchover|Failover)GlobalCluster$/.test(c.action));
    // Only the swap is waited for INSYNC; the run's end does not wait for its bookkeeping batch.
    const emulator = (Math.min(batches, 1) * propagationSeconds + promotions.length * transitionSeconds) * 1000;
    const total = finishedAt - createdAt;
    // The Route53 part of the run, as the emulator logged it: from the first Route53 call to the last GetChange.
    const route53 = served.filter((c) => c.service === "route53");
    const lastGetChange = route53.filter((c) => c.action === "GetChange").at(-1)?.time ?? Number.NaN;
    const inPhase = route53.filter((c) => c.time <= lastGetChange);
    route53Phases.push((lastGetChange - (inPhase[0]?.time ?? Number.NaN)) * 1000);
    route53Calls.push(inPhase.length);
    totals.push(total);
    emulatorWaits.push(emulator);
    overheads.push(total - emulator);
    // The swap (weights and the fencing record in one batch) and the run's end marking its move over in the record.
    if (batches !== 2 || promotions.length !== 1) {
      throw new Error(
        `${name}: expected two Route53 batches and one promotion, the emulator served ${batches} and ${promotions.length}`,
      );
    }
    console.log(
      `${name} ${from} → ${to}: total ${total} ms, emulator waits ${emulator.toFixed(0)} ms, ` +
        `overhead ${(total - emulator).toFixed(0)} ms, epoch ${run.status.epoch}`,
    );
  }

  report("switchover_runs", totals.length, "runs");
  report("switchover_configured_propagation", propagationSeconds, "s");
  report("switchover_configured_transition", transitionSeconds, "s");
  report("switchover_emulator_wait_p50", percentile(emulatorWaits, 50), "ms");
  report("switchover_overhead_p50", percentile(overheads, 50), "ms");
  report("switchover_overhead_p99", percentile(overheads, 99), "ms");
  report("switchover_overhead_max", Math.max(...overheads), "ms");
  report("switchover_route53_phase_p50", percentile(route53Phases, 50), "ms");
  report("switchover_route53_phase_calls_p50", percentile(route53Calls, 50), "calls");
  report("switchover_total_p50", percentile(totals, 50) / 1000, "s");
  report("switchover_total_p99", percentile(totals, 99) / 1000, "s");
} finally {
  await controllers?.stop();
  await Promise.all(endpoints.map((e) => e.stop()));
  await env.stop();
}
