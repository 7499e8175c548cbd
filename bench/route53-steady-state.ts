/**
 * Route53 cost of a steady state: N RegionPolicies (default 1,000) spread over 10 hosted zones, each with its weighted
 * records and fencing record, one HTTP signal per region every 10 s, Manual mode (nothing moves), their FailoverPlans
 * evaluated by plan readiness; one controller process (the image's bundle) against a real kube-apiserver and the AWS emulator
 * (which meters the account as Route53 does). Once every policy has been evaluated, counts the controller's Route53
 * requests over a window, by action, and any the emulator throttled. Goal (issue 14): well under 10 % of the account's
 * 10 requests a second, i.e. under 60 a minute.
 *   npx tsx bench/route53-steady-state.ts [--policies N] [--zones Z] [--window-seconds S]
 */
import { createServer } from "node:http";
import { join } from "node:path";
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, type Change } from "@aws-sdk/client-route-53";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { fenceChange, fencingRecordSet } from "../src/core/plan/fencing.js";
import { route53Client } from "../test/env/aws-clients.js";
import { EmulatorControl, controllerAccessKeyId } from "../test/env/aws-emulator.js";
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
const zones = flag("--zones", 10);
const windowSeconds = flag("--window-seconds", 60);
const namespace = "steady";
const root = join(import.meta.dirname, "..");

const server = createServer((_req, res) => res.writeHead(200).end("ok"));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

await buildController();
const env = await startEnvironment({ regionCount: 1 });
let controller: ReturnType<typeof startProcess> | undefined;
try {
  const home = env.info.regions[0]!;
  const control = new EmulatorControl(env.info.aws.endpoint);
  process.env.AWS_ACCESS_KEY_ID = env.info.aws.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = env.info.aws.secretAccessKey;
  // Seeding is not what is measured: it may go as fast as the emulator takes it.
  await control.configure({ changePropagationSeconds: 0, route53Throttling: { enabled: false } });
  const route53 = route53Client(env.info.aws, 3);
  const zoneIds: string[] = [];
  for (let z = 0; z < zones; z++) {
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: `apps${z}.example.com`, CallerReference: `steady-${z}` }),
    );
    zoneIds.push(zone.HostedZone?.Id?.split("/").at(-1) ?? "");
  }
  const zoneOf = (i: number) => zoneIds[i % zones]!;
  const domainOf = (i: number) => `apps${i % zones}.example.com`;
  for (let z = 0; z < zones; z++) {
    const changes: Change[] = [];
    for (let i = z; i < policies; i += zones) {
      for (const [id, weight] of [
        ["use1", 100],
        ["euw1", 0],
      ] as const) {
        changes.push({
          Action: "CREATE",
          ResourceRecordSet: {
            Name: `app-${i}.${domainOf(i)}`,
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
          fencingRecordSet(`_switchyard.app-${i}.${domainOf(i)}`, 60, { active: "us-east-1", epoch: 1 }),
        ),
      );
    }
    for (let at = 0; at < changes.length; at += 900) {
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneIds[z],
          ChangeBatch: { Changes: changes.slice(at, at + 900) },
        }),
      );
    }
  }
  await control.configure({ route53Throttling: { enabled: true } });

  await installCrds(env.info, home.kubeconfig, join(root, "src", "crds"));
  const objects: object[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    ...tenantObjects(namespace),
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
            intervalSeconds: 10,
            http: { url: `${url}/${name}/${region}` },
          })),
          regionUnhealthyWhen: { quorum: 1 },
          automation: { mode: "Manual", failoverPlanRef: { name } },
          fencing: { route53: { hostedZoneId: zoneOf(i), recordName: `_switchyard.${name}.${domainOf(i)}` } },
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
              name: "shift",
              route53: {
                hostedZoneId: zoneOf(i),
                recordName: `${name}.${domainOf(i)}`,
                type: "CNAME",
                setIdentifiers: { "us-east-1": "use1", "eu-west-1": "euw1" },
                weights: { "{{to}}": 100, "{{from}}": 0 },
              },
            },
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

  const port = await freePort();
  controller = startProcess(
    "controller us-east-1",
    process.execPath,
    [
      "--max-old-space-size=128",
      "--max-semi-space-size=16",
      controllerBundle,
      ...["--region", "us-east-1", "--kubeconfig", home.kubeconfig, "--lease-namespace", "default"],
      ...["--health-address", `127.0.0.1:${port}`, "--log-level", "warn"],
      ...["--aws-endpoint", env.info.aws.endpoint, "--default-service-account", tenantServiceAccount],
    ],
    join(env.info.dir, "controller-us-east-1.log"),
    { ...process.env, AWS_ACCESS_KEY_ID: controllerAccessKeyId },
  );

  // Warm-up: every policy has read its fencing record (its status carries the epoch).
  const kc = new KubeConfig();
  kc.loadFromFile(home.kubeconfig);
  const api = kc.makeApiClient(CustomObjectsApi);
  const warmupStarted = Date.now();
  for (;;) {
    const list = (await api.listNamespacedCustomObject({
      group: "switchyard.dev",
      version: "v1alpha1",
      namespace,
      plural: "regionpolicies",
    })) as { items: { status?: { epoch?: number } }[] };
    if (list.items.filter((p) => p.status?.epoch === 1).length >= policies) break;
    if (Date.now() - warmupStarted > 900_000) throw new Error("policies were not all evaluated within 15 minutes");
    await new Promise((r) => setTimeout(r, 5000));
  }

  const since = Date.now() / 1000;
  await new Promise((r) => setTimeout(r, windowSeconds * 1000));
  const calls = (await control.calls()).filter(
    (c) => c.service === "route53" && c.accessKeyId === controllerAccessKeyId && c.time >= since,
  );
  const perMinute = (n: number) => (n * 60) / windowSeconds;
  report("route53_steady_policies", policies, "policies");
  report("route53_steady_zones", zones, "zones");
  report("route53_steady_warmup", (Date.now() - warmupStarted) / 1000 - windowSeconds, "s");
  report("route53_steady_requests_per_minute", perMinute(calls.length), "requests/min");
  report("route53_steady_share_of_account", (calls.length / windowSeconds / 10) * 100, "%");
  for (const action of [...new Set(calls.map((c) => c.action))].sort()) {
    report(
      `route53_steady_${action}_per_minute`,
      perMinute(calls.filter((c) => c.action === action).length),
      "requests/min",
    );
  }
  report("route53_steady_throttled", calls.filter((c) => c.throttled && !c.injected).length, "requests");
} finally {
  await controller?.stop();
  server.closeAllConnections();
  server.close();
  await env.stop();
}
