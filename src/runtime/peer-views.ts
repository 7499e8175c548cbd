/**
 * The other regions' controllers as observers (invariant 3): each publishes its own view of every region in its own
 * cluster's RegionPolicy status (status.view); this reads them through the peer kubeconfig the policy already names,
 * with one watch of RegionPolicies per (peer region, namespace) — never a GET per policy per sample, so peers stay off
 * the decision's hot path (a reconcile reads a cache). A peer that cannot be reached simply has no fresh view: absent,
 * not failing. A view counts only while the controller that published it is alive — its leader Lease renewed within
 * the lease duration — because a controller that died leaves its last view behind, unchanged, for as long as nobody
 * writes the status again (found by test/sim: a dead controller's last word outvoted the living).
 */
import type { V1Lease } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ObserverView } from "../core/health/region-health.js";
import { jsonEqual } from "../core/merge-patch.js";
import { group, plurals, version } from "../crds/definitions.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { Informer } from "./kube/informer.js";
import type { Logger } from "./logger.js";

/** How often a missing watch is tried again, and a kubeconfig Secret looked at for rotation. */
const recheckMs = 30_000;

interface PeerWatch {
  informer: Informer<RegionPolicy>;
  lease: Informer<V1Lease>;
  kubeConfig: KubeConfig;
  checkedAt: number;
}

/** The peers' leader Lease: the same namespace and name as this controller's (one chart, one configuration). */
export interface PeerLease {
  namespace: string;
  name: string;
  durationSeconds: number;
}

export interface PeerViewsOptions {
  localRegion: string;
  /** The kubeconfig of a region's cluster, from the Secret the namespace's policies name (peer-clusters.ts). */
  kubeConfigFor: (region: string, namespace: string) => Promise<KubeConfig>;
  /** A peer's policy changed: wake this cluster's policy of the same name. */
  onChange: (namespace: string, name: string) => void;
  lease: PeerLease;
  log: Logger;
  now?: () => number;
}

/** The view a peer published, as the evaluator takes it; undefined when there is none or it does not parse. */
export function publishedView(policy: RegionPolicy): ObserverView | undefined {
  const view = policy.status?.view;
  const at = Date.parse(view?.time ?? "");
  if (!view?.observer || !Number.isFinite(at)) return undefined;
  return {
    observer: view.observer,
    at,
    regions: (view.regions ?? []).map((r) => ({
      region: r.name,
      health: r.health,
      failingSignals: r.failingSignals ?? [],
    })),
  };
}

/**
 * Whether a peer's new status tells this controller anything: its view's verdicts or the epoch it read. A peer
 * refreshes its status every minute with only times moved; the cache takes those in, but waking the policy for each
 * would double the reconciles of a thousand steady policies for nothing (the fresher time counts at the next one).
 */
export function peerNews(before: RegionPolicy | undefined, after: RegionPolicy): boolean {
  const verdicts = (p: RegionPolicy | undefined) => {
    const view = p && publishedView(p);
    return { observer: view?.observer, regions: view?.regions, epoch: p?.status?.epoch };
  };
  return !jsonEqual(verdicts(before), verdicts(after));
}

export class PeerViews {
  private readonly watches = new Map<string, PeerWatch>();
  private readonly pending = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: PeerViewsOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The views the peers of `policy` published, from the watches' caches. Starts (in the background) a watch for a
   * peer region that has none yet; its view counts from the next reconcile on.
   */
  viewsOf(policy: RegionPolicy): ObserverView[] {
    const namespace = policy.metadata.namespace ?? "default";
    const views: ObserverView[] = [];
    for (const region of policy.spec.regions) {
      if (region.name === this.options.localRegion || !region.cluster?.kubeconfigSecretRef) continue;
      const watch = this.ensure(region.name, namespace);
      if (watch === undefined || !this.alive(watch)) continue;
      const peer = watch.informer.get(`${namespace}/${policy.metadata.name}`);
      const view = peer && publishedView(peer);
      // Only the peer's own observer counts: what it says of others' views is not its to say.
      if (view && view.observer === `controller/${region.name}`) views.push(view);
    }
    return views;
  }

  /**
   * The fencing epochs the peers of `policy` last published (status.epoch), from the same caches: a peer that has
   * read a newer epoch than this controller tells it a move happened before its own next read of the record would.
   */
  epochsOf(policy: RegionPolicy): number[] {
    const namespace = policy.metadata.namespace ?? "default";
    const epochs: number[] = [];
    for (const region of policy.spec.regions) {
      if (region.name === this.options.localRegion || !region.cluster?.kubeconfigSecretRef) continue;
      const watch = this.watches.get(`${region.name}/${namespace}`);
      if (watch === undefined || !this.alive(watch)) continue;
      const epoch = watch.informer.get(`${namespace}/${policy.metadata.name}`)?.status?.epoch;
      if (epoch !== undefined) epochs.push(epoch);
    }
    return epochs;
  }

  async stop(): Promise<void> {
    const watches = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(watches.flatMap((w) => [w.informer.stop(), w.lease.stop()]));
  }

  /** The peer's leader renewed its Lease within the lease duration (and a little for the watch to deliver it). */
  private alive(watch: PeerWatch): boolean {
    const { namespace, name, durationSeconds } = this.options.lease;
    const renewed = watch.lease.get(`${namespace}/${name}`)?.spec?.renewTime;
    const at = renewed === undefined ? Number.NaN : new Date(renewed).getTime();
    return Number.isFinite(at) && this.now() - at <= (durationSeconds + 5) * 1000;
  }

  private ensure(region: string, namespace: string): PeerWatch | undefined {
    const key = `${region}/${namespace}`;
    const watch = this.watches.get(key);
    const now = this.now();
    const due = (this.pending.get(key) ?? -Infinity) + recheckMs <= now;
    if (due && (watch === undefined || watch.checkedAt + recheckMs <= now)) {
      this.pending.set(key, now);
      void this.connect(region, namespace, key, watch);
    }
    return watch;
  }

  /** Starts a watch, or restarts it when the kubeconfig behind it was rotated. */
  private async connect(region: string, namespace: string, key: string, current: PeerWatch | undefined) {
    try {
      const kubeConfig = await this.options.kubeConfigFor(region, namespace);
      if (current && current.kubeConfig === kubeConfig) {
        current.checkedAt = this.now();
        return;
      }
      const informer = new Informer<RegionPolicy>({
        kubeConfig,
        resource: { group, version, plural: plurals.RegionPolicy, namespace },
        logger: this.options.log.child({ peer: region, namespace }),
      });
      const wake = (p: RegionPolicy) => this.options.onChange(namespace, p.metadata.name ?? "");
      informer.addHandlers({ add: wake, update: (old, p) => peerNews(old, p) && wake(p), delete: wake });
      const { lease: where } = this.options;
      const lease = new Informer<V1Lease>({
        kubeConfig,
        resource: { group: "coordination.k8s.io", version: "v1", plural: "leases", namespace: where.namespace },
        fieldSelector: `metadata.name=${where.name}`,
        logger: this.options.log.child({ peer: region, lease: where.name }),
      });
      informer.start();
      lease.start();
      this.watches.set(key, { informer, lease, kubeConfig, checkedAt: this.now() });
      if (current) await Promise.all([current.informer.stop(), current.lease.stop()]);
    } catch (error) {
      this.options.log.debug({ err: error, peer: region, namespace }, "cannot watch the peer's policies yet");
    }
  }
}
