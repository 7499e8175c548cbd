/**
 * The webhook lever against a loopback HTTP receiver, with the bearer token read from a real Secret of a real
 * kube-apiserver and the request sent by Node's own fetch.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { LeverContext, LeverDeps } from "../../src/controllers/failoverrun/levers/lever.js";
import { webhookLever } from "../../src/controllers/failoverrun/levers/webhook.js";
import type { WebhookStep } from "../../src/core/plan/steps.js";
import type { FailoverRun, FailoverRunStatusJournal } from "../../src/crds/generated/failoverruns.js";
import { regionPolicy } from "../fixtures/builders.js";

const env = inject("env");
const namespace = "default";
let core: CoreV1Api;
let server: Server;
let base = "";

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
/** What the receiver answers next: a status and a body. */
let answer = { status: 204, body: "" };

beforeAll(async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(env.regions[0]!.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(answer.status, { "content-type": "text/plain" });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  answer = { status: 204, body: "" };
});

const unused = (what: string) => () => {
  throw new Error(`the webhook lever must not use ${what}`);
};
const deps = (): LeverDeps => ({
  route53: { send: unused("route53") },
  route53Options: { acquire: () => Promise.resolve(), sleep: () => Promise.resolve() },
  rds: unused("rds"),
  cloudwatch: unused("cloudwatch"),
  configMaps: unused("configMaps"),
  scales: unused("scales"),
  jobs: unused("jobs"),
  secrets: () => core,
  fetch: (input, init) => fetch(input, init),
  sleep: () => Promise.resolve(),
  now: () => Date.now(),
});

function context(journal: FailoverRunStatusJournal[] = [], dryRun = false): LeverContext {
  const run: FailoverRun = {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name: "checkout-failover-7", namespace, uid: "6f1c2d3e-0000-4000-8000-000000000007" },
    spec: { planRef: { name: "checkout" }, from: "us-east-1", to: "eu-west-1", dryRun },
    status: { journal },
  };
  return { run, policy: regionPolicy("checkout"), namespace, dryRun };
}

const body = JSON.stringify({ text: "checkout failed over from us-east-1 to eu-west-1" });
const step = (webhook: Partial<WebhookStep["webhook"]> = {}): WebhookStep => ({
  kind: "webhook",
  name: "notify",
  bestEffort: true,
  timeoutSeconds: 10,
  retries: { limit: 3, backoffSeconds: 5 },
  onRollback: "None",
  webhook: { url: `${base}/hooks/failover`, body, ...webhook },
});

async function tokenSecret(token: string): Promise<string> {
  const name = `relay-token-${randomUUID().slice(0, 8)}`;
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name }, stringData: { token: `${token}\n` } },
  });
  return name;
}

describe("webhook lever", () => {
  it("POSTs the body once with the bearer token from the Secret and an idempotency key per attempt", async () => {
    const secret = await tokenSecret("s3cr3t-relay-token");
    const s = step({ secretRef: { name: secret, key: "token" } });
    const lever = webhookLever(deps());
    const ctx = context();

    const prepared = await lever.prepare(s, ctx);
    expect(prepared.intent).toEqual({
      method: "POST",
      url: `${base}/hooks/failover`,
      idempotencyKey: "6f1c2d3e-0000-4000-8000-000000000007/notify/1",
      authorization: `Bearer token from Secret ${namespace}/${secret} key token`,
      body,
    });
    expect(JSON.stringify(prepared)).not.toContain("s3cr3t"); // the journal never holds the token
    expect(received).toHaveLength(0); // prepare sends nothing

    const result = await lever.act(s, ctx);
    expect(result).toEqual({
      type: "Succeeded",
      observed: { idempotencyKey: "6f1c2d3e-0000-4000-8000-000000000007/notify/1", status: 204 },
    });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/hooks/failover");
    expect(request?.body).toBe(body);
    expect(request?.headers.authorization).toBe("Bearer s3cr3t-relay-token");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["idempotency-key"]).toBe("6f1c2d3e-0000-4000-8000-000000000007/notify/1");
  });

  it("resends a crashed attempt with the same key, and a retry with a new one", async () => {
    const lever = webhookLever(deps());
    const running: FailoverRunStatusJournal = { name: "notify", kind: "webhook", state: "Running", attempts: 2 };
    await lever.act(step(), context([running]));
    await lever.act(step(), context([running])); // resumed after a crash: same attempt
    await lever.act(step(), context([{ ...running, state: "Failed" }])); // the next attempt
    expect(received.map((r) => r.headers["idempotency-key"])).toEqual([
      "6f1c2d3e-0000-4000-8000-000000000007/notify/2",
      "6f1c2d3e-0000-4000-8000-000000000007/notify/2",
      "6f1c2d3e-0000-4000-8000-000000000007/notify/3",
    ]);
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it("fails on a non-2xx answer with the status and the start of the body", async () => {
    answer = { status: 503, body: `relay overloaded, retry later ${"x".repeat(1000)}` };
    const result = await webhookLever(deps()).act(step(), context());
    expect(result.type).toBe("Failed");
    const message = result.type === "Failed" ? result.message : "";
    expect(message).toMatch(/^webhook answered 503 Service Unavailable: relay overloaded, retry later x+…$/);
    expect(message.length).toBeLessThan(300);
    expect(result).toMatchObject({ observed: { status: 503 } });
  });

  it("does not follow a redirect", async () => {
    answer = { status: 307, body: "" };
    const result = await webhookLever(deps()).act(step(), context());
    expect(result).toMatchObject({ type: "Failed", observed: { status: 307 } });
    expect(received).toHaveLength(1);
  });

  it("fails when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await webhookLever(deps()).act(step({ url: `http://127.0.0.1:${port}/x` }), context());
    expect(result.type).toBe("Failed");
    expect(result.type === "Failed" && result.message).toMatch(/webhook POST to .* failed: .*ECONNREFUSED/);
  });

  it("names a missing Secret or key before anything is sent", async () => {
    const lever = webhookLever(deps());
    await expect(
      lever.prepare(step({ secretRef: { name: "no-such-secret", key: "token" } }), context()),
    ).rejects.toThrow(`Secret ${namespace}/no-such-secret does not exist`);
    const secret = await tokenSecret("t");
    await expect(lever.prepare(step({ secretRef: { name: secret, key: "other" } }), context())).rejects.toThrow(
      `Secret ${namespace}/${secret} has no key other`,
    );
    expect(received).toHaveLength(0);
  });

  it("sends nothing in a dry run", async () => {
    const lever = webhookLever(deps());
    const ctx = context([], true);
    await lever.prepare(step(), ctx);
    expect(await lever.act(step(), ctx)).toMatchObject({
      type: "Succeeded",
      observed: { wouldPost: `${base}/hooks/failover` },
    });
    expect(received).toHaveLength(0);
  });
});
