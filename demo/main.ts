/**
 * The README's main command (`make demo`): Switchyard against a local two-region environment it starts itself.
 *
 *   1. two real control planes (us-east-1, eu-west-1) and the AWS emulator;
 *   2. the example checkout application: Route53 weights + fencing record, an Aurora global database, a flag
 *      ConfigMap per region, the RegionPolicy (Automatic) and FailoverPlan in both clusters;
 *   3. one Switchyard controller per region, probing each region's HTTP endpoint;
 *   4. us-east-1's endpoint starts failing: watch the controllers detect it (dampened), decide, and eu-west-1's
 *      controller fail over — writes frozen, traffic and the fencing epoch moved in one batch, the Aurora writer
 *      promoted, writes resumed — then the run's evidence;
 *   5. us-east-1 recovers: both controllers see it Healthy again and Switchyard stays put (failback is Manual in this
 *      policy: no flip-flop);
 *   6. the failback, as an SRE does it: a manual FailoverRun eu-west-1 → us-east-1, executed by us-east-1's controller
 *      — traffic back, the writer back by a switchover (no data loss), fencing epoch 3 — then its evidence;
 *   7. the run report of both runs (RTO and RPO against the policy's objectives, anomalies), also written as Markdown.
 *
 *   --hold   keep everything running until Ctrl-C afterwards (prints how to reach it)
 * Exit status 0 when the failover and the failback both succeeded and the world shows each.
 */
import { observeGlobalCluster } from "../src/actuators/aurora/global-cluster.js";
import { readFence } from "../src/actuators/route53/fencing-record.js";
import { observeWeightedRecords } from "../src/actuators/route53/weights.js";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { runReport, reportMarkdown } from "../src/core/report/run-report.js";
import { isFinalPhase } from "../src/core/runs.js";
import { group, plurals, version } from "../src/crds/definitions.js";
import type { FailoverPlan } from "../src/crds/generated/failoverplans.js";
import type { FailoverRun } from "../src/crds/generated/failoverruns.js";
import type { RegionPolicy } from "../src/crds/generated/regionpolicies.js";
import { Cluster, RegionEndpoint, eventually } from "../test/e2e/world.js";
import { rdsClient, route53Client } from "../test/env/aws-clients.js";
import { EmulatorControl } from "../test/env/aws-emulator.js";
import { startControllerProcess, type ControllerProcess } from "../test/env/controller-process.js";
import { startEnvironment } from "../test/env/environment.js";
import {
  fenceName,
  publishReplicationLag,
  recordName,
  regions,
  seedCheckoutAws,
  seedCheckoutClusters,
  setIdentifiers,
} from "../test/fixtures/checkout-world.js";

const namespace = "checkout";
const step = (line: string) => console.log(`\n▶ ${line}`);
const say = (line: string) => console.log(`  ${line}`);
const noQuota = {
  acquire: () => Promise.resolve(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};
/** How long the demo watches a recovered us-east-1 to show that nothing moves on its own. */
const stayPutMs = 3000;
/** Where the full Markdown run reports go (the environment's own folder is removed at the end). */
const reportDir = join(tmpdir(), "switchyard-demo");

/** Prints each journal transition of a run as it happens; returns the run once it has ended and its evidence is written. */
async function follow(cluster: Cluster, name: string): Promise<FailoverRun> {
  const seen = new Set<string>();
  return eventually(
    `${name} to finish`,
    async () => {
      const current = (await cluster.runs(namespace)).find((r) => r.metadata.name === name);
      for (const entry of current?.status?.journal ?? []) {
        const key = `${entry.name}:${entry.state}`;
        if (!seen.has(key)) {
          seen.add(key);
          say(`${entry.name.padEnd(16)} ${entry.state}${entry.message ? ` — ${entry.message}` : ""}`);
        }
      }
      // finishedAt, rto and rpo are written with the run's Complete condition, just after the phase turns final.
      const final = isFinalPhase(current?.status?.phase) && current?.status?.finishedAt;
      return final ? current : undefined;
    },
    120_000,
  );
}

/** What each step found before it acted (what a rollback would restore), and the run's RTO, RPO and epoch. */
function evidence(run: FailoverRun): void {
  for (const entry of run.status?.journal ?? []) {
    say(`${entry.name.padEnd(16)} ${String(entry.state).padEnd(10)} before=${JSON.stringify(entry.before ?? {})}`);
  }
  const { rto, rpo } = run.status ?? {};
  say(`RTO: ${rto?.seconds ?? "?"} s (objective 300 s); fencing epoch won: ${run.status?.epoch}`);
  say(
    `RPO: ${rpo ? `${rpo.seconds} s (objective 5 s) — ${rpo.source ?? "no source recorded"}` : "no evidence recorded"}`,
  );
}

/** The run's report: a few lines here, the full Markdown (timeline, objectives, anomalies) in a file. */
async function printReport(cluster: Cluster, run: FailoverRun, policy: RegionPolicy): Promise<void> {
  const name = run.metadata.name ?? "";
  const { trigger, from, to } = run.spec;
  try {
    const plan = (await cluster.custom.getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plurals.FailoverPlan,
      name: run.spec.planRef.name,
    })) as FailoverPlan;
    const report = runReport({ run, plan, policy });
    const { rto, rpo } = report.objectives;
    say(`${name}  ${trigger}  ${from} → ${to}  ${report.phase}  verdict: ${report.verdict}`);
    say(`    RTO ${rto.measuredSeconds ?? "?"} s against ${rto.objectiveSeconds ?? "no"} s objective: ${rto.result}`);
    say(
      `    RPO ${rpo.measuredSeconds ?? "?"} s against ${rpo.objectiveSeconds ?? "no"} s objective: ${rpo.result}` +
        (report.rpo?.source ? ` — ${report.rpo.source}` : ""),
    );
    const anomalies = report.anomalies.map((a) => `${a.kind}${a.step ? ` (${a.step})` : ""}`);
    say(`    anomalies: ${anomalies.length > 0 ? anomalies.join(", ") : "none"}`);
    await mkdir(reportDir, { recursive: true });
    const file = join(reportDir, `${trigger === "Automatic" ? "failover" : "failback"}.md`);
    await writeFile(file, reportMarkdown(report));
    say(`    full report: ${file}`);
  } catch (error) {
    // The report module is evidence on top of the run's status; the status alone still says what matters.
    const { rto, rpo } = run.status ?? {};
    say(`${name}  ${trigger}  ${from} → ${to}  ${run.status?.phase}`);
    say(
      `    RTO ${rto?.seconds ?? "?"} s (objective 300 s); RPO ${rpo?.seconds ?? "?"} s (objective 5 s) — ${rpo?.source ?? ""}`,
    );
    say(`    (the full report could not be made: ${error instanceof Error ? error.message : String(error)})`);
  }
}

async function main(hold: boolean): Promise<boolean> {
  step("Starting two regions (etcd + kube-apiserver each) and the AWS emulator (moto + Switchyard's plugin)");
  const env = await startEnvironment({ regionCount: 2, log: say });
  const controllers: ControllerProcess[] = [];
  const endpoints: Record<string, RegionEndpoint> = {};
  try {
    const clusters = Object.fromEntries(env.info.regions.map((r) => [r.name, new Cluster(env.info, r)]));
    const control = new EmulatorControl(env.info.aws.endpoint);
    await control.configure({ changePropagationSeconds: 1, globalClusterTransitionSeconds: 2 });
    for (const region of regions) endpoints[region] = await RegionEndpoint.start();

    step("Deploying the checkout application: Route53 records, Aurora global database, flags, policy and plan");
    const aws = await seedCheckoutAws(env.info.aws);
    const urls = Object.fromEntries(regions.map((r) => [r, endpoints[r]!.url]));
    await seedCheckoutClusters(clusters, { namespace, aws, endpoints: urls, mode: "Automatic", approval: false });
    const route53 = route53Client(env.info.aws);
    const world = async () => {
      const records = await observeWeightedRecords(
        route53,
        { hostedZoneId: aws.zoneId, recordName, type: "CNAME" },
        noQuota,
      );
      const fence = await readFence(
        route53,
        { hostedZoneId: aws.zoneId, recordName: fenceName, ttlSeconds: 60 },
        noQuota,
      );
      const writer = (await observeGlobalCluster(rdsClient(env.info.aws, "us-east-1"), "checkout")).writer;
      const flags: Record<string, string | undefined> = {};
      for (const region of regions) {
        const map = await clusters[region]!.core.readNamespacedConfigMap({ name: "app-flags", namespace });
        flags[region] = map.data?.read_only;
      }
      return {
        weights: Object.fromEntries(regions.map((r) => [r, records.get(setIdentifiers[r])?.Weight])),
        fence: fence ? `${fence.record.active} @ epoch ${fence.record.epoch}` : "none",
        writer: Object.entries(aws.members).find(([, arn]) => arn === writer)?.[0] ?? writer,
        readOnly: flags,
      };
    };
    say(`world: ${JSON.stringify(await world())}`);

    step("Starting one Switchyard controller per region");
    for (const region of regions) {
      const c = await startControllerProcess({
        region,
        kubeconfig: clusters[region]!.info.kubeconfig,
        aws: env.info.aws,
        logDir: env.info.dir,
        extraArgs: ["--namespace", namespace],
      });
      controllers.push(c);
      say(`${region}: controller ${c.identity}, metrics at ${c.healthUrl}/metrics`);
    }
    const policyIn = (region: string) => clusters[region]!.policy(namespace, "checkout");
    const health = (policy: RegionPolicy) =>
      (policy.status?.regions ?? []).map((r) => `${r.name}=${r.health}`).join(" ");
    await eventually(
      "both regions Healthy",
      async () => {
        const policy = await policyIn("eu-west-1");
        return policy.status?.regions?.every((r) => r.health === "Healthy") ? true : undefined;
      },
      60_000,
    );
    for (const region of regions) say(`${region}'s controller sees: ${health(await policyIn(region))}`);

    // The replication lag Aurora publishes for the secondary (the emulator replicates nothing, so the demo publishes
    // it): the RPO evidence a failover with data loss records.
    await publishReplicationLag(env.info.aws, "eu-west-1", 800);
    say("Aurora reports eu-west-1's replication lag: 800 ms");

    step("us-east-1's API starts answering 503");
    endpoints["us-east-1"]!.status = 503;
    const started = Date.now();
    let lastLine = "";
    const run = await eventually(
      "eu-west-1's controller to create a FailoverRun",
      async () => {
        const policy = await policyIn("eu-west-1");
        const signal = policy.status?.signals?.find((s) => s.region === "us-east-1");
        const line = `t+${((Date.now() - started) / 1000).toFixed(1)}s  us-east-1 api: ${signal?.health} (${signal?.consecutiveFailures} consecutive failures, ${signal?.lastDetail ?? ""})  decision: ${policy.status?.lastDecision?.decision ?? "-"}`;
        if (line.replace(/^t\+\S+/, "") !== lastLine) say(line);
        lastLine = line.replace(/^t\+\S+/, "");
        const runs = await clusters["eu-west-1"]!.runs(namespace);
        return runs[0];
      },
      60_000,
    );
    say(`decision: ${(await policyIn("eu-west-1")).status?.lastDecision?.message ?? ""}`);
    say(`FailoverRun ${run.metadata.name} created in eu-west-1 (the target region executes the failover)`);

    step(`Executing ${run.metadata.name}`);
    const finished = await follow(clusters["eu-west-1"]!, run.metadata.name ?? "");

    step(`Run ${finished.status?.phase}: evidence`);
    evidence(finished);
    const after = await world();
    say(`world: ${JSON.stringify(after)}`);
    const failedOver =
      finished.status?.phase === "Succeeded" &&
      after.weights["eu-west-1"] === 100 &&
      after.weights["us-east-1"] === 0 &&
      after.writer === "eu-west-1" &&
      after.readOnly["eu-west-1"] === "false";
    say(
      failedOver
        ? "✔ failover complete: eu-west-1 serves traffic and holds the writer"
        : "✘ the failover did not complete",
    );
    if (!failedOver) return false;

    step("us-east-1 recovers: its API answers 200 again");
    endpoints["us-east-1"]!.status = 200;
    const recovered = Date.now();
    lastLine = "";
    await eventually(
      "both controllers to see us-east-1 Healthy again",
      async () => {
        const [west, east] = [await policyIn("eu-west-1"), await policyIn("us-east-1")];
        const signal = west.status?.signals?.find((s) => s.region === "us-east-1");
        const decision = west.status?.lastDecision;
        const line = `t+${((Date.now() - recovered) / 1000).toFixed(1)}s  us-east-1 api: ${signal?.health} (${signal?.consecutiveSuccesses ?? 0} consecutive successes, ${signal?.lastDetail ?? ""})  decision: ${decision?.decision ?? "-"} (${decision?.reason ?? "-"})`;
        if (line.replace(/^t\+\S+/, "") !== lastLine) say(line);
        lastLine = line.replace(/^t\+\S+/, "");
        const healthy = (p: RegionPolicy) =>
          p.status?.regions?.find((r) => r.name === "us-east-1")?.health === "Healthy";
        return healthy(west) && healthy(east) && decision?.reason === "FailbackAwaitsHuman" ? true : undefined;
      },
      60_000,
    );
    // Give automation every chance to move on its own; it must not.
    await new Promise((r) => setTimeout(r, stayPutMs));
    const runsNow =
      (await clusters["eu-west-1"]!.runs(namespace)).length + (await clusters["us-east-1"]!.runs(namespace)).length;
    for (const region of regions) {
      const decision = (await policyIn(region)).status?.lastDecision;
      say(
        `${region}'s controller: ${health(await policyIn(region))}; decision ${decision?.decision} (${decision?.reason}) — ${decision?.message ?? ""}`,
      );
    }
    const resting = await world();
    say(`world ${stayPutMs / 1000} s later: ${JSON.stringify(resting)}; FailoverRuns: ${runsNow}`);
    const stayedPut =
      runsNow === 1 &&
      resting.weights["eu-west-1"] === 100 &&
      resting.writer === "eu-west-1" &&
      resting.fence === after.fence;
    say(
      stayedPut
        ? "✔ Switchyard stays put: failback is Manual in this policy, so a person chooses when to return (no flip-flop)"
        : "✘ Switchyard moved on its own although failback is Manual",
    );
    if (!stayedPut) return false;

    step(
      "An SRE fails back: a manual FailoverRun eu-west-1 → us-east-1, created in us-east-1 (its controller executes it)",
    );
    const failback = {
      apiVersion: "switchyard.dev/v1alpha1",
      kind: "FailoverRun",
      metadata: { name: "checkout-failback", namespace },
      spec: {
        planRef: { name: "checkout" },
        from: "eu-west-1",
        to: "us-east-1",
        trigger: "Manual",
        reason: "us-east-1 is healthy again: planned return to the primary region",
      },
    };
    say(`kubectl --kubeconfig ${clusters["us-east-1"]!.info.kubeconfig} create -f - <<EOF`);
    for (const line of stringify(failback).trimEnd().split("\n")) say(`  ${line}`);
    say("EOF");
    await clusters["us-east-1"]!.custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plurals.FailoverRun,
      body: failback,
    });
    const back = await follow(clusters["us-east-1"]!, failback.metadata.name);

    step(`Run ${back.status?.phase}: evidence`);
    evidence(back);
    const home = await world();
    say(`world: ${JSON.stringify(home)}`);
    const promotions = (await control.calls())
      .filter((c) => /^(Switchover|Failover)GlobalCluster$/.test(c.action))
      .map((c) => c.action);
    say(
      `Aurora calls so far: ${promotions.join(", ")} (the failback was a switchover: the writer waited for its replica)`,
    );
    const failedBack =
      back.status?.phase === "Succeeded" &&
      back.status.epoch === 3 &&
      back.status.rpo?.seconds === 0 &&
      home.weights["us-east-1"] === 100 &&
      home.weights["eu-west-1"] === 0 &&
      home.writer === "us-east-1" &&
      home.fence === "us-east-1 @ epoch 3" &&
      home.readOnly["us-east-1"] === "false" &&
      home.readOnly["eu-west-1"] === "true" &&
      promotions.join() === "FailoverGlobalCluster,SwitchoverGlobalCluster";
    say(
      failedBack
        ? "✔ failback complete: us-east-1 serves traffic and holds the writer again (switchover, no data loss, epoch 3)"
        : "✘ the failback did not complete",
    );

    step("Run report");
    for (const [region, done] of [
      ["eu-west-1", finished],
      ["us-east-1", back],
    ] as const) {
      await printReport(clusters[region]!, done, await policyIn(region));
    }
    const ok = failedOver && stayedPut && failedBack;
    say(
      ok
        ? "✔ demo complete: automatic failover, no flip-flop on recovery, manual failback without data loss"
        : "✘ the demo did not complete",
    );

    if (hold) {
      step(
        `Holding. Try: ${env.info.kubectl} --kubeconfig ${clusters["us-east-1"]!.info.kubeconfig} -n ${namespace} get switchyard`,
      );
      say("Press Ctrl-C to stop.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }
    return ok;
  } finally {
    step("Stopping controllers and the environment");
    await Promise.all(controllers.map((c) => c.process.stop()));
    await Promise.all(Object.values(endpoints).map((e) => e.stop()));
    await env.stop();
  }
}

main(process.argv.includes("--hold")).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
