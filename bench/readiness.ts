/**
 * Continuous plan readiness at scale: 1,000 RegionPolicies, each with its FailoverPlan (a flag, a route53 step of its
 * own record, an Aurora promotion of one shared global cluster, a wait), their weighted records and fencing records in
 * one hosted zone, against a real kube-apiserver and the AWS emulator. The controller's own wiring (connect(), as
 * main.ts builds it) evaluates every plan once, as one evaluation interval does, then again at once (within the
 * shared reads' lifetime). Reports per round: wall time, CPU of this process, AWS requests by service, Kubernetes API
 * requests (the apiserver's own apiserver_request_total), and the Route53 request rate that comes to at the default
 * --plan-evaluation-interval-seconds (300). Goal: a round well inside the interval, Route53 a small share of 5 req/s.
 *   npx tsx bench/readiness.ts [--policies N]
 */
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, type Change } from "@aws-sdk/client-route-53";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { stringify } from "yaml";
import { reconcileFailoverPlan } from "../src/controllers/failoverplan/reconcile.js";
import { fenceChange, fencingRecordSet } from "../src/core/plan/fencing.js";
import { clusterInformers, connect } from "../src/runtime/clients.js";
import { loadConfig } from "../src/runtime/config.js";
import { route53Client } from "../test/env/aws-clients.js";
import { EmulatorControl, controllerAccessKeyId } from "../test/env/aws-emulator.js";
import { startEnvironment } from "../test/env/environment.js";
import { installCrds, kubectl } from "../test/env/kubectl.js";
import { createGlobalDatabase } from "../test/fixtures/checkout-world.js";
import { tenantObjects, tenantServiceAccount } from "../test/fixtures/tenant.js";
import { report } from "./_report.js";
import { join } from "node:path";

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const policies = flag("--policies", 1000);
const namespace = "bench";
const root = join(import.meta.dirname, "..");
const defaultIntervalSeconds = 300;

const env = await startEnvironment({ regionCount: 1 });
try {
  const home = env.info.regions[0]!;
  const control = new EmulatorControl(env.info.aws.endpoint);
  await control.configure({ changePropagationSeconds: 0 });
  process.env.AWS_ACCESS_KEY_ID = env.info.aws.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = env.info.aws.secretAccessKey;

  // AWS: every policy's two weighted records and its fencing record in one zone; one global database for all.
  const route53 = route53Client(env.info.aws, 3);
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: "apps.example.com", CallerReference: "bench" }));
  const zoneId = zone.HostedZone?.Id?.split("/").at(-1) ?? "";
  const changes: Change[] = [];
  for (let i = 0; i < policies; i++) {
    for (const [id, weight] of [
      ["use1", 100],
      ["euw1", 0],
    ] as const) {
      changes.push({
        Action: "CREATE",
        ResourceRecordSet: {
          Name: `app-${i}.apps.example.com`,
          Type: "CNAME",
          SetIdentifier: id,
          Weight: weight,
          TTL: 30,
          ResourceRecords: [{ Value: `${id}.lb.example.com` }],
        },
      });
    }
    changes.push(
      ...fenceChange(
        undefined,
        fencingRecordSet(`_switchyard.app-${i}.apps.example.com`, 60, { active: "us-east-1", epoch: 1 }),
      ),
    );
  }
  // Route53 takes at most 1,000 changes a batch.
  for (let at = 0; at < changes.length; at += 900) {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: changes.slice(at, at + 900) },
      }),
    );
  }
  const members = await createGlobalDatabase(env.info.aws, "shared", ["us-east-1", "eu-west-1"]);

  // Kubernetes: the tenant's namespace, its flag ConfigMap, the policies and plans.
  await installCrds(env.info, home.kubeconfig, join(root, "src", "crds"));
  const objects: object[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    ...tenantObjects(namespace),
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-flags", namespace }, data: { read_only: "false" } },
  ];
  for (let i = 0; i < policies; i++) {
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
          signals: ["us-east-1", "eu-west-1"].map((region) => ({
            name: "api",
            region,
            http: { url: `http://127.0.0.1:9/${name}` },
          })),
          automation: { mode: "Manual", failoverPlanRef: { name } },
          fencing: { route53: { hostedZoneId: zoneId, recordName: `_switchyard.${name}.apps.example.com` } },
          serviceAccountName: tenantServiceAccount,
        },
      },
      {
        apiVersion: "switchyard.dev/v1alpha1",
        kind: "FailoverPlan",
        metadata: { name, namespace },
        spec: {
          regionPolicyRef: { name },
          steps: [
            {
              name: "freeze",
              flag: { region: "us-east-1", configMapRef: { name: "app-flags" }, key: "read_only", value: "true" },
            },
            {
              name: "shift",
              route53: {
                hostedZoneId: zoneId,
                recordName: `${name}.apps.example.com`,
                type: "CNAME",
                setIdentifiers: { "us-east-1": "use1", "eu-west-1": "euw1" },
                weights: { "{{to}}": 100, "{{from}}": 0 },
              },
            },
            { name: "promote", auroraGlobal: { globalClusterIdentifier: "shared", members, mode: "Auto" } },
            { name: "wait", waitFor: { signal: "api", region: "{{to}}", healthy: true } },
          ],
        },
      },
    );
  }
  const applied = await kubectl(
    env.info,
    home.kubeconfig,
    ["apply", "-f", "-"],
    objects.map((o) => stringify(o)).join("---\n"),
  );
  if (applied.code !== 0) throw new Error(applied.stderr);

  // The controller's wiring, in this process, signing as the controller.
  process.env.AWS_ACCESS_KEY_ID = controllerAccessKeyId;
  const config = loadConfig(
    [
      "--region",
      "us-east-1",
      "--kubeconfig",
      home.kubeconfig,
      "--namespace",
      namespace,
      "--aws-endpoint",
      env.info.aws.endpoint,
    ],
    {},
  );
  const log = pino({ level: "silent" });
  const kc = new KubeConfig();
  kc.loadFromFile(home.kubeconfig);
  const informers = clusterInformers(kc, config, log);
  for (const informer of informers.all) informer.start();
  await Promise.all(informers.all.map((i) => i.waitForSync()));
  const clients = connect(kc, informers, config, log, "bench");
  let events = 0;
  const deps = {
    store: clients.store,
    checks: clients.planChecks,
    events: { event: () => void events++ },
    log,
    tenancy: { defaultServiceAccount: tenantServiceAccount, actAsController: false },
    intervalMs: defaultIntervalSeconds * 1000,
    now: Date.now,
  };

  const apiserverRequests = async () => {
    const raw = await kubectl(env.info, home.kubeconfig, ["get", "--raw", "/metrics"]);
    let total = 0;
    for (const line of raw.stdout.split("\n")) {
      if (line.startsWith("apiserver_request_total{")) total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return total;
  };

  const round = async (label: string) => {
    const keys = informers.plans.list().map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    const awsBefore = (await control.calls()).length;
    const kubeBefore = await apiserverRequests();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    // Two workers, as the controller runs them.
    let next = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (next < keys.length) await reconcileFailoverPlan(keys[next++]!, deps);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const calls = (await control.calls()).slice(awsBefore).filter((c) => c.accessKeyId === controllerAccessKeyId);
    const byService = (service: string) => calls.filter((c) => c.service === service).length;
    // The two reads of /metrics themselves are not the controller's.
    const kube = (await apiserverRequests()) - kubeBefore - 1;
    report(`readiness_${label}_round_seconds`, seconds, "s");
    report(`readiness_${label}_cpu_seconds`, (cpu.user + cpu.system) / 1e6, "s");
    report(`readiness_${label}_route53_requests`, byService("route53"), "requests");
    report(`readiness_${label}_rds_requests`, byService("rds"), "requests");
    report(`readiness_${label}_cloudwatch_requests`, byService("monitoring") + byService("cloudwatch"), "requests");
    report(`readiness_${label}_kube_requests_per_plan`, kube / keys.length, "requests");
    return byService("route53");
  };

  report("readiness_plans", informers.plans.list().length, "plans");
  const route53Cold = await round("cold");
  report("readiness_route53_rate_at_default_interval", route53Cold / defaultIntervalSeconds, "requests/s");
  await round("shared");
  const ready = informers.plans.list().filter((p) => {
    const status = (p as { status?: { conditions?: { type: string; status: string }[] } }).status;
    return status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  }).length;
  report("readiness_plans_ready", ready, "plans");
  report("readiness_events", events, "events");
  await Promise.all(informers.all.map((informer) => informer.stop()));
  clients.destroy();
} finally {
  await env.stop();
}
