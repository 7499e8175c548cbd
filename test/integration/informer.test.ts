/**
 * The informer against a real kube-apiserver of its own (this file stops and restarts it, so it cannot use the shared
 * environment's): events and cache for ConfigMaps, one namespace or all, periodic re-list, catching up after the API
 * server restarts, and restarting a watch whose connection silently stopped delivering.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { TcpProxy } from "../env/tcp-proxy.js";
import { Informer, type InformerOptions } from "../../src/runtime/kube/informer.js";

let controlPlane: ControlPlane;
let dir: string;
let kc: KubeConfig;
let core: CoreV1Api;
const informers: Informer<V1ConfigMap>[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-informer-"));
  controlPlane = await startControlPlane("informer", dir, await ensureBinaries());
  kc = new KubeConfig();
  kc.loadFromFile(controlPlane.info.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});

afterAll(async () => {
  await controlPlane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Seen {
  type: "add" | "update" | "delete";
  key: string;
  resourceVersion: string | undefined;
  data: Record<string, string> | undefined;
  oldResourceVersion?: string | undefined;
}

function configMaps(options: Partial<InformerOptions> & { namespace?: string }, config: KubeConfig = kc) {
  const informer = new Informer<V1ConfigMap>({
    kubeConfig: config,
    resource: { group: "", version: "v1", plural: "configmaps", namespace: options.namespace },
    // Short retries so a restart of the API server is caught up within seconds.
    backoff: { initialMs: 100, maxMs: 1000 },
    ...options,
  });
  const seen: Seen[] = [];
  const key = (cm: V1ConfigMap) => `${cm.metadata?.namespace}/${cm.metadata?.name}`;
  const note = (type: Seen["type"], cm: V1ConfigMap, old?: V1ConfigMap) =>
    seen.push({
      type,
      key: key(cm),
      resourceVersion: cm.metadata?.resourceVersion,
      data: cm.data,
      ...(old ? { oldResourceVersion: old.metadata?.resourceVersion } : {}),
    });
  informer.addHandlers({
    add: (cm) => note("add", cm),
    update: (old, cm) => note("update", cm, old),
    delete: (cm) => note("delete", cm),
  });
  informers.push(informer);
  informer.start();
  return { informer, seen };
}

async function namespace(): Promise<string> {
  const name = `informer-${randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

async function create(ns: string, name: string, data: Record<string, string>): Promise<V1ConfigMap> {
  return core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data } });
}

async function update(ns: string, name: string, data: Record<string, string>): Promise<V1ConfigMap> {
  const current = await core.readNamespacedConfigMap({ name, namespace: ns });
  return core.replaceNamespacedConfigMap({ name, namespace: ns, body: { ...current, data } });
}

async function remove(ns: string, name: string): Promise<void> {
  await core.deleteNamespacedConfigMap({ name, namespace: ns });
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const names = (informer: Informer<V1ConfigMap>) =>
  informer
    .list()
    .map((cm) => cm.metadata?.name ?? "")
    .sort();

describe("Informer over a real API server", () => {
  it("fills its cache from a list, then follows creates, updates and deletes", async () => {
    const ns = await namespace();
    await create(ns, "before", { v: "0" });
    const { informer, seen } = configMaps({ namespace: ns });

    expect(informer.hasSynced()).toBe(false);
    await informer.waitForSync();
    expect(informer.hasSynced()).toBe(true);
    expect(seen).toEqual([expect.objectContaining({ type: "add", key: `${ns}/before` })]);
    // Listed objects look like watched ones: apiVersion and kind are filled in.
    expect(informer.get(`${ns}/before`)).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", data: { v: "0" } });

    const created = await create(ns, "a", { v: "1" });
    await waitFor("add of a", () => seen.some((s) => s.type === "add" && s.key === `${ns}/a`));
    const updated = await update(ns, "a", { v: "2" });
    await waitFor("update of a", () => seen.some((s) => s.type === "update" && s.key === `${ns}/a`));
    expect(seen.find((s) => s.type === "update")).toEqual({
      type: "update",
      key: `${ns}/a`,
      resourceVersion: updated.metadata?.resourceVersion,
      data: { v: "2" },
      oldResourceVersion: created.metadata?.resourceVersion,
    });
    expect(informer.get(`${ns}/a`)?.data).toEqual({ v: "2" });

    await remove(ns, "a");
    await waitFor("delete of a", () => seen.some((s) => s.type === "delete" && s.key === `${ns}/a`));
    expect(informer.get(`${ns}/a`)).toBeUndefined();
    expect(names(informer)).toEqual(["before"]);
  });

  it("watches all namespaces when given none", async () => {
    const [one, two] = [await namespace(), await namespace()];
    const { informer } = configMaps({});
    await informer.waitForSync();
    await create(one, "x", { n: "1" });
    await create(two, "y", { n: "2" });
    await waitFor("both", () => informer.get(`${one}/x`) !== undefined && informer.get(`${two}/y`) !== undefined);
    expect(informer.get(`${two}/y`)?.data).toEqual({ n: "2" });
  });

  it("re-lists every resync period and emits update for every object, changed or not", async () => {
    const ns = await namespace();
    const cm = await create(ns, "steady", { v: "1" });
    const { informer, seen } = configMaps({ namespace: ns, resyncPeriodMs: 1500 });
    await informer.waitForSync();
    await waitFor("a resync", () => informer.stats().lists >= 2);
    expect(informer.stats().restarts.resync).toBeGreaterThanOrEqual(1);
    expect(seen).toContainEqual({
      type: "update",
      key: `${ns}/steady`,
      resourceVersion: cm.metadata?.resourceVersion,
      data: { v: "1" },
      oldResourceVersion: cm.metadata?.resourceVersion,
    });
  });

  it("catches up after the API server restarts, re-listing when its resourceVersion has expired", async () => {
    const ns = await namespace();
    await create(ns, "kept", { v: "1" });
    await create(ns, "doomed", { v: "1" });
    const { informer } = configMaps({ namespace: ns });
    await informer.waitForSync();
    // Writes to another kind move etcd's revision past the informer's, so the restarted API server's watch cache
    // (which starts at the current revision) no longer covers the informer's resourceVersion: 410 Gone.
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "bump" }, stringData: { a: "b" } } });

    await controlPlane.stopApiserver();
    await waitFor("the informer to notice", () => informer.stats().restarts.error >= 1);
    await controlPlane.startApiserver();

    await update(ns, "kept", { v: "2" });
    await remove(ns, "doomed");
    await create(ns, "new", { v: "1" });
    await waitFor(
      "the cache to catch up",
      () => informer.get(`${ns}/kept`)?.data?.v === "2" && names(informer).join() === "kept,new",
    );
    const stats = informer.stats();
    expect(stats.restarts.expired).toBeGreaterThanOrEqual(1);
    expect(stats.lists).toBeGreaterThanOrEqual(2);
    expect(informer.hasSynced()).toBe(true);

    // And it keeps following after the catch-up.
    await create(ns, "later", { v: "1" });
    await waitFor("later", () => informer.get(`${ns}/later`) !== undefined);
  });

  it("restarts a watch whose connection has gone silent", async () => {
    const ns = await namespace();
    const proxy = await TcpProxy.start(new URL(controlPlane.info.server));
    try {
      const viaProxy = new KubeConfig();
      viaProxy.loadFromFile(controlPlane.info.kubeconfig);
      const cluster = viaProxy.getCurrentCluster();
      if (!cluster) throw new Error("no cluster");
      viaProxy.loadFromOptions({
        clusters: [{ ...cluster, server: proxy.url }],
        users: viaProxy.users,
        contexts: viaProxy.contexts,
        currentContext: viaProxy.currentContext,
      });
      const watchful = configMaps({ namespace: ns, silenceTimeoutMs: 1500 }, viaProxy);
      // The same informer with the default silence timeout (2 min): shows that a frozen connection really stalls.
      const trusting = configMaps({ namespace: ns }, viaProxy);
      await Promise.all([watchful.informer.waitForSync(), trusting.informer.waitForSync()]);
      // An object both have seen through their watches proves both watches are open.
      await create(ns, "ready", { v: "1" });
      await waitFor("both watches", () => [watchful, trusting].every((i) => i.informer.get(`${ns}/ready`)));

      // Every open connection stops moving data, but stays open: neither end sees an error.
      proxy.freezeOpenConnections();
      await create(ns, "during-freeze", { v: "1" });

      await waitFor(
        "the watchful informer to see it",
        () => watchful.informer.get(`${ns}/during-freeze`) !== undefined,
      );
      expect(watchful.informer.stats().restarts.silent).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 1000));
      expect(trusting.informer.get(`${ns}/during-freeze`)).toBeUndefined();
    } finally {
      await Promise.all(informers.splice(0).map((i) => i.stop()));
      await proxy.close();
    }
  });
});
