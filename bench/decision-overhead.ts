/**
 * Controller overhead of an automatic decision: from the sample that crosses the failure threshold being taken to the
 * FailoverRun existing in the API server, through the real controller wiring (informers, work queue, reconcile, status
 * write, run creation) against a real kube-apiserver. Probes are in-process so the figure is Switchyard's own time.
 * Goal: p99 ≤ 50 ms.
 *   npx tsx bench/decision-overhead.ts [--trials N]
 */
import { CustomObjectsApi, KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { pino } from "pino";
import { RegionPolicyController } from "../src/controllers/regionpolicy/controller.js";
import type { SwitchyardStore } from "../src/controllers/regionpolicy/ports.js";
import { group, plurals, version, type Kind } from "../src/crds/definitions.js";
import type { FailoverPlan } from "../src/crds/generated/failoverplans.js";
import type { FailoverRun } from "../src/crds/generated/failoverruns.js";
import type { RegionPolicy } from "../src/crds/generated/regionpolicies.js";
import { Informer } from "../src/runtime/kube/informer.js";
import { KubeSwitchyardStore } from "../src/runtime/switchyard-store.js";
import { WorkQueue } from "../src/runtime/kube/work-queue.js";
import { startEnvironment } from "../test/env/environment.js";
import { installCrds, kubectl } from "../test/env/kubectl.js";
import { percentile, report } from "./_report.js";
import { stringify } from "yaml";
import { join } from "node:path";

const trialsFlag = process.argv.indexOf("--trials");
const trials = trialsFlag >= 0 ? Number(process.argv[trialsFlag + 1]) : 60;
const namespace = "default";

const env = await startEnvironment({ regionCount: 1 });
try {
  const region = env.info.regions[0]!;
  await installCrds(env.info, region.kubeconfig, join(import.meta.dirname, "..", "src", "crds"));
  const objects: object[] = [];
  for (let i = 0; i < trials; i++) {
    const name = `app-${i}`;
    objects.push(
      {
        apiVersion: "switchyard.dev/v1alpha1",
        kind: "RegionPolicy",
        metadata: { name, namespace },
        spec: {
          regions: [
            { name: "us-east-1", role: "primary" },
            { name: "eu-west-1", role: "secondary" },
          ],
          signals: ["us-east-1", "eu-west-1"].map((r) => ({
            name: "api",
            region: r,
            intervalSeconds: 1,
            http: { url: `http://bench/${name}/${r}` },
          })),
          // The decision's own cost is measured, from one controller's view.
          regionUnhealthyWhen: { quorum: 1 },
          dampening: { failureThreshold: 3, successThreshold: 1, holdDownSeconds: 0 },
          automation: { mode: "Automatic", failoverPlanRef: { name } },
          fencing: { route53: { hostedZoneId: "Z1", recordName: `_switchyard.${name}.example.com` } },
        },
      },
      {
        apiVersion: "switchyard.dev/v1alpha1",
        kind: "FailoverPlan",
        metadata: { name, namespace },
        spec: { regionPolicyRef: { name }, steps: [{ name: "approve", approval: { message: "go" } }] },
      },
    );
  }
  const applied = await kubectl(
    env.info,
    region.kubeconfig,
    ["apply", "-f", "-"],
    objects.map((o) => stringify(o)).join("---\n"),
  );
  if (applied.code !== 0) throw new Error(applied.stderr);

  const kc = new KubeConfig();
  kc.loadFromFile(region.kubeconfig);
  const informer = <T extends KubernetesObject>(kind: Kind) =>
    new Informer<T>({ kubeConfig: kc, resource: { group, version, plural: plurals[kind], namespace } });
  const policies = informer<RegionPolicy>("RegionPolicy");
  const plans = informer<FailoverPlan>("FailoverPlan");
  const runs = informer<FailoverRun>("FailoverRun");
  for (const i of [policies, plans, runs]) i.start();
  await Promise.all([policies, plans, runs].map((i) => i.waitForSync()));

  const failing = new Set<string>();
  /** When the sample that completed the third failure of each policy was taken. */
  const crossedAt = new Map<string, number>();
  const failures = new Map<string, number>();
  const createdAt = new Map<string, number>();
  const reconciles: number[] = [];
  const errors: string[] = [];
  let writes = 0;
  const real = new KubeSwitchyardStore(kc.makeApiClient(CustomObjectsApi), { policies, plans, runs });
  const store: SwitchyardStore = {
    policy: (ns, n) => real.policy(ns, n),
    plan: (ns, n) => real.plan(ns, n),
    runsOf: (ns, p) => real.runsOf(ns, p),
    writePolicyStatus: (p, s) => {
      writes++;
      return real.writePolicyStatus(p, s);
    },
    createRun: async (run) => {
      const outcome = await real.createRun(run);
      createdAt.set(run.metadata.labels?.["switchyard.dev/policy"] ?? "", performance.now());
      return outcome;
    },
  };
  const controller = new RegionPolicyController({
    policies,
    plans,
    runs,
    store,
    events: { event: () => undefined },
    observer: { evaluated: () => undefined, decided: () => undefined, sampled: () => undefined },
    probes: {
      http: (source) => {
        const [, , , name = "", region = ""] = source.url.split("/");
        if (region === "us-east-1" && failing.has(name)) {
          const count = (failures.get(name) ?? 0) + 1;
          failures.set(name, count);
          if (count === 3) crossedAt.set(name, performance.now());
          return Promise.resolve({ ok: false, detail: "HTTP 503" });
        }
        return Promise.resolve({ ok: true, detail: "HTTP 200" });
      },
      prometheus: () => Promise.resolve({ ok: true, detail: "" }),
      route53HealthCheck: () => Promise.resolve({ ok: true, detail: "" }),
      workload: () => Promise.resolve({ ok: true, detail: "" }),
    },
    queue: new WorkQueue<string>(),
    log: pino({ level: "silent" }),
    localRegion: "eu-west-1",
    // As the chart configures the controller: the tenant's default ServiceAccount.
    tenancy: { defaultServiceAccount: "switchyard-tenant" },
    workers: 2,
    now: Date.now,
    onReconciled: (seconds, error) => {
      reconciles.push(seconds * 1000);
      if (error) errors.push(error instanceof Error ? error.message : "unknown error");
    },
  });
  controller.start();
  const waitFor = async (what: string, check: () => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor("every policy Healthy", () =>
    policies.list().every((p) => p.status?.regions?.every((r) => r.health === "Healthy")),
  );
  // Trials one after the other, so they do not queue behind each other.
  for (let i = 0; i < trials; i++) {
    failing.add(`app-${i}`);
    await waitFor(`run of app-${i}`, () => createdAt.has(`app-${i}`), 30_000);
  }
  await controller.stop();
  await Promise.all([policies, plans, runs].map((i) => i.stop()));
  const overheads = [...createdAt].map(([name, t]) => t - (crossedAt.get(name) ?? Number.NaN));
  report("decision_overhead_p50", percentile(overheads, 50), "ms");
  report("decision_overhead_p99", percentile(overheads, 99), "ms");
  report("decision_overhead_trials", overheads.length, "runs");
  report("reconcile_duration_p50", percentile(reconciles, 50), "ms");
  report("reconcile_duration_p99", percentile(reconciles, 99), "ms");
  report("reconcile_errors", errors.length, "count");
  report("status_writes_per_policy", writes / trials, "writes");
} finally {
  await env.stop();
}
