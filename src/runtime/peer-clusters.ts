/**
 * Clients for the regions' clusters: this cluster for the local region, and a peer cluster through the kubeconfig
 * Secret a RegionPolicy names for that region. Clients are cached per Secret resourceVersion, so a rotated kubeconfig
 * is picked up and an unchanged one costs one Secret read.
 */
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";

export class PeerClusters {
  private readonly cache = new Map<string, { resourceVersion: string; kubeConfig: KubeConfig }>();
  private readonly core: CoreV1Api;

  constructor(
    private readonly local: KubeConfig,
    private readonly localRegion: string,
    private readonly policies: () => RegionPolicy[],
  ) {
    this.core = local.makeApiClient(CoreV1Api);
  }

  async kubeConfigFor(region: string, namespace: string): Promise<KubeConfig> {
    if (region === this.localRegion) return this.local;
    const ref = this.policies()
      .filter((p) => p.metadata.namespace === namespace)
      .flatMap((p) => p.spec.regions)
      .find((r) => r.name === region && r.cluster?.kubeconfigSecretRef)?.cluster?.kubeconfigSecretRef;
    if (!ref) {
      throw new Error(`region ${region} has no cluster.kubeconfigSecretRef, and it is not this controller's region`);
    }
    const secret = await this.core.readNamespacedSecret({ name: ref.name, namespace });
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

  async apps(region: string, namespace: string): Promise<AppsV1Api> {
    return (await this.kubeConfigFor(region, namespace)).makeApiClient(AppsV1Api);
  }

  async coreApi(region: string, namespace: string): Promise<CoreV1Api> {
    return (await this.kubeConfigFor(region, namespace)).makeApiClient(CoreV1Api);
  }
}
