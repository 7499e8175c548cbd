/**
 * Mass failover through the Route53 lever: 1,000 weighted records (500 names × 2 regions) across 10 hosted zones,
 * all moved from us-east-1 to eu-west-1 at once — one change batch per zone, under the client-side budget
 * (src/runtime/route53-budget.ts: the account's 50 burst / 10 a second, its change throughput), each batch awaited
 * until INSYNC. Reports the total time and the peak request rate the emulator saw in any one-second window.
 * Goal: ≤ 3 s without a throttle. The change-throughput bucket is our assumption (1,000 burst, 100 a second: AWS's
 * figures were not in what we could read); `--change-burst` / `--changes-per-second` set it for the emulator and the
 * client alike, to see what the lever itself takes when the account allows more.
 *   npx tsx bench/mass-failover.ts [--zones N] [--names-per-zone M] [--change-burst C] [--changes-per-second R]
 */
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, type Change } from "@aws-sdk/client-route-53";
import { submitBatch, waitInsync, type BatchOptions } from "../src/actuators/route53/change-batch.js";
import { listRecordSets, weightedByName } from "../src/actuators/route53/record-sets.js";
import { planWeights } from "../src/actuators/route53/weights.js";
import { route53AccountDefaults, route53Budget } from "../src/runtime/route53-budget.js";
import { route53Client } from "../test/env/aws-clients.js";
import { EmulatorControl, startAwsEmulator } from "../test/env/aws-emulator.js";
import { report } from "./_report.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const zones = flag("--zones", 10);
const namesPerZone = flag("--names-per-zone", 50);
const changes = {
  capacity: flag("--change-burst", route53AccountDefaults.changes.capacity),
  refillPerSecond: flag("--changes-per-second", route53AccountDefaults.changes.refillPerSecond),
};

const dir = await mkdtemp(join(tmpdir(), "switchyard-mass-"));
const emulator = await startAwsEmulator(dir);
try {
  const control = new EmulatorControl(emulator.info.endpoint);
  await control.configure({
    changePropagationSeconds: 1,
    route53Throttling: { changeCapacity: changes.capacity, changeRefillPerSecond: changes.refillPerSecond },
  });
  const route53 = route53Client(emulator.info, 3);
  const zoneIds: string[] = [];
  for (let z = 0; z < zones; z++) {
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: `app${z}.example.com`, CallerReference: `z${z}` }),
    );
    const zoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
    zoneIds.push(zoneId);
    const changes: Change[] = [];
    for (let n = 0; n < namesPerZone; n++) {
      for (const [id, weight] of [
        [`use1-${n}`, 100],
        [`euw1-${n}`, 0],
      ] as const) {
        changes.push({
          Action: "CREATE",
          ResourceRecordSet: {
            Name: `svc${n}.app${z}.example.com`,
            Type: "CNAME",
            SetIdentifier: id,
            Weight: weight,
            TTL: 30,
            ResourceRecords: [{ Value: `${id}.lb.example.com` }],
          },
        });
      }
    }
    await route53.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }),
    );
  }

  // The whole account's budget for this one process: a mass failover from one region's controller.
  const quota = route53Budget({ ...route53AccountDefaults, changes, controllers: 1 });
  const sentAt: number[] = [];
  const options: BatchOptions = {
    acquire: async (cost) => {
      await quota(cost);
      sentAt.push(performance.now() / 1000);
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    pollIntervalMs: 1000,
  };
  const callsBefore = (await control.calls()).length;
  const started = performance.now();
  // Every zone at once; the quota, shared by all of them, paces the calls.
  await Promise.all(
    zoneIds.map(async (zoneId, z) => {
      // One listing of the zone serves every name in it.
      const byName = weightedByName(await listRecordSets(route53, zoneId, options));
      const changes: Change[] = [];
      for (let n = 0; n < namesPerZone; n++) {
        const target = {
          hostedZoneId: zoneId,
          recordName: `svc${n}.app${z}.example.com`,
          type: "CNAME" as const,
          setIdentifiers: { "us-east-1": `use1-${n}`, "eu-west-1": `euw1-${n}` },
          weights: { "us-east-1": 0, "eu-west-1": 100 },
        };
        changes.push(
          ...planWeights(target, byName.get(`${target.recordName}./CNAME`) ?? new Map<string, never>()).changes,
        );
      }
      const id = await submitBatch(route53, zoneId, changes, "mass failover", options);
      await waitInsync(route53, id, options);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const served = (await control.calls()).slice(callsBefore).map((c) => c.time);
  /** The most calls in any one-second window of `times` (seconds, ascending). */
  const peak = (times: number[]) => {
    let most = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j]! - times[i]! >= 1) i++;
      most = Math.max(most, j - i + 1);
    }
    return most;
  };
  report("mass_failover_records", zones * namesPerZone * 2, "records");
  report("mass_failover_change_burst", changes.capacity, "changes");
  report("mass_failover_total", seconds, "s");
  report("mass_failover_route53_requests", served.length, "requests");
  // As sent by the controller (what the quota governs), and as the emulator logged them: it logs a request after
  // parsing its body, so a large change batch is logged late and the next request seems closer to it than it was.
  report("mass_failover_peak_request_rate_sent", peak(sentAt), "req/s");
  report("mass_failover_peak_request_rate_served", peak(served), "req/s");
} finally {
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}
