/**
 * Leader election against a real kube-apiserver, with short timings (lease 3 s, renew deadline 2 s, retry 0.5 s):
 * one leader at a time, a fast hand-over on release, a takeover after a crash, a leader cut off from the API server
 * stepping down before anyone else starts, and standbys that only read while the Lease is held.
 */
import { randomUUID } from "node:crypto";
import { CoordinationV1Api, CoreV1Api, KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { LeaderElector, type LeaseApi } from "../../src/runtime/kube/leader-election.js";
import { TcpProxy } from "../env/tcp-proxy.js";

const env = inject("env");
const kubeconfigPath = env.regions[0]?.kubeconfig ?? "";
const namespace = `leader-election-${randomUUID().slice(0, 8)}`;
const timings = { leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };

function kubeConfig(server?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  if (!server) return kc;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  kc.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return kc;
}

const admin = kubeConfig();
const leases = admin.makeApiClient(CoordinationV1Api);

/** Every Lease call an elector made, as the API server answered it. */
interface Call {
  identity: string;
  method: "read" | "create" | "replace";
  at: number;
  outcome: "ok" | "failed";
}

/** The real client, passed through, noting each call. */
function recording(api: CoordinationV1Api, identity: string, calls: Call[]): LeaseApi {
  const note = async <T>(method: Call["method"], call: () => Promise<T>): Promise<T> => {
    const at = Date.now();
    try {
      const result = await call();
      calls.push({ identity, method, at, outcome: "ok" });
      return result;
    } catch (error) {
      calls.push({ identity, method, at, outcome: "failed" });
      throw error;
    }
  };
  return {
    readNamespacedLease: (param, options) => note("read", () => api.readNamespacedLease(param, options)),
    createNamespacedLease: (param, options) => note("create", () => api.createNamespacedLease(param, options)),
    replaceNamespacedLease: (param, options) => note("replace", () => api.replaceNamespacedLease(param, options)),
  };
}

interface Candidate {
  identity: string;
  elector: LeaderElector;
  started: number[];
  stopped: number[];
}

const calls: Call[] = [];
const candidates: Candidate[] = [];

function candidate(identity: string, leaseName: string, kc: KubeConfig = admin): Candidate {
  const started: number[] = [];
  const stopped: number[] = [];
  const elector = new LeaderElector({
    coordinationApi: recording(kc.makeApiClient(CoordinationV1Api), identity, calls),
    namespace,
    name: leaseName,
    identity,
    config: timings,
    onStartedLeading: () => started.push(Date.now()),
    onStoppedLeading: () => {
      stopped.push(Date.now());
    },
  });
  const c: Candidate = { identity, elector, started, stopped };
  candidates.push(c);
  elector.start();
  return c;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now();
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function leaders(): Candidate[] {
  return candidates.filter((c) => c.elector.isLeader());
}

async function readLease(name: string): Promise<V1Lease> {
  return leases.readNamespacedLease({ name, namespace });
}

/** Samples isLeader() of every elector all along; any instant with two leaders fails the test that saw it. */
let overlap: { at: number; identities: string[] } | undefined;
let sampler: NodeJS.Timeout | undefined;

beforeAll(async () => {
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  sampler = setInterval(() => {
    const now = leaders();
    if (now.length > 1 && !overlap) overlap = { at: Date.now(), identities: now.map((c) => c.identity) };
  }, 5);
});

afterEach(async () => {
  await Promise.all(candidates.splice(0).map((c) => c.elector.stop()));
  calls.length = 0;
  expect(overlap, "two electors led at the same instant").toBeUndefined();
});

afterAll(async () => {
  clearInterval(sampler);
  await admin.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace });
});

describe("leader election on a real Lease", () => {
  it("elects exactly one of two candidates, and the standby only reads while the Lease is held", async () => {
    const a = candidate("a", "one-leader");
    const b = candidate("b", "one-leader");
    await waitFor("a leader", () => leaders().length === 1);
    const [leader] = leaders();
    const standby = leader === a ? b : a;
    const settledAt = Date.now();

    // Longer than the lease duration: the leader keeps renewing, the standby never takes over.
    for (let i = 0; i < 40; i++) {
      await pause(100);
      expect(leaders()).toEqual([leader]);
    }
    expect(standby.started).toEqual([]);

    const standbyCalls = calls.filter((c) => c.identity === standby.identity && c.at > settledAt);
    expect(standbyCalls.length).toBeGreaterThan(3);
    expect(standbyCalls.every((c) => c.method === "read")).toBe(true);
    const leaderWrites = calls.filter((c) => c.identity === leader?.identity && c.method === "replace");
    expect(leaderWrites.length).toBeGreaterThan(3); // renewals, every retry period

    const lease = await readLease("one-leader");
    expect(lease.spec?.holderIdentity).toBe(leader?.identity);
    expect(lease.spec?.leaseDurationSeconds).toBe(3);
    expect(lease.spec?.leaseTransitions).toBe(0);
    // client-node hands MicroTime back as the wire string; it went out with microseconds, as the API server demands.
    expect(String(lease.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
  });

  it("hands over in well under the lease duration when the leader releases the Lease", async () => {
    const a = candidate("a", "release");
    await waitFor("a to lead", () => a.elector.isLeader());
    const b = candidate("b", "release");
    await pause(1000);
    expect(b.elector.isLeader()).toBe(false);

    const releasedAt = Date.now();
    await a.elector.release();
    const takenAt = await waitFor("b to lead", () => b.elector.isLeader());

    expect(takenAt - releasedAt).toBeLessThan(2000);
    // The old leader had stopped (its writes) before the Lease was freed.
    expect(a.stopped).toHaveLength(1);
    expect(a.stopped[0]).toBeLessThanOrEqual(b.started[0] ?? 0);
    const lease = await readLease("release");
    expect(lease.spec?.holderIdentity).toBe("b");
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it("replaces a leader that stops renewing after about the lease duration, not before", async () => {
    const a = candidate("a", "crash");
    await waitFor("a to lead", () => a.elector.isLeader());
    const b = candidate("b", "crash");
    await pause(1000);

    const crashedAt = Date.now();
    await a.elector.stop(); // no release: the Lease still names a
    const takenAt = await waitFor("b to lead", () => b.elector.isLeader());

    // a's last renewal was at most one retry period (0.5 s) before the crash; b waits a full lease (3 s) from when
    // it saw that renewal, then up to one jittered retry (1.1 s).
    expect(takenAt - crashedAt).toBeGreaterThanOrEqual(2000);
    expect(takenAt - crashedAt).toBeLessThan(6000);
    expect((await readLease("crash")).spec?.holderIdentity).toBe("b");
  });

  it("steps a leader cut off from the API server down within the renew deadline, before the standby takes over", async () => {
    const proxy = await TcpProxy.start(new URL(admin.getCurrentCluster()?.server ?? ""));
    try {
      const a = candidate("a", "partition", kubeConfig(proxy.url));
      await waitFor("a to lead", () => a.elector.isLeader());
      const b = candidate("b", "partition");
      await pause(1000);

      const cutAt = Date.now();
      proxy.partition();
      const aStoppedAt = await waitFor("a to step down", () => a.stopped.length > 0);
      const bStartedAt = await waitFor("b to lead", () => b.elector.isLeader());

      // The renew deadline (2 s) counts from a's last successful renewal, at most a retry period before the cut.
      expect(aStoppedAt - cutAt).toBeLessThan(2500);
      expect(aStoppedAt).toBeLessThan(bStartedAt);
      expect(a.elector.isLeader()).toBe(false);
      // a's requests during the partition hung and were abandoned, not answered.
      expect(calls.some((c) => c.identity === "a" && c.at >= cutAt && c.outcome === "failed")).toBe(true);

      // Back on the network, a finds b's Lease valid and only reads.
      proxy.heal();
      const healedAt = Date.now();
      await pause(2000);
      expect(leaders()).toEqual([b]);
      const aCalls = calls.filter((c) => c.identity === "a" && c.at >= healedAt);
      expect(aCalls.some((c) => c.method === "read" && c.outcome === "ok")).toBe(true);
      expect(aCalls.every((c) => c.method === "read")).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
