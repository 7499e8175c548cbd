/**
 * Story: one system, not N controllers (issue 9). The checkout application runs in us-east-1 (primary, active at
 * epoch 1) and eu-west-1, a real controller in each region's cluster, each reading the other's published view through
 * the peer kubeconfig Secret. Where a story needs the two controllers to see the world differently, the RegionPolicy
 * applied in each cluster is the same except for the URL one signal probes (what a cut link looks like from each
 * side, as in the fencing race). Whatever each controller sees, the system as a whole must behave as one: a region is
 * condemned, or made a target, only by a quorum of observers; transitions are bounded by one hold-down and one flap
 * penalty carried in the fencing record, whichever controller moves; the new region becomes writable only when the
 * run that won its epoch says so; and a run no controller will execute is reported, not waited for.
 *
 * Each story has its own namespace, its own Route53 zone and Aurora global database (the emulator is reset between
 * stories) and its own pair of controller processes, so the runs, fencing epochs and promotion calls counted at the
 * emulator are that story's alone.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { FencingRecord } from "../../src/core/plan/fencing.js";
import { isFinalPhase } from "../../src/core/runs.js";
import { group, plurals, version } from "../../src/crds/definitions.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import {
  checkoutFence,
  checkoutPlan,
  checkoutPolicy,
  promotionCalls,
  publishReplicationLag,
  readOnlyFlag,
  seedCheckoutAws,
  type CheckoutAws,
} from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const regions = ["us-east-1", "eu-west-1"] as const;
type Region = (typeof regions)[number];
const clusters: Record<Region, Cluster> = {
  "us-east-1": new Cluster(env, env.regions[0]!),
  "eu-west-1": new Cluster(env, env.regions[1]!),
};
const peerOf = (region: Region): Region => (region === "us-east-1" ? "eu-west-1" : "us-east-1");
const control = new EmulatorControl(env.aws.endpoint);
const lease = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Both regions' controllers, as observers name them. */
const bothControllers = ["controller/eu-west-1", "controller/us-east-1"];
/** What an automatic run's traffic step refuses with at the compare-and-swap (journaled, permanent). */
const refusedAtSwap = ["HoldDownNotElapsed", "FlapSuppressed", "MoveInProgress", "TargetAlreadyActive"];

let dir: string;
let controllers: Controllers | undefined;
const endpoints: RegionEndpoint[] = [];

/** An HTTP endpoint that answers 200 until told otherwise; stopped after the story. */
async function endpoint(): Promise<RegionEndpoint> {
  const e = await RegionEndpoint.start();
  endpoints.push(e);
  return e;
}

interface Given {
  namespace: string;
  /** For each region's controller (the cluster its policy copy is applied in): what its `api` signal of each region probes. */
  probes: Record<Region, Record<Region, RegionEndpoint>>;
  /** spec.regionUnhealthyWhen.quorum; absent: the CRD's default (2) */
  quorum?: number;
  dampening?: Record<string, unknown>;
  failback?: "Automatic" | "Manual";
  /** an approval step before writes resume in the new region */
  approval?: boolean;
}

/** The policy as applied in `local`'s cluster: the checkout policy, with the probes that cluster's controller makes. */
function policyIn(local: Region, given: Given, aws: CheckoutAws, quorum = given.quorum) {
  const endpoints = Object.fromEntries(regions.map((r) => [r, given.probes[local][r].url]));
  const base = checkoutPolicy(
    { namespace: given.namespace, aws, endpoints, mode: "Automatic", approval: given.approval ?? false },
    peerOf(local),
  );
  return {
    ...base,
    spec: {
      ...base.spec,
      ...(quorum === undefined ? {} : { regionUnhealthyWhen: { quorum } }),
      dampening: { ...base.spec.dampening, ...given.dampening },
      automation: { ...base.spec.automation, failback: given.failback ?? "Manual" },
    },
  };
}

/** One story's world: its namespace, its AWS side, and what to read back from both clusters and the emulator. */
class Story {
  constructor(
    readonly given: Given,
    readonly aws: CheckoutAws,
  ) {}

  get namespace(): string {
    return this.given.namespace;
  }

  policy(region: Region) {
    return clusters[region].policy(this.namespace, "checkout");
  }

  runs(region: Region): Promise<FailoverRun[]> {
    return clusters[region].runs(this.namespace);
  }

  async allRuns(): Promise<FailoverRun[]> {
    return [...(await this.runs("us-east-1")), ...(await this.runs("eu-west-1"))];
  }

  fence(): Promise<FencingRecord | undefined> {
    return checkoutFence(env.aws, this.aws.zoneId);
  }

  flag(region: Region): Promise<string | undefined> {
    return readOnlyFlag(clusters[region], this.namespace);
  }

  promotions(): Promise<string[]> {
    return promotionCalls(env.aws);
  }

  /** How `seenBy`'s controller judges `region`, from its policy's status. */
  async judged(seenBy: Region, region: Region) {
    return (await this.policy(seenBy)).status?.regions?.find((r) => r.name === region);
  }

  /** What `seenBy`'s controller alone sees of `region` (the view it publishes for its peer). */
  async ownView(seenBy: Region, region: Region) {
    return (await this.policy(seenBy)).status?.view?.regions?.find((r) => r.name === region)?.health;
  }

  async approve(region: Region, run: string, step: string): Promise<void> {
    await clusters[region].custom.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: this.namespace,
        plural: plurals.FailoverRun,
        name: run,
        body: { spec: { approvals: [{ step, approvedBy: "sre@example.com" }] } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }
}

/**
 * Given the checkout application in a fresh namespace of both clusters (the app's flags, the peer kubeconfig Secret,
 * this cluster's copy of the policy, the plan), its AWS side at a reset emulator, and one controller per region.
 */
async function givenCheckout(given: Given): Promise<Story> {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5, globalClusterTransitionSeconds: 1 });
  const aws = await seedCheckoutAws(env.aws);
  // What a failover with data loss would give up (the RPO gate reads it): within the policy's objective of 5 s.
  for (const region of regions) await publishReplicationLag(env.aws, region, 1000);
  for (const region of regions) {
    const cluster = clusters[region];
    const peer = peerOf(region);
    await cluster.installCrds();
    await cluster.createNamespace(given.namespace);
    await cluster.core.createNamespacedConfigMap({
      namespace: given.namespace,
      body: { metadata: { name: "app-flags" }, data: { read_only: "false" } },
    });
    await cluster.core.createNamespacedSecret({
      namespace: given.namespace,
      body: {
        metadata: { name: `peer-${peer}` },
        stringData: { kubeconfig: await readFile(clusters[peer].info.kubeconfig, "utf8") },
      },
    });
    await cluster.apply(
      policyIn(region, given, aws),
      checkoutPlan({
        namespace: given.namespace,
        aws,
        endpoints: {},
        mode: "Automatic",
        approval: given.approval ?? false,
      }),
    );
  }
  const logDir = join(dir, given.namespace);
  await mkdir(logDir, { recursive: true });
  controllers = await startControllers(
    { "us-east-1": clusters["us-east-1"].info, "eu-west-1": clusters["eu-west-1"].info },
    { aws: env.aws, logDir, lease, leaseName: given.namespace, namespace: given.namespace },
  );
  return new Story(given, aws);
}

/**
 * Given, in both controllers' status: us-east-1 active at epoch 1, both regions Healthy, and each found Healthy by
 * both controllers (so each controller hears the other); self-fencing keeps eu-west-1 read-only.
 */
async function givenEveryoneHealthy(story: Story): Promise<void> {
  for (const seenBy of regions) {
    await eventually(
      `${seenBy}'s controller to find both regions Healthy, by both controllers`,
      async () => {
        const status = (await story.policy(seenBy)).status;
        const heard = regions.every((name) => {
          const region = status?.regions?.find((r) => r.name === name);
          return (
            region?.health === "Healthy" &&
            [...(region.healthyObservers ?? [])].sort().join() === bothControllers.join()
          );
        });
        return heard && status?.activeRegion === "us-east-1" && status.epoch === 1 ? true : undefined;
      },
      90_000,
    );
  }
  await eventually("eu-west-1 read-only by self-fencing", async () =>
    (await story.flag("eu-west-1")) === "true" ? true : undefined,
  );
  expect(await story.flag("us-east-1")).toBe("false");
  expect(await story.allRuns()).toEqual([]);
}

/** Samples `read` in the background until stopped: what happened along the way, not only how it ended. */
class Recorder<T> {
  readonly samples: { at: number; value: T }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(read: () => Promise<T>, everyMs: number) {
    this.loop = (async () => {
      while (this.running) {
        try {
          const value = await read();
          this.samples.push({ at: Date.now(), value });
        } catch {
          // A failed read is no sample.
        }
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<{ at: number; value: T }[]> {
    this.running = false;
    await this.loop;
    return this.samples;
  }
}

/** The run that is `name` among `runs`. */
const named = (runs: FailoverRun[], name: string | undefined) => runs.find((r) => r.metadata.name === name);
const completeReason = (run: FailoverRun | undefined) =>
  run?.status?.conditions?.find((c) => c.type === "Complete")?.reason;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-one-system-"));
}, 120_000);

afterEach(async () => {
  await controllers?.stop();
  controllers = undefined;
  await Promise.all(endpoints.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  if (process.env.SWITCHYARD_KEEP_LOGS) console.log(`controller logs kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
});

describe("one system, not N controllers", () => {
  it("an asymmetric view held for several hold-downs moves the writer once; a view that comes and goes moves it a bounded number of times, hold-down apart, until FlapSuppressed", async () => {
    const holdDownSeconds = 8;
    const app = { "us-east-1": await endpoint(), "eu-west-1": await endpoint() };
    /** us-east-1 as eu-west-1's controller reaches it: the link between the two is what fails. */
    const link = await endpoint();
    const story = await givenCheckout({
      namespace: "one-system-flap",
      probes: { "us-east-1": app, "eu-west-1": { "us-east-1": link, "eu-west-1": app["eu-west-1"] } },
      // One observer's word condemns a region: the setting under which one controller's view could flip-flop the writer.
      quorum: 1,
      failback: "Automatic",
      dampening: {
        holdDownSeconds,
        // 1000 a transition, half-life 15 minutes: the fourth transition within minutes is above 3500.
        flapPenalty: {
          perTransition: 1000,
          halfLifeSeconds: 900,
          suppressAbove: 3500,
          reuseBelow: 750,
          maxSuppressSeconds: 3600,
        },
      },
    });
    await givenEveryoneHealthy(story);
    const fences = new Recorder(() => story.fence(), 1000);
    const decisions = new Recorder(
      () =>
        Promise.all(
          regions.map(async (region) => {
            const status = (await story.policy(region)).status;
            return {
              region,
              epoch: status?.epoch,
              decision: status?.lastDecision?.decision,
              reason: status?.lastDecision?.reason,
            };
          }),
        ),
      1000,
    );
    const epochReached = (epoch: number, active: Region) =>
      eventually(
        `epoch ${epoch} naming ${active}`,
        async () => {
          const record = await story.fence();
          return record && record.epoch >= epoch ? record : undefined;
        },
        90_000,
      ).then((record) => {
        expect(record).toMatchObject({ epoch, active });
        return record;
      });

    // When: only eu-west-1's controller sees us-east-1 failing, and goes on seeing it so for several hold-downs.
    link.status = 503;

    // Then: eu-west-1's controller fails over, once.
    const failover = await eventually(
      "eu-west-1's automatic failover to finish",
      async () => (await story.runs("eu-west-1")).find((r) => isFinalPhase(r.status?.phase)),
      90_000,
    );
    expect(failover.spec).toMatchObject({ from: "us-east-1", to: "eu-west-1", trigger: "Automatic" });
    expect(failover.status?.phase).toBe("Succeeded");
    // Both controllers judge us-east-1 on both views: eu-west-1's condemns it, us-east-1's own finds it fine, and
    // with a quorum of one each way the condemnation wins: us-east-1 is no failback target for its own controller.
    for (const seenBy of regions) {
      const judged = await eventually(`${seenBy}'s controller to judge us-east-1 on both views`, async () => {
        const region = await story.judged(seenBy, "us-east-1");
        return region?.health === "Unhealthy" && region.healthyObservers?.length ? region : undefined;
      });
      expect(judged.failingObservers).toEqual(["controller/eu-west-1"]);
      expect(judged.healthyObservers).toEqual(["controller/us-east-1"]);
    }
    // Three hold-downs and more with the view held: no failback from us-east-1's controller, no second move.
    await sleep((3 * holdDownSeconds + 6) * 1000);
    expect(await story.fence()).toMatchObject({ active: "eu-west-1", epoch: 2, run: failover.metadata.name });
    expect(await story.runs("us-east-1")).toEqual([]);
    expect(await story.runs("eu-west-1")).toHaveLength(1);
    expect(await story.promotions()).toEqual(["FailoverGlobalCluster"]);
    expect((await story.policy("us-east-1")).status?.lastDecision).toMatchObject({
      decision: "Stay",
      reason: "PrimaryNotHealthy",
    });

    // When: the link heals; us-east-1's controller fails back (epoch 3). The moment it has swapped the record, the
    // link fails again (inside the failback's hold-down, its run still going), and eu-west-1's controller fails over
    // once more (epoch 4); the moment that has swapped, the link heals again.
    link.status = 200;
    await epochReached(3, "us-east-1");
    await publishReplicationLag(env.aws, "eu-west-1", 1000);
    link.status = 503;
    await epochReached(4, "eu-west-1");
    link.status = 200;

    // Then: the failback now due is held back by flap damping, on a policy.
    await eventually(
      "a FlapSuppressed decision",
      async () => {
        const statuses = await Promise.all(regions.map(async (r) => (await story.policy(r)).status));
        return statuses.some(
          (s) => s?.lastDecision?.decision === "Suppressed" && s.lastDecision.reason === "FlapSuppressed",
        )
          ? true
          : undefined;
      },
      90_000,
    );

    // When: the link goes on flapping, each state held until eu-west-1's controller has seen it, and a hold-down more.
    for (const state of ["fail", "heal", "fail", "heal"] as const) {
      const wanted = state === "heal" ? "Healthy" : "Unhealthy";
      link.status = state === "heal" ? 200 : 503;
      await eventually(
        `eu-west-1's own view of us-east-1 to be ${wanted}`,
        async () => ((await story.ownView("eu-west-1", "us-east-1")) === wanted ? true : undefined),
        60_000,
      );
      await sleep((holdDownSeconds + 6) * 1000);
    }
    const fenceLog = await fences.stop();
    const decisionLog = await decisions.stop();

    // Then: the epochs went up one at a time (the record saw every transition): three transitions in all.
    const epochs: FencingRecord[] = [];
    for (const { value } of fenceLog) {
      if (value && value.epoch !== epochs.at(-1)?.epoch) epochs.push(value);
    }
    const runs = await story.allRuns();
    const timeline = epochs.map(
      (r) =>
        `epoch ${r.epoch} ${r.active} run=${r.run ?? "-"} since=${r.history ? new Date(r.history.since).toISOString() : "-"} ` +
        `pen=${r.history?.penalty ?? "-"}${r.history?.suppressedSince ? " suppressed" : ""}`,
    );
    // The first sample of each decision that held a move back, for the log.
    const heldBack = new Map<string, string>();
    for (const { at, value } of decisionLog) {
      for (const d of value.filter((d) => d.decision === "Suppressed" || d.reason === "RunInProgress")) {
        const what = `${d.region} at epoch ${d.epoch}: ${d.decision} ${d.reason}`;
        if (!heldBack.has(what)) heldBack.set(what, `${new Date(at).toISOString()} ${what}`);
      }
    }
    console.log(
      `one system, flapping link:\n  ${timeline.join("\n  ")}\nheld back:\n  ${[...heldBack.values()].join("\n  ")}`,
    );
    expect(epochs.map((r) => r.epoch)).toEqual(epochs.map((_r, i) => i + 1));
    const transitions = epochs.slice(1);
    expect(transitions.map((r) => r.active)).toEqual(["eu-west-1", "us-east-1", "eu-west-1"]);
    // Hold-down held across controllers (eu-west-1's failovers, us-east-1's failback), and no move began before the
    // run of the previous one had finished.
    for (const [i, next] of transitions.entries()) {
      expect(next.history?.by, `epoch ${next.epoch}`).toBe("auto");
      const previous = transitions[i - 1];
      if (previous === undefined) continue;
      expect(
        next.history!.since - previous.history!.since,
        `epoch ${next.epoch} after epoch ${previous.epoch}`,
      ).toBeGreaterThanOrEqual(holdDownSeconds * 1000);
      const finished = Date.parse(named(runs, previous.run)?.status?.finishedAt ?? "");
      expect(
        next.history!.since,
        `epoch ${next.epoch} began after run ${previous.run} finished`,
      ).toBeGreaterThanOrEqual(Math.floor(finished / 1000) * 1000);
    }
    // Every transition was one run that succeeded and one promotion; any other run was refused at the swap.
    const succeeded = runs.filter((r) => r.status?.phase === "Succeeded");
    expect(succeeded.map((r) => r.metadata.name).sort()).toEqual(transitions.map((r) => r.run).sort());
    for (const run of runs.filter((r) => r.status?.phase !== "Succeeded")) {
      expect(run.status?.phase, `run ${run.metadata.name}`).toBe("Failed");
      expect(refusedAtSwap).toContain(completeReason(run));
    }
    // The first failover gave up writes (us-east-1 condemned); the failback switched over. The third move's kind
    // depends on whether the link had healed again by the time its promotion step looked at us-east-1's health.
    const promotions = await story.promotions();
    expect(promotions).toHaveLength(3);
    expect(promotions.slice(0, 2)).toEqual(["FailoverGlobalCluster", "SwitchoverGlobalCluster"]);

    // And once flap damping held a move back, nothing moved again while the link went on flapping.
    const held = decisionLog.find((s) => s.value.some((d) => d.reason === "FlapSuppressed"));
    expect(held, "a FlapSuppressed decision").toBeDefined();
    expect(fenceLog.filter((s) => s.at >= held!.at).every((s) => s.value?.epoch === 4)).toBe(true);
    const conditions = await Promise.all(
      regions.map(async (r) => (await story.policy(r)).status?.conditions?.find((c) => c.type === "FlapSuppressed")),
    );
    expect(
      conditions.some((c) => c?.status === "True"),
      "a FlapSuppressed=True condition",
    ).toBe(true);
  }, 480_000);

  it("an approval step: the new region stays read-only until a person approves, then becomes writable", async () => {
    const app = { "us-east-1": await endpoint(), "eu-west-1": await endpoint() };
    // Both controllers probe the same endpoints: they agree, and the default quorum of two is met.
    const story = await givenCheckout({
      namespace: "one-system-approval",
      probes: { "us-east-1": app, "eu-west-1": app },
      approval: true,
    });
    await givenEveryoneHealthy(story);
    const writable = new Recorder(async () => {
      const status = (await story.policy("eu-west-1")).status;
      return { flag: await story.flag("eu-west-1"), applied: status?.activeRoleStateEpoch };
    }, 250);

    // When: us-east-1 fails, as both controllers see it.
    app["us-east-1"].status = 503;

    // Then: eu-west-1's run wins epoch 2, promotes, and waits for a person, its region still read-only.
    const waiting = await eventually(
      "eu-west-1's automatic run to wait for approval",
      async () => {
        const run = (await story.runs("eu-west-1"))[0];
        // The phase may be written a status write before the journal entry that says which step waits.
        const journaled = run?.status?.journal?.some(
          (e) => e.name === "approve-unfreeze" && e.state === "WaitingApproval",
        );
        return run?.status?.phase === "WaitingApproval" && journaled ? run : undefined;
      },
      90_000,
    );
    const name = waiting.metadata.name!;
    expect(waiting.spec).toMatchObject({ from: "us-east-1", to: "eu-west-1", trigger: "Automatic" });
    expect(waiting.status?.journal?.map((e) => [e.name, e.state])).toEqual([
      ["freeze-writes", "Succeeded"],
      ["shift-traffic", "Succeeded"],
      ["promote-db", "Succeeded"],
      ["wait-new-region", "Succeeded"],
      ["approve-unfreeze", "WaitingApproval"],
    ]);
    expect(await story.fence()).toMatchObject({ active: "eu-west-1", epoch: 2, run: name });
    expect(await story.promotions()).toEqual(["FailoverGlobalCluster"]);
    // us-east-1's controller holds its decisions back for the move in progress, and says which run it waits for.
    const waitedFor = await eventually("us-east-1's controller to wait for the run, by name", async () => {
      const decision = (await story.policy("us-east-1")).status?.lastDecision;
      return decision?.reason === "RunInProgress" ? decision : undefined;
    });
    expect(waitedFor.message).toContain(name);
    // A while longer without the approval: still waiting, nobody writable.
    await sleep(10_000);
    expect((await clusters["eu-west-1"].run(story.namespace, name)).status?.phase).toBe("WaitingApproval");
    expect(await story.flag("eu-west-1")).toBe("true");
    expect(await story.flag("us-east-1")).toBe("true");
    const beforeApproval = await writable.stop();
    expect(beforeApproval.length).toBeGreaterThan(20);
    // From before the failure until now, eu-west-1 was never writable, and self-fencing never applied its active state.
    expect(new Set(beforeApproval.map((s) => s.value.flag))).toEqual(new Set(["true"]));
    expect(beforeApproval.every((s) => s.value.applied !== 2)).toBe(true);

    // When: a person approves (what `switchyard approve` does).
    await story.approve("eu-west-1", name, "approve-unfreeze");

    // Then: the plan's own unfreeze makes eu-west-1 writable, the run succeeds, and self-fencing takes over at epoch 2.
    const done = await clusters["eu-west-1"].finishedRun(story.namespace, name, 60_000);
    expect(done.status?.phase).toBe("Succeeded");
    expect(done.status?.journal?.map((e) => [e.name, e.state]).slice(-2)).toEqual([
      ["approve-unfreeze", "Succeeded"],
      ["unfreeze", "Succeeded"],
    ]);
    expect(await story.flag("eu-west-1")).toBe("false");
    await eventually("eu-west-1's active role state applied at epoch 2", async () =>
      (await story.policy("eu-west-1")).status?.activeRoleStateEpoch === 2 ? true : undefined,
    );
    expect(await story.flag("us-east-1")).toBe("true");
    // The finished run cleared its move in the record: automation is no longer held back by it.
    const fence = await eventually("the record to show the move finished", async () => {
      const record = await story.fence();
      return record?.epoch === 2 && record.history && record.history.busyUntil === undefined ? record : undefined;
    });
    expect(fence).toMatchObject({ active: "eu-west-1", run: name, history: { by: "auto" } });
    expect(await story.promotions()).toEqual(["FailoverGlobalCluster"]);
  }, 300_000);

  it("stray runs (a misspelt region, a run in the wrong region's cluster) are Failed NotExecutable and hold nothing back", async () => {
    const app = { "us-east-1": await endpoint(), "eu-west-1": await endpoint() };
    const story = await givenCheckout({
      namespace: "one-system-stray",
      probes: { "us-east-1": app, "eu-west-1": app },
    });
    await givenEveryoneHealthy(story);

    // When: a person creates two runs no controller will execute.
    await clusters["eu-west-1"].apply(
      manualRun(story.namespace, "typo", { from: "us-east-1", to: "eu-west1", reason: "e2e: a misspelt region" }),
    );
    await clusters["us-east-1"].apply(
      manualRun(story.namespace, "wrong-cluster", {
        from: "us-east-1",
        to: "eu-west-1",
        reason: "e2e: applied to the source region's cluster",
      }),
    );

    // Then: each is Failed with NotExecutable by the controller that sees it, saying why, having done nothing.
    const typo = await clusters["eu-west-1"].finishedRun(story.namespace, "typo", 60_000);
    const stray = await clusters["us-east-1"].finishedRun(story.namespace, "wrong-cluster", 60_000);
    for (const run of [typo, stray]) {
      expect(run.status?.phase, run.metadata.name).toBe("Failed");
      expect(completeReason(run), run.metadata.name).toBe("NotExecutable");
      expect(run.status?.journal ?? []).toEqual([]);
      expect(run.status?.epoch).toBeUndefined();
    }
    const message = (run: FailoverRun) => run.status?.conditions?.find((c) => c.type === "Complete")?.message;
    expect(message(typo)).toMatch(/eu-west1 is not a region of the RegionPolicy/);
    expect(message(stray)).toMatch(/Create it in eu-west-1's cluster/);
    // Events are recorded a moment after the status that ends the run.
    for (const [region, run] of [
      ["eu-west-1", "typo"],
      ["us-east-1", "wrong-cluster"],
    ] as const) {
      await eventually(`the NotExecutable Event of ${run}`, async () =>
        (await clusters[region].eventReasons(story.namespace, run)).includes("NotExecutable") ? true : undefined,
      );
    }

    // When: us-east-1 fails, as both controllers see it.
    app["us-east-1"].status = 503;

    // Then: the automatic failover is not held back by either stray run.
    const failover = await eventually(
      "eu-west-1's automatic failover to finish",
      async () =>
        (await story.runs("eu-west-1")).find((r) => r.spec.trigger === "Automatic" && isFinalPhase(r.status?.phase)),
      90_000,
    );
    expect(failover.spec).toMatchObject({ from: "us-east-1", to: "eu-west-1" });
    expect(failover.status?.phase).toBe("Succeeded");
    expect(await story.fence()).toMatchObject({ active: "eu-west-1", epoch: 2, run: failover.metadata.name });
    expect(await story.promotions()).toEqual(["FailoverGlobalCluster"]);
    expect((await story.runs("eu-west-1")).map((r) => r.metadata.name).sort()).toEqual(
      [failover.metadata.name, "typo"].sort(),
    );
    expect((await story.runs("us-east-1")).map((r) => r.metadata.name)).toEqual(["wrong-cluster"]);
    // The stray runs stay as they were reported.
    expect(completeReason(await clusters["eu-west-1"].run(story.namespace, "typo"))).toBe("NotExecutable");
    expect(completeReason(await clusters["us-east-1"].run(story.namespace, "wrong-cluster"))).toBe("NotExecutable");
  }, 300_000);

  it("the default quorum of two: one controller's word moves nothing (Unknown); two agreeing move the writer once", async () => {
    const app = { "us-east-1": await endpoint(), "eu-west-1": await endpoint() };
    const link = await endpoint();
    const given: Given = {
      namespace: "one-system-quorum",
      probes: { "us-east-1": app, "eu-west-1": { "us-east-1": link, "eu-west-1": app["eu-west-1"] } },
    };
    const story = await givenCheckout(given);
    await givenEveryoneHealthy(story);

    // When: only eu-west-1's controller sees us-east-1 failing.
    link.status = 503;

    // Then: one condemnation against one clean bill of health is no quorum either way: us-east-1 is Unknown to both.
    await eventually("eu-west-1's own view to condemn us-east-1", async () =>
      (await story.ownView("eu-west-1", "us-east-1")) === "Unhealthy" ? true : undefined,
    );
    for (const seenBy of regions) {
      const judged = await eventually(`${seenBy}'s controller to find us-east-1 Unknown`, async () => {
        const region = await story.judged(seenBy, "us-east-1");
        return region?.health === "Unknown" && region.failingObservers?.length ? region : undefined;
      });
      expect(judged.failingObservers).toEqual(["controller/eu-west-1"]);
      expect(judged.healthyObservers).toEqual(["controller/us-east-1"]);
      const status = (await story.policy(seenBy)).status;
      expect(status?.lastDecision).toMatchObject({ decision: "Stay", reason: "ActiveUnknown" });
      expect(status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      // Two controllers and no Route53 check: the loss of the other region, its controller with it, leaves one observer.
      expect(status?.conditions?.find((c) => c.type === "RegionLossDetectable")).toMatchObject({
        status: "False",
        reason: "QuorumNeedsLostRegion",
      });
    }
    await sleep(15_000);
    expect(await story.allRuns()).toEqual([]);
    expect(await story.fence()).toMatchObject({ active: "us-east-1", epoch: 1 });
    expect(await story.promotions()).toEqual([]);
    expect(await story.flag("us-east-1")).toBe("false");

    // When: us-east-1's own controller sees it failing too.
    app["us-east-1"].status = 503;

    // Then: a quorum condemns it, and exactly one failover follows, with one promotion.
    const failover = await eventually(
      "eu-west-1's automatic failover to finish",
      async () => (await story.runs("eu-west-1")).find((r) => isFinalPhase(r.status?.phase)),
      90_000,
    );
    expect(failover.spec).toMatchObject({ from: "us-east-1", to: "eu-west-1", trigger: "Automatic" });
    expect(failover.status?.phase).toBe("Succeeded");
    for (const seenBy of regions) {
      const judged = await eventually(`${seenBy}'s controller to find us-east-1 Unhealthy by both`, async () => {
        const region = await story.judged(seenBy, "us-east-1");
        return region?.health === "Unhealthy" ? region : undefined;
      });
      expect([...(judged.failingObservers ?? [])].sort()).toEqual(bothControllers);
    }
    await sleep(5000);
    expect(await story.runs("eu-west-1")).toHaveLength(1);
    expect(await story.runs("us-east-1")).toEqual([]);
    expect(await story.fence()).toMatchObject({ active: "eu-west-1", epoch: 2, run: failover.metadata.name });
    expect(await story.promotions()).toEqual(["FailoverGlobalCluster"]);

    // And a quorum more observers than exist (two controllers, no Route53 check) is an error, never a silent verdict.
    await clusters["eu-west-1"].apply(policyIn("eu-west-1", given, story.aws, 3));
    const ready = await eventually("eu-west-1's policy Ready=False", async () => {
      const condition = (await story.policy("eu-west-1")).status?.conditions?.find((c) => c.type === "Ready");
      return condition?.status === "False" ? condition : undefined;
    });
    expect(ready.reason).toBe("QuorumUnreachable");
    expect(ready.message).toContain("spec.regionUnhealthyWhen.quorum");
  }, 300_000);
});
