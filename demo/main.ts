/**
 * The README's main command (`make demo`): Switchyard against a local two-region environment it starts itself.
 *
 *   1. two real control planes (us-east-1, eu-west-1) and the AWS emulator;
 *   2. the example checkout application: Route53 weights + fencing record, an Aurora global database, a flag
 *      ConfigMap per region, the RegionPolicy (Automatic) and FailoverPlan in both clusters;
 *   3. one Switchyard controller per region, probing each region's HTTP endpoint;
 *   4. us-east-1's endpoint starts failing: watch the controllers detect it (dampened), decide, and eu-west-1's
 *      controller fail over — writes frozen, traffic and the fencing epoch moved in one batch, the Aurora writer
 *      promoted, writes resumed — then the run's evidence.
 *
 *   --hold   keep everything running until Ctrl-C afterwards (prints how to reach it)
 * Exit status 0 when the failover succeeded and the world shows it.
 */
import { observeGlobalCluster } from "../src/actuators/aurora/global-cluster.js";
import { readFence } from "../src/actuators/route53/fencing-record.js";
import { observeWeightedRecords } from "../src/actuators/route53/weights.js";
import type { FailoverRun } from "../src/crds/generated/failoverruns.js";
import type { RegionPolicy } from "../src/crds/generated/regionpolicies.js";
import { Cluster, RegionEndpoint, eventually } from "../test/e2e/world.js";
import { rdsClient, route53Client } from "../test/env/aws-clients.js";
import { EmulatorControl } from "../test/env/aws-emulator.js";
import { startControllerProcess, type ControllerProcess } from "../test/env/controller-process.js";
import { startEnvironment } from "../test/env/environment.js";
import {
  fenceName,
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
    const seen = new Set<string>();
    const finished: FailoverRun = await eventually(
      "the run to finish",
      async () => {
        const current = (await clusters["eu-west-1"]!.runs(namespace)).find(
          (r) => r.metadata.name === run.metadata.name,
        );
        for (const entry of current?.status?.journal ?? []) {
          const key = `${entry.name}:${entry.state}`;
          if (!seen.has(key)) {
            seen.add(key);
            say(`${entry.name.padEnd(16)} ${entry.state}${entry.message ? ` — ${entry.message}` : ""}`);
          }
        }
        const phase = current?.status?.phase;
        return phase && ["Succeeded", "Failed", "RolledBack", "Cancelled"].includes(phase) ? current : undefined;
      },
      120_000,
    );

    step(`Run ${finished.status?.phase}: evidence`);
    for (const entry of finished.status?.journal ?? []) {
      say(`${entry.name.padEnd(16)} ${String(entry.state).padEnd(10)} before=${JSON.stringify(entry.before ?? {})}`);
    }
    say(
      `RTO: ${finished.status?.rto?.seconds ?? "?"} s (objective 300 s); fencing epoch won: ${finished.status?.epoch}`,
    );
    const after = await world();
    say(`world: ${JSON.stringify(after)}`);
    const ok =
      finished.status?.phase === "Succeeded" &&
      after.weights["eu-west-1"] === 100 &&
      after.weights["us-east-1"] === 0 &&
      after.writer === "eu-west-1" &&
      after.readOnly["eu-west-1"] === "false";
    say(ok ? "✔ failover complete: eu-west-1 serves traffic and holds the writer" : "✘ the failover did not complete");

    if (hold) {
      step(
        `Holding. Try: ${env.info.kubectl} --kubeconfig ${clusters["eu-west-1"]!.info.kubeconfig} -n ${namespace} get switchyard`,
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
