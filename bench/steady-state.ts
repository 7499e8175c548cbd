/**
 * The controller in steady state at scale: 1,000 RegionPolicies × 3 HTTP signals every 10 s against a local server,
 * one controller process running the image's bundle (scripts/build-controller.ts) against a real kube-apiserver, with
 * the peer region's controller running too (its own cluster, the same 1,000 policies): each controller reads the
 * other's published views through the peer kubeconfig Secret, and a region counts as evaluated only once both
 * controllers' views of it are in (quorum 2). Measures the us-east-1 process's resident memory and CPU over a window
 * once every policy is evaluated. Goal: ≤ 256 MiB and ≤ 0.5 core. `--no-peer` measures one controller alone
 * (quorum 1), as before peer views.
 *   npx tsx bench/steady-state.ts [--policies N] [--window-seconds S] [--heap-mib M] [--semi-space-mib M]
 *                                 [--no-peer] [--cpu-prof DIR]
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { startEnvironment } from "../test/env/environment.js";
import { installCrds, kubectl } from "../test/env/kubectl.js";
import { freePort, startProcess } from "../test/env/processes.js";
import { tenantObjects, tenantServiceAccount } from "../test/fixtures/tenant.js";
import { buildController, controllerBundle } from "../scripts/build-controller.js";
import { report } from "./_report.js";

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const policies = flag("--policies", 1000);
const windowSeconds = flag("--window-seconds", 60);
/**
 * V8's old-space limit for the controller, as the chart sets it (values.yaml nodeOptions); 0 leaves Node's default,
 * with which V8 on a large machine lets garbage pile up far past what is live before collecting it.
 */
const heapMiB = flag("--heap-mib", 128);
/** V8's semi-space size, as the chart sets it: with only an old-space limit V8 makes the young generation ~1 MiB. */
const semiSpaceMiB = flag("--semi-space-mib", 16);
const withPeer = !process.argv.includes("--no-peer");
/** A folder for V8 CPU profiles of the measured controller, written when it exits (open them in Chrome's DevTools). */
const cpuProfileDir = process.argv.includes("--cpu-prof")
  ? process.argv[process.argv.indexOf("--cpu-prof") + 1]
  : undefined;
const regionNames = ["us-east-1", "eu-west-1"] as const;
const root = join(import.meta.dirname, "..");
const clockTicks = 100; // USER_HZ on Linux

const server = createServer((_req, res) => res.writeHead(200).end("ok"));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

await buildController();
const env = await startEnvironment({ regionCount: withPeer ? 2 : 1 });
const controllers: ReturnType<typeof startProcess>[] = [];
try {
  const homes = env.info.regions;
  const policy = (i: number, peer: string | undefined) => ({
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: `app-${i}`, namespace: "default" },
    spec: {
      regions: regionNames.map((name, r) => ({
        name,
        role: r === 0 ? "primary" : "secondary",
        ...(name === peer ? { cluster: { kubeconfigSecretRef: { name: `peer-${peer}` } } } : {}),
      })),
      signals: [
        { name: "api", region: "us-east-1", intervalSeconds: 10, http: { url: `${url}/app-${i}/use1` } },
        { name: "api", region: "eu-west-1", intervalSeconds: 10, http: { url: `${url}/app-${i}/euw1` } },
        { name: "web", region: "us-east-1", intervalSeconds: 10, http: { url: `${url}/app-${i}/web` } },
      ],
      regionUnhealthyWhen: { quorum: withPeer ? 2 : 1 },
      dampening: { successThreshold: 1 },
      automation: { mode: "Paused" },
    },
  });
  for (const [h, home] of homes.entries()) {
    const peer = withPeer ? homes[1 - h] : undefined;
    await installCrds(env.info, home.kubeconfig, join(root, "src", "crds"));
    const secret = peer && {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `peer-${regionNames[1 - h]}`, namespace: "default" },
      stringData: { kubeconfig: await readFile(peer.kubeconfig, "utf8") },
    };
    // The peer kubeconfig Secret is read as the policy's tenant ServiceAccount, as the chart sets the controller up.
    const objects = [
      ...tenantObjects("default"),
      ...(secret ? [secret] : []),
      ...Array.from({ length: policies }, (_, i) => policy(i, peer ? regionNames[1 - h] : undefined)),
    ];
    const applied = await kubectl(
      env.info,
      home.kubeconfig,
      ["apply", "-f", "-"],
      objects.map((o) => stringify(o)).join("---\n"),
    );
    if (applied.code !== 0) throw new Error(applied.stderr);
  }

  const ports: number[] = [];
  for (const [h, home] of homes.entries()) {
    const port = await freePort();
    ports.push(port);
    controllers.push(
      startProcess(
        `controller ${regionNames[h]}`,
        process.execPath,
        [
          ...(heapMiB > 0 ? [`--max-old-space-size=${heapMiB}`] : []),
          ...(semiSpaceMiB > 0 ? [`--max-semi-space-size=${semiSpaceMiB}`] : []),
          ...(cpuProfileDir && h === 0 ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : []),
          controllerBundle,
          ...["--region", regionNames[h]!, "--kubeconfig", home.kubeconfig, "--lease-namespace", "default"],
          ...["--health-address", `127.0.0.1:${port}`, "--log-level", "warn"],
          ...["--default-service-account", tenantServiceAccount],
        ],
        join(env.info.dir, `controller-${regionNames[h]}.log`),
      ),
    );
  }
  const [controller] = controllers as [ReturnType<typeof startProcess>];
  const port = ports[0]!;
  const kc = new KubeConfig();
  kc.loadFromFile(homes[0]!.kubeconfig);
  const api = kc.makeApiClient(CustomObjectsApi);
  const observers = withPeer ? 2 : 1;
  const evaluated = async () => {
    const list = (await api.listNamespacedCustomObject({
      group: "switchyard.dev",
      version: "v1alpha1",
      namespace: "default",
      plural: "regionpolicies",
    })) as { items: { status?: { regions?: { health?: string; healthyObservers?: string[] }[] } }[] };
    return list.items.filter((p) =>
      p.status?.regions?.every((r) => r.health === "Healthy" && (r.healthyObservers?.length ?? 0) >= observers),
    ).length;
  };
  const warmupStarted = Date.now();
  while ((await evaluated()) < policies) {
    if (Date.now() - warmupStarted > 600_000) throw new Error("policies were not all evaluated within 10 minutes");
    await new Promise((r) => setTimeout(r, 2000));
  }
  const pid = controller.child.pid ?? 0;
  const cpuTicks = async () => {
    const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  };
  const rssMiB = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sample = (text: string, series: string) =>
    Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  const policyReconciles = (text: string) => ({
    count: sample(text, 'switchyard_reconcile_duration_seconds_count{controller="regionpolicy"}'),
    sum: sample(text, 'switchyard_reconcile_duration_seconds_sum{controller="regionpolicy"}'),
    errors: sample(text, 'switchyard_reconcile_errors_total{controller="regionpolicy"}') || 0,
  });
  const reconcilesBefore = policyReconciles(await scrape());
  const ticksBefore = await cpuTicks();
  const started = performance.now();
  let peak = 0;
  while (performance.now() - started < windowSeconds * 1000) {
    peak = Math.max(peak, await rssMiB());
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cores = (await cpuTicks()) - ticksBefore;
  const metrics = await scrape();
  const gauge = (name: string) => sample(metrics, name);
  const elapsed = (performance.now() - started) / 1000;
  const reconcilesAfter = policyReconciles(metrics);
  const reconciles = reconcilesAfter.count - reconcilesBefore.count;
  report("steady_state_policies", policies, "policies");
  report("steady_state_peer_views_read", withPeer ? policies : 0, "policies");
  report("steady_state_signals_per_second", (policies * 3) / 10, "samples/s");
  report("steady_state_rss_peak", peak, "MiB");
  report("steady_state_cpu", cores / clockTicks / elapsed, "cores");
  report("steady_state_heap_used", gauge("nodejs_heap_size_used_bytes") / 2 ** 20, "MiB");
  report("steady_state_heap_total", gauge("nodejs_heap_size_total_bytes") / 2 ** 20, "MiB");
  report("steady_state_external", gauge("nodejs_external_memory_bytes") / 2 ** 20, "MiB");
  // The RegionPolicy queue: a depth that stays high, or reconciles slower than the policies' wake-ups, is a backlog.
  report("steady_state_policy_reconciles", reconciles / elapsed, "reconciles/s");
  report(
    "steady_state_policy_reconcile_mean",
    ((reconcilesAfter.sum - reconcilesBefore.sum) / reconciles) * 1000,
    "ms",
  );
  report("steady_state_policy_reconcile_errors", reconcilesAfter.errors - reconcilesBefore.errors, "count");
  report("steady_state_policy_queue_depth", gauge('switchyard_workqueue_depth{controller="regionpolicy"}'), "keys");
  report("steady_state_warmup", (Date.now() - warmupStarted) / 1000 - elapsed, "s");
} finally {
  await Promise.all(controllers.map((c) => c.stop()));
  server.closeAllConnections();
  server.close();
  await env.stop();
}
