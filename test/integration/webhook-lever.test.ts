/**
 * The webhook lever against loopback receivers, with the address and bearer token read from a real Secret of a real
 * kube-apiserver. The plain-http receiver stands for one inside the cluster (its Secret allows http) and is reached by
 * Node's own fetch; the https receiver, for a plan-given URL, by a small fetch over node:https that trusts the test's
 * CA (Node's fetch takes no CA of its own).
 */
import { randomUUID } from "node:crypto";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
  type Server,
} from "node:http";
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { LeverContext, LeverDeps } from "../../src/controllers/failoverrun/levers/lever.js";
import { webhookLever } from "../../src/controllers/failoverrun/levers/webhook.js";
import type { WebhookStep } from "../../src/core/plan/steps.js";
import type { FailoverRun, FailoverRunStatusJournal } from "../../src/crds/generated/failoverruns.js";
import { createPki } from "../env/pki.js";
import { regionPolicy } from "../fixtures/builders.js";

const env = inject("env");
const namespace = "default";
let core: CoreV1Api;
let server: Server;
let secureServer: HttpsServer;
let base = "";
let secureBase = "";
let ca = "";
let pkiDir = "";
/** A Secret naming the plain-http receiver with allowInsecure and no token: the default target of `step()`. */
let relay = "";

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
  const receive = (req: IncomingMessage, res: ServerResponse) => {
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
  };
  server = createServer(receive);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  pkiDir = await mkdtemp(join(tmpdir(), "switchyard-webhook-"));
  const pki = await createPki(pkiDir, "webhook");
  ca = await readFile(pki.caCert, "utf8");
  const [cert, key] = await Promise.all([readFile(pki.servingCert), readFile(pki.servingKey)]);
  secureServer = createHttpsServer({ cert, key }, receive);
  await new Promise<void>((resolve) => secureServer.listen(0, "127.0.0.1", resolve));
  secureBase = `https://127.0.0.1:${(secureServer.address() as AddressInfo).port}`;
  relay = await targetSecret({ address: `${base}/hooks/failover`, allowInsecure: "true" });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => secureServer.close(() => resolve()));
  await rm(pkiDir, { recursive: true, force: true });
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
  fetch: (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return url.startsWith("https:") ? trustingFetch(url, init) : fetch(input, init);
  },
  sleep: () => Promise.resolve(),
  now: () => Date.now(),
});

/** Enough of fetch for the lever, over node:https with the test CA; never follows a redirect, like the lever asks. */
function trustingFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: init.method ?? "GET", headers: init.headers as Record<string, string>, ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const content = status === 204 || status === 304 ? null : Buffer.concat(chunks); // no body allowed there
          resolve(new Response(content, { status, statusText: res.statusMessage }));
        });
      },
    );
    req.on("error", reject);
    req.end(typeof init.body === "string" ? init.body : undefined);
  });
}

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
  webhook: {
    ...(webhook.url !== undefined ? { url: webhook.url } : { secretRef: webhook.secretRef ?? { name: relay } }),
    body,
  },
});

async function targetSecret(stringData: Record<string, string>): Promise<string> {
  const name = `relay-${randomUUID().slice(0, 8)}`;
  await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
  return name;
}

describe("webhook lever", () => {
  it("POSTs the body once to the Secret's address with the Secret's token and an idempotency key per attempt", async () => {
    const secret = await targetSecret({
      address: `${base}/hooks/s3cr3t-path\n`,
      token: "s3cr3t-relay-token\n",
      allowInsecure: "true",
    });
    const s = step({ secretRef: { name: secret } });
    const lever = webhookLever(deps());
    const ctx = context();

    const prepared = await lever.prepare(s, ctx);
    expect(prepared.intent).toEqual({
      method: "POST",
      url: `the address in Secret ${namespace}/${secret}`,
      idempotencyKey: "6f1c2d3e-0000-4000-8000-000000000007/notify/1",
      authorization: `Bearer token from Secret ${namespace}/${secret} key token`,
      body,
    });
    expect(received).toHaveLength(0); // prepare sends nothing

    const result = await lever.act(s, ctx);
    expect(result).toEqual({
      type: "Succeeded",
      observed: { idempotencyKey: "6f1c2d3e-0000-4000-8000-000000000007/notify/1", status: 204 },
    });
    // What is journaled (the intent, the observed result) holds neither the token nor the address it came with.
    expect(JSON.stringify([prepared, result])).not.toMatch(/s3cr3t/);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/hooks/s3cr3t-path");
    expect(request?.body).toBe(body);
    expect(request?.headers.authorization).toBe("Bearer s3cr3t-relay-token");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["idempotency-key"]).toBe("6f1c2d3e-0000-4000-8000-000000000007/notify/1");
  });

  it("keeps the token and the address out of a failure's message and result", async () => {
    const secret = await targetSecret({ address: `${base}/hooks/s3cr3t-path`, token: "s3cr3t", allowInsecure: "true" });
    // A receiver that echoes the request back in its error.
    answer = { status: 401, body: `bad token s3cr3t for ${base}/hooks/s3cr3t-path` };
    const lever = webhookLever(deps());
    const result = await lever.act(step({ secretRef: { name: secret } }), context());
    expect(result).toMatchObject({
      type: "Failed",
      message: "webhook answered 401 Unauthorized: bad token [token] for [address]",
    });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gone = await targetSecret({
      address: `http://127.0.0.1:${port}/s3cr3t`,
      token: "s3cr3t",
      allowInsecure: "true",
    });
    const refused = await lever.act(step({ secretRef: { name: gone } }), context());
    expect(refused.type).toBe("Failed");
    expect(refused.type === "Failed" && refused.message).toMatch(
      new RegExp(`^webhook POST to the address in Secret ${namespace}/${gone} failed: .*ECONNREFUSED`),
    );
    expect(JSON.stringify([result, refused])).not.toMatch(/s3cr3t/);
  });

  it("POSTs to a plan-given https URL without any Authorization header", async () => {
    const s = step({ url: `${secureBase}/status-page` });
    const lever = webhookLever(deps());
    const prepared = await lever.prepare(s, context());
    expect(prepared.intent).toMatchObject({ url: `${secureBase}/status-page`, authorization: "none" });
    expect(await lever.act(s, context())).toMatchObject({ type: "Succeeded", observed: { status: 204 } });
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe("/status-page");
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it("refuses a plan-given plain http URL before anything is sent", async () => {
    const lever = webhookLever(deps());
    const s = step({ url: `${base}/hooks/failover` });
    await expect(lever.prepare(s, context())).rejects.toThrow(/webhook url is plain http:\/\/.*must be https/);
    await expect(lever.act(s, context())).rejects.toThrow(/must be https/);
    expect(received).toHaveLength(0);
  });

  it("refuses a Secret's plain http address unless the Secret allows it, without repeating the address", async () => {
    const lever = webhookLever(deps());
    const secret = await targetSecret({ address: `${base}/hooks/s3cr3t`, token: "t" });
    const refusal = lever.prepare(step({ secretRef: { name: secret } }), context());
    await expect(refusal).rejects.toThrow(
      `Secret ${namespace}/${secret} key address is plain http:// (set key allowInsecure to "true" to allow it)`,
    );
    await expect(refusal).rejects.not.toThrow(/s3cr3t/);
    await expect(lever.act(step({ secretRef: { name: secret } }), context())).rejects.toThrow(/plain http/);
    const other = await targetSecret({ address: "ftp://files.example.com/x", allowInsecure: "true" });
    await expect(lever.prepare(step({ secretRef: { name: other } }), context())).rejects.toThrow(
      `Secret ${namespace}/${other} key address has scheme ftp, not https`,
    );
    expect(received).toHaveLength(0);
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
    expect(received[0]?.headers.authorization).toBeUndefined(); // the relay Secret has no token
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

  it("names a missing Secret, a missing address or an empty token before anything is sent", async () => {
    const lever = webhookLever(deps());
    await expect(lever.prepare(step({ secretRef: { name: "no-such-secret" } }), context())).rejects.toThrow(
      `Secret ${namespace}/no-such-secret does not exist`,
    );
    const tokenOnly = await targetSecret({ token: "t" });
    await expect(lever.prepare(step({ secretRef: { name: tokenOnly } }), context())).rejects.toThrow(
      `Secret ${namespace}/${tokenOnly} has no key address (the URL to POST to)`,
    );
    const empty = await targetSecret({ address: `${secureBase}/x`, token: " \n" });
    await expect(lever.prepare(step({ secretRef: { name: empty } }), context())).rejects.toThrow(
      `Secret ${namespace}/${empty} key token is empty`,
    );
    expect(received).toHaveLength(0);
  });

  it("sends nothing in a dry run", async () => {
    const lever = webhookLever(deps());
    const ctx = context([], true);
    await lever.prepare(step(), ctx);
    expect(await lever.act(step(), ctx)).toMatchObject({
      type: "Succeeded",
      observed: { wouldPost: `the address in Secret ${namespace}/${relay}` },
    });
    expect(received).toHaveLength(0);
  });
});
