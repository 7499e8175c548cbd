/**
 * The other regions' controllers as observers (invariant 3): each publishes its own view of every region in its own
 * cluster's RegionPolicy status (status.view); this reads them through the peer kubeconfig the policy already names,
 * with one watch of RegionPolicies per (peer region, namespace) — never a GET per policy per sample, so peers stay off
 * the decision's hot path (a reconcile reads a cache). A peer that cannot be reached simply has no fresh view: absent,
 * not failing.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { ObserverView } from "../core/health/region-health.js";
import { group, plurals, version } from "../crds/definitions.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { Informer } from "./kube/informer.js";
import type { Logger } from "./logger.js";

/** How often a missing watch is tried again, and a kubeconfig Secret looked at for rotation. */
const recheckMs = 30_000;

interface PeerWatch {
  informer: Informer<RegionPolicy>;
  kubeConfig: KubeConfig;
  checkedAt: number;
}

export interface PeerViewsOptions {
  localRegion: string;
  /** The kubeconfig of a region's cluster, from the Secret the namespace's policies name (peer-clusters.ts). */
  kubeConfigFor: (region: string, namespace: string) => Promise<KubeConfig>;
  /** A peer's policy changed: wake this cluster's policy of the same name. */
  onChange: (namespace: string, name: string) => void;
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
      const peer = watch?.informer.get(`${namespace}/${policy.metadata.name}`);
      const view = peer && publishedView(peer);
      // Only the peer's own observer counts: what it says of others' views is not its to say.
      if (view && view.observer === `controller/${region.name}`) views.push(view);
    }
    return views;
  }

  async stop(): Promise<void> {
    const watches = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(watches.map((w) => w.informer.stop()));
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
      informer.addHandlers({ add: wake, update: (_old, p) => wake(p), delete: wake });
      informer.start();
      this.watches.set(key, { informer, kubeConfig, checkedAt: this.now() });
      if (current) await current.informer.stop();
    } catch (error) {
      this.options.log.debug({ err: error, peer: region, namespace }, "cannot watch the peer's policies yet");
    }
  }
}
