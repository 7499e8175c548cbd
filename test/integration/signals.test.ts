/**
 * Each signal probe against the real thing it reads: a local HTTP server, a real Prometheus server scraping a local
 * exporter, Route53 health checks in the AWS emulator, and Deployments in a real kube-apiserver.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateHealthCheckCommand } from "@aws-sdk/client-route-53";
import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { probeHttp } from "../../src/signals/http-probe.js";
import { probePrometheus } from "../../src/signals/prometheus-probe.js";
import { route53HealthCheckProbe } from "../../src/signals/route53-health-check-probe.js";
import { workloadProbe } from "../../src/signals/workload-probe.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { startPrometheus, type PrometheusServer } from "../env/prometheus.js";

const env = inject("env");
const context = { signal: new AbortController().signal, namespace: "default" };

let server: Server;
let base = "";
let behaviour: { status: number; body: string; delayMs: number } = { status: 200, body: "ok", delayMs: 0 };
let errorRatio = 0.05;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/metrics") {
      res.end(`# TYPE checkout_error_ratio gauge\ncheckout_error_ratio{region="us-east-1"} ${errorRatio}\n`);
      return;
    }
    setTimeout(() => res.writeHead(behaviour.status).end(behaviour.body), behaviour.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("http signal", () => {
  it.each([
    [{ status: 200, body: "ok", delayMs: 0 }, {}, true, "HTTP 200"],
    [{ status: 503, body: "down", delayMs: 0 }, {}, false, "HTTP 503, expected 200"],
    [{ status: 204, body: "", delayMs: 0 }, { expectStatus: [200, 204] }, true, "HTTP 204"],
    [{ status: 200, body: "degraded", delayMs: 0 }, { bodyContains: "ok" }, false, 'lacks "ok"'],
    [{ status: 200, body: "all ok", delayMs: 0 }, { bodyContains: "ok" }, true, "HTTP 200"],
    [{ status: 200, body: "ok", delayMs: 1500 }, { timeoutSeconds: 1 }, false, "timed out"],
  ])("%o with %o → ok=%s (%s)", async (serve, options, ok, detail) => {
    behaviour = serve;
    const result = await probeHttp({ url: `${base}/healthz`, ...options }, context);
    expect(result.ok).toBe(ok);
    expect(result.detail).toContain(detail);
  });

  it("fails with the reason when nothing listens", async () => {
    const result = await probeHttp({ url: "http://127.0.0.1:1/healthz", timeoutSeconds: 1 }, context);
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/ECONNREFUSED|fetch failed/);
  });
});

describe("prometheus signal (real Prometheus)", () => {
  let prometheus: PrometheusServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "switchyard-prometheus-"));
    prometheus = await startPrometheus(dir, [base.replace("http://", "")]);
  });

  afterAll(async () => {
    await prometheus.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const query = (q: string, unhealthyWhen: { above?: number; below?: number }) =>
    probePrometheus({ url: prometheus.url, query: q, unhealthyWhen }, context);

  it("compares an instant query's value with the thresholds", async () => {
    expect(await query("vector(0.01)", { above: 0.02 })).toEqual({ ok: true, detail: "value 0.01" });
    expect(await query("vector(0.05)", { above: 0.02 })).toEqual({ ok: false, detail: "value 0.05 is above 0.02" });
    expect(await query("scalar(vector(3))", { below: 5 })).toEqual({ ok: false, detail: "value 3 is below 5" });
  });

  it("fails on no data, on many series and on a bad query", async () => {
    expect((await query("no_such_metric", { above: 1 })).detail).toBe("query returned no samples");
    const twoSeries = 'label_replace(vector(1), "zone", "a", "", "") or label_replace(vector(2), "zone", "b", "", "")';
    expect(await query(twoSeries, { above: 9 })).toEqual({
      ok: false,
      detail: "query returned 2 samples, expected one",
    });
    expect((await query("(", { above: 1 })).detail).toMatch(/^query failed: /);
  });

  it("reads a scraped series", async () => {
    errorRatio = 0.05;
    const q = 'checkout_error_ratio{region="us-east-1"}';
    let result = await query(q, { above: 0.02 });
    for (let i = 0; i < 100 && result.detail === "query returned no samples"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      result = await query(q, { above: 0.02 });
    }
    expect(result).toEqual({ ok: false, detail: "value 0.05 is above 0.02" });
  });
});

describe("route53HealthCheck signal (AWS emulator)", () => {
  it("passes while more than the threshold share of checkers see the endpoint healthy", async () => {
    const route53 = route53Client(env.aws);
    const { HealthCheck } = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `signal-${Date.now()}`,
        HealthCheckConfig: { Type: "HTTPS", FullyQualifiedDomainName: "use1.example.com", ResourcePath: "/healthz" },
      }),
    );
    const id = HealthCheck?.Id ?? "";
    const control = new EmulatorControl(env.aws.endpoint);
    const quota = { acquire: () => Promise.resolve(), sleep: () => Promise.resolve() };
    const probe = route53HealthCheckProbe(route53, quota, { shareForMs: 0 });
    expect(await probe({ healthCheckId: id }, context)).toEqual({ ok: true, detail: "8/8 Route53 checkers healthy" });
    await control.setHealthCheck(id, 1); // 12.5 % is not more than 18 %
    expect(await probe({ healthCheckId: id }, context)).toEqual({ ok: false, detail: "1/8 Route53 checkers healthy" });
    await control.setHealthCheck(id, 2); // 25 %
    expect((await probe({ healthCheckId: id }, context)).ok).toBe(true);
    expect((await probe({ healthCheckId: id, minHealthyCheckerPercent: 50 }, context)).ok).toBe(false);
    expect((await probe({ healthCheckId: "no-such-check" }, context)).ok).toBe(false);
  });

  it("asks Route53 once for the signals of one health check that come within the share window", async () => {
    const route53 = route53Client(env.aws);
    const { HealthCheck } = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `shared-${Date.now()}`,
        HealthCheckConfig: { Type: "HTTPS", FullyQualifiedDomainName: "euw1.example.com", ResourcePath: "/healthz" },
      }),
    );
    const id = HealthCheck?.Id ?? "";
    const control = new EmulatorControl(env.aws.endpoint);
    // Real backoff: the story before this one spent the account's GetHealthCheckStatus bucket (4, 1 a second).
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    const probe = route53HealthCheckProbe(route53, { acquire: () => Promise.resolve(), sleep }, { shareForMs: 60_000 });
    const before = (await control.calls()).length;
    const answers = await Promise.all(
      [0, 18, 50].map((minHealthyCheckerPercent) => probe({ healthCheckId: id, minHealthyCheckerPercent }, context)),
    );
    expect(answers.map((a) => a.ok)).toEqual([true, true, true]);
    expect(await probe({ healthCheckId: id }, context)).toMatchObject({ ok: true });
    // Answered ones: a throttled attempt (the bucket refilling) is retried and logged too.
    const asked = (await control.calls())
      .slice(before)
      .filter((c) => c.action === "GetHealthCheckStatus" && c.error === undefined);
    expect(asked).toHaveLength(1);
  });
});

describe("workload signal (real kube-apiserver)", () => {
  it("counts available replicas of a Deployment", async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(env.regions[0]!.kubeconfig);
    const apps = kc.makeApiClient(AppsV1Api);
    const name = `checkout-api-${Date.now()}`;
    await apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: "api", image: "checkout:1" }] },
          },
        },
      },
    });
    // No controller-manager runs here, so the test plays its part and reports the replicas as the status would.
    const report = (available: number) =>
      apps.patchNamespacedDeploymentStatus(
        {
          name,
          namespace: "default",
          body: { status: { replicas: 3, readyReplicas: available, availableReplicas: available } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    const probe = workloadProbe(() => Promise.resolve(apps));
    await report(1);
    const source = { kind: "Deployment" as const, name, minAvailable: 2 };
    expect(await probe(source, "us-east-1", context)).toEqual({
      ok: false,
      detail: `Deployment default/${name}: 1 available, need 2`,
    });
    await report(3);
    expect((await probe(source, "us-east-1", context)).ok).toBe(true);
    expect(await probe({ ...source, name: "missing" }, "us-east-1", context)).toEqual({
      ok: false,
      detail: "Deployment default/missing not found",
    });
  });
});
