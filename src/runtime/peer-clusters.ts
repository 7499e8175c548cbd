/**
 * Clients for the regions' clusters: this cluster for the local region, and a peer cluster through the kubeconfig
 * Secret a RegionPolicy names for that region. Clients are cached per Secret resourceVersion, so a rotated kubeconfig
 * is picked up and an unchanged one costs one Secret read.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, VersionApi } from "@kubernetes/client-node";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";

/** How long a reachability answer stands, and how long a peer's API server may take to give one. */
const reachabilityTtlMs = 10_000;
const reachabilityTimeoutMs = 3_000;

export class PeerClusters {
  private readonly cache = new Map<string, { resourceVersion: string; kubeConfig: KubeConfig }>();
  private readonly reachability = new Map<string, { at: number; answer: Promise<boolean> }>();

  /**
   * `secretsFor(namespace, policy)`: the Secrets of this cluster as the tenant sees them — read with the identity of
   * the policy that names the kubeconfig (tenant-clients.ts), never with the controller's own.
   */
  constructor(
    private readonly local: KubeConfig,
    private readonly localRegion: string,
    private readonly policies: () => RegionPolicy[],
    private readonly secretsFor: (namespace: string, policy: RegionPolicy) => Pick<CoreV1Api, "readNamespacedSecret">,
  ) {}

  async kubeConfigFor(region: string, namespace: string): Promise<KubeConfig> {
    if (region === this.localRegion) return this.local;
    const named = (p: RegionPolicy) => p.spec.regions.find((r) => r.name === region && r.cluster?.kubeconfigSecretRef);
    const policy = this.policies().find((p) => p.metadata.namespace === namespace && named(p));
    const ref = policy && named(policy)?.cluster?.kubeconfigSecretRef;
    if (!policy || !ref) {
      throw new Error(`region ${region} has no cluster.kubeconfigSecretRef, and it is not this controller's region`);
    }
    const secret = await this.secretsFor(namespace, policy).readNamespacedSecret({ name: ref.name, namespace });
    const cacheKey = `${namespace}/${ref.name}/${ref.key ?? "kubeconfig"}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.resourceVersion === secret.metadata?.resourceVersion) return cached.kubeConfig;
    const data = secret.data?.[ref.key ?? "kubeconfig"];
    if (!data) throw new Error(`Secret ${namespace}/${ref.name} has no key ${ref.key ?? "kubeconfig"}`);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(Buffer.from(data, "base64").toString("utf8"));
    this.cache.set(cacheKey, { resourceVersion: secret.metadata?.resourceVersion ?? "", kubeConfig });
    return kubeConfig;
  }

  /**
   * Whether a region's cluster answers now: for the plan engine's bestEffort rule, so a step in a region whose control
   * plane is down is skipped at once instead of failing through its retries. This cluster always counts as reachable
   * (the controller is talking to it); a peer is asked for its version, and the answer is kept for a few seconds.
   */
  reachable(region: string, namespace: string, now = Date.now()): Promise<boolean> {
    if (region === this.localRegion) return Promise.resolve(true);
    const key = `${namespace}/${region}`;
    const cached = this.reachability.get(key);
    if (cached && now - cached.at < reachabilityTtlMs) return cached.answer;
    const answer = this.ask(region, namespace);
    this.reachability.set(key, { at: now, answer });
    return answer;
  }

  private async ask(region: string, namespace: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const api = (await this.kubeConfigFor(region, namespace)).makeApiClient(VersionApi);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), reachabilityTimeoutMs);
      });
      await Promise.race([api.getCode(), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async apps(region: string, namespace: string): Promise<AppsV1Api> {
    return (await this.kubeConfigFor(region, namespace)).makeApiClient(AppsV1Api);
  }

  async coreApi(region: string, namespace: string): Promise<CoreV1Api> {
    return (await this.kubeConfigFor(region, namespace)).makeApiClient(CoreV1Api);
  }
}
