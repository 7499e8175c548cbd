/**
 * Chaos campaigns against real processes: two control planes, the AWS emulator, one controller per region (the
 * image's bundle, scripts/build-controller.ts, as it runs in production), the checkout world with automatic failover
 * and failback, and a seeded random schedule of faults per campaign:
 *   - per-observer view partitions: each cluster's copy of the policy probes endpoints of its own, so one controller
 *     can see a region failing while the other sees it fine (and both can flap independently);
 *   - SIGKILL of either controller at any moment, restarted a few seconds later;
 *   - kube-apiserver restarts (a region's control plane away for a few seconds);
 *   - Route53 throttling injected at the emulator (a burst of `Throttling` answers);
 *   - Route53 latency injected at the emulator (the next few calls answered normally, up to three seconds late).
 * Throughout, the bench samples the fencing record and both regions' read-only flags, and at the end it checks the
 * system's invariants from what it saw and from the emulator's call log:
 *   transitions_within_holddown  two automatic transitions (by the record's own `since`) closer than holdDownSeconds;
 *   dual_writers                 both regions writable (flag read_only "false") for longer than the self-fencing
 *                                convergence allows (the fencing read age, two reconciles), while both controllers run;
 *   violations                   the two above, plus an epoch that went down, and promotion calls without an epoch of
 *                                their own (two promotions for one epoch would be a second writer in the database).
 *   npx tsx bench/chaos.ts [--campaigns N] [--seconds S] [--seed N] [--from K]
 * `--from K` starts at the seed's campaign K, so a long series can be run as shards (each its own processes):
 * `--campaigns 50 --from 0`, `--campaigns 50 --from 50`, … together are the seed's first campaigns, each replayable.
 */
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { buildController, controllerBundle } from "../scripts/build-controller.js";
import { readFence } from "../src/actuators/route53/fencing-record.js";
import type { FencingRecord } from "../src/core/plan/fencing.js";
import { route53Client } from "../test/env/aws-clients.js";
import { EmulatorControl } from "../test/env/aws-emulator.js";
import { Controllers, type ControllerProcess } from "../test/env/controllers.js";
import { startEnvironment } from "../test/env/environment.js";
import {
  checkoutPlan,
  checkoutPolicy,
  fenceName,
  regions,
  seedCheckoutAws,
  seedCheckoutClusters,
  type CheckoutOptions,
} from "../test/fixtures/checkout-world.js";
import { Cluster, RegionEndpoint } from "../test/fixtures/world.js";
import { report } from "./_report.js";

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const campaigns = flag("--campaigns", 50);
const seconds = flag("--seconds", 45);
const seed = flag("--seed", 1);
const from = flag("--from", 0);
const holdDownSeconds = 8;
/** How long both regions may look writable before it counts: the short fencing read age (5 s, a failing region
 * unsettles every observer's policy) and two reconciles, generously. */
const convergenceMs = 12_000;
const lease = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
const noQuota = {
  acquire: () => Promise.resolve(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

/** mulberry32: a small seeded generator, so a campaign can be replayed with its seed. */
function random(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Region = (typeof regions)[number];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Findings {
  transitionsWithinHoldDown: number;
  dualWriters: number;
  epochRegressions: number;
  extraPromotions: number;
  transitions: number;
}

await buildController();
const env = await startEnvironment({ regionCount: 2 });
const control = new EmulatorControl(env.info.aws.endpoint);
const clusters = Object.fromEntries(env.info.regions.map((r) => [r.name, new Cluster(env.info, r)])) as Record<
  Region,
  Cluster
>;
const planes = Object.fromEntries(env.info.regions.map((r, i) => [r.name, env.controlPlanes[i]!])) as Record<
  Region,
  (typeof env.controlPlanes)[number]
>;
const logDir = await mkdtemp(join(env.info.dir, "chaos-"));
const total: Findings = {
  transitionsWithinHoldDown: 0,
  dualWriters: 0,
  epochRegressions: 0,
  extraPromotions: 0,
  transitions: 0,
};
let done = 0;
try {
  for (let c = from; c < from + campaigns; c++) {
    const found = await campaign(c, random(seed * 100_003 + c));
    for (const key of Object.keys(total) as (keyof Findings)[]) total[key] += found[key];
    done++;
    console.log(`campaign ${c + 1}/${from + campaigns} (${new Date().toISOString()}): ${JSON.stringify(found)}`);
  }
} finally {
  await env.stop();
}
const violations = total.transitionsWithinHoldDown + total.dualWriters + total.epochRegressions + total.extraPromotions;
report("chaos_campaigns", done, "campaigns");
report("chaos_transitions", total.transitions, "count");
report("chaos_violations", violations, "count");
report("chaos_dual_writers", total.dualWriters, "count");
report("chaos_transitions_within_holddown", total.transitionsWithinHoldDown, "count");
process.exit(violations === 0 ? 0 : 1);

async function campaign(index: number, rand: () => number): Promise<Findings> {
  const namespace = `chaos-${index}`;
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.2, globalClusterTransitionSeconds: 1 });
  // views[observer][region]: what the controller of `observer` reaches when it probes `region`.
  const views = {} as Record<Region, Record<Region, RegionEndpoint>>;
  for (const observer of regions) {
    views[observer] = {} as Record<Region, RegionEndpoint>;
    for (const region of regions) views[observer][region] = await RegionEndpoint.start();
  }
  const controllers = new Controllers({
    aws: env.info.aws,
    lease,
    leaseName: namespace,
    namespace,
    logDir,
    entry: controllerBundle,
  });
  const running = {} as Record<Region, ControllerProcess | undefined>;
  try {
    const aws = await seedCheckoutAws(env.info.aws);
    const base: CheckoutOptions = { namespace, aws, endpoints: {}, mode: "Automatic", approval: false };
    await seedCheckoutClusters(clusters, { ...base, endpoints: urls(views["us-east-1"]) });
    const quorum = rand() < 0.5 ? 1 : 2;
    for (const [region, peer] of [
      ["us-east-1", "eu-west-1"],
      ["eu-west-1", "us-east-1"],
    ] as const) {
      const policy = checkoutPolicy({ ...base, endpoints: urls(views[region]) }, peer);
      const spec = policy.spec as Record<string, unknown>;
      spec.regionUnhealthyWhen = { quorum };
      spec.dampening = {
        failureThreshold: 2,
        successThreshold: 2,
        holdDownSeconds,
        flapPenalty: {
          perTransition: 1000,
          halfLifeSeconds: 60,
          suppressAbove: 2500,
          reuseBelow: 500,
          maxSuppressSeconds: 120,
        },
      };
      (spec.automation as Record<string, unknown>).failback = "Automatic";
      await clusters[region].apply(policy, checkoutPlan({ ...base, endpoints: urls(views[region]) }));
    }
    for (const region of regions) running[region] = await controllers.start(region, clusters[region].info);

    const seen: { at: number; record: FencingRecord | undefined; writable: Record<Region, boolean> }[] = [];
    const end = Date.now() + seconds * 1000;
    let nextFault = Date.now() + 3000;
    while (Date.now() < end) {
      if (Date.now() >= nextFault) {
        await fault(rand, views, running, controllers);
        nextFault = Date.now() + 1000 + rand() * 4000;
      }
      seen.push(await sample(namespace, aws.zoneId, running));
      await sleep(250);
    }
    return judge(seen, await control.calls());
  } finally {
    await controllers.stop();
    for (const region of regions) await planes[region].startApiserver().catch(() => undefined);
    for (const observer of regions) for (const region of regions) await views[observer][region].stop();
  }
}

function urls(endpoints: Record<Region, RegionEndpoint>): Record<string, string> {
  return Object.fromEntries(regions.map((r) => [r, endpoints[r].url]));
}

async function fault(
  rand: () => number,
  views: Record<Region, Record<Region, RegionEndpoint>>,
  running: Record<Region, ControllerProcess | undefined>,
  controllers: Controllers,
): Promise<void> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const roll = rand();
  if (roll < 0.6) {
    // A view partition or flap: one observer's probe of one region fails or recovers.
    const endpoint = views[pick(regions)][pick(regions)];
    endpoint.status = endpoint.status === 200 ? 503 : 200;
  } else if (roll < 0.75) {
    const region = pick(regions);
    await running[region]?.process.kill();
    await sleep(1000 + rand() * 4000);
    running[region] = await controllers.start(region, clusters[region].info).catch(() => undefined);
  } else if (roll < 0.85) {
    const region = pick(regions);
    await planes[region].stopApiserver();
    await sleep(1000 + rand() * 4000);
    await planes[region].startApiserver();
  } else if (roll < 0.93) {
    await control.injectFault({ service: "route53", code: "Throttling", count: 1 + Math.floor(rand() * 6) });
  } else {
    // A slow Route53: the next calls (a compare-and-swap among them, maybe) answer up to three seconds late.
    const delaySeconds = 0.5 + rand() * 2.5;
    await control.injectFault({ service: "route53", code: "Latency", count: 1 + Math.floor(rand() * 8), delaySeconds });
  }
}

async function sample(namespace: string, zoneId: string, running: Record<Region, ControllerProcess | undefined>) {
  const at = Date.now();
  const record = await readFence(
    route53Client(env.info.aws),
    { hostedZoneId: zoneId, recordName: fenceName, ttlSeconds: 60 },
    noQuota,
  ).catch(() => undefined);
  const writable = {} as Record<Region, boolean>;
  for (const region of regions) {
    const flags = await clusters[region].core
      .readNamespacedConfigMap({ name: "app-flags", namespace })
      .catch(() => undefined);
    // A region whose controller is down or whose API server is away is not counted as a second writer: its state
    // converges when it is back, and that is the window the design accepts.
    writable[region] = running[region] !== undefined && flags?.data?.read_only === "false";
  }
  return { at, record: record?.record, writable };
}

function judge(
  seen: { at: number; record: FencingRecord | undefined; writable: Record<Region, boolean> }[],
  calls: { action: string }[],
): Findings {
  const epochs = new Map<number, FencingRecord>();
  let lastEpoch = -1;
  let epochRegressions = 0;
  let bothSince: number | undefined;
  let dualWriters = 0;
  for (const s of seen) {
    if (s.record) {
      if (s.record.epoch < lastEpoch) epochRegressions++;
      lastEpoch = Math.max(lastEpoch, s.record.epoch);
      epochs.set(s.record.epoch, s.record);
    }
    const both = regions.every((r) => s.writable[r]);
    if (both && bothSince === undefined) bothSince = s.at;
    if (!both && bothSince !== undefined) {
      if (s.at - bothSince > convergenceMs) dualWriters++;
      bothSince = undefined;
    }
  }
  if (bothSince !== undefined && (seen.at(-1)?.at ?? 0) - bothSince > convergenceMs) dualWriters++;
  const automatic = [...epochs.values()].filter((r) => r.history?.by === "auto").sort((a, b) => a.epoch - b.epoch);
  let transitionsWithinHoldDown = 0;
  for (let i = 1; i < automatic.length; i++) {
    const gap = (automatic[i]!.history?.since ?? 0) - (automatic[i - 1]!.history?.since ?? 0);
    if (gap < holdDownSeconds * 1000) transitionsWithinHoldDown++;
  }
  const promotions = calls.filter((c) => /^(Switchover|Failover)GlobalCluster$/.test(c.action)).length;
  const epochsWon = Math.max(0, lastEpoch - 1);
  return {
    transitions: epochsWon,
    transitionsWithinHoldDown,
    dualWriters,
    epochRegressions,
    extraPromotions: Math.max(0, promotions - epochsWon),
  };
}
