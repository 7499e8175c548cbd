/**
 * Clients for the regions' clusters: this cluster for the local region, and a peer cluster through the kubeconfig
 * Secret a RegionPolicy names for that region. Clients are cached per Secret resourceVersion, so a rotated kubeconfig
 * is picked up and an unchanged one costs one Secret read.
 *
 * Every peer client in the controller comes from here (peer views, workload probes, levers, drills), and a tenant's
 * kubeconfig is read only through peer-kubeconfig.ts: nothing in a Secret runs code or reads a file in the controller
 * (design invariant 8). An EKS peer gets its token from eks-token.ts instead of an exec plugin. A refused Secret is
 * remembered, so its RegionPolicy reports it (Ready=False, PeerCredentialsRefused) without another read.
 */
import type { OutgoingHttpHeaders } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import { AppsV1Api, CoreV1Api, VersionApi, type User } from "@kubernetes/client-node";
import { errorMessage } from "../core/errors.js";
import { PooledKubeConfig } from "./kube/pooled-kube-config.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { parseAwsAuthConfig, type AwsAuthConfig, type EksTokens } from "./eks-token.js";
import type { Logger } from "./logger.js";
import { vetKubeconfig } from "./peer-kubeconfig.js";

/** How long a reachability answer stands, and how long a peer's API server may take to give one. */
const reachabilityTtlMs = 10_000;
const reachabilityTimeoutMs = 3_000;

/** The Secret key that turns a kubeconfig into an EKS one: JSON {clusterName, roleARN?, region?}. */
export const awsAuthConfigKey = "awsAuthConfig";

export type PeerCredentialsProblemReason =
  "PeerCredentialsRefused" | "PeerCredentialsInvalid" | "PeerCredentialsUnreadable";

/** A peer kubeconfig Secret that was not used, and why: what the RegionPolicy's condition says. */
export class PeerCredentialsProblem extends Error {
  constructor(
    readonly reason: PeerCredentialsProblemReason,
    /** namespace/name */
    readonly secret: string,
    readonly key: string,
    readonly detail: string,
  ) {
    super(`Secret ${secret} key ${key}: ${detail}`);
  }
}

export interface PeerClustersOptions {
  /** --allow-kubeconfig-exec: a trusted install's kubeconfigs are loaded as they are, exec and files included */
  allowKubeconfigExec?: boolean;
  /** --allow-controller-aws-identity: an awsAuthConfig without roleARN signs as the controller itself */
  allowControllerAwsIdentity?: boolean;
  eksTokens?: EksTokens;
  log?: Logger;
}

type Authenticator = Parameters<KubeConfig["addAuthenticator"]>[0];

/** Why a Secret read failed, in the API server's words (its status message names the Secret, never its data). */
function unreadable(error: unknown): string {
  const { code, body } = error as { code?: number; body?: unknown };
  if (code === 404) return "it does not exist";
  const message = (() => {
    try {
      return (JSON.parse(String(body)) as { message?: string }).message;
    } catch {
      return undefined;
    }
  })();
  return message ?? errorMessage(error);
}

export class PeerClusters {
  private readonly cache = new Map<
    string,
    { resourceVersion: string; kubeConfig: KubeConfig | PeerCredentialsProblem }
  >();
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
    private readonly options: PeerClustersOptions = {},
  ) {}

  async kubeConfigFor(region: string, namespace: string): Promise<KubeConfig> {
    if (region === this.localRegion) return this.local;
    const named = (p: RegionPolicy) => p.spec.regions.find((r) => r.name === region && r.cluster?.kubeconfigSecretRef);
    const policy = this.policies().find((p) => p.metadata.namespace === namespace && named(p));
    const ref = policy && named(policy)?.cluster?.kubeconfigSecretRef;
    if (!policy || !ref) {
      throw new Error(`region ${region} has no cluster.kubeconfigSecretRef, and it is not this controller's region`);
    }
    const key = ref.key ?? "kubeconfig";
    const cacheKey = `${namespace}/${ref.name}/${key}`;
    const secret = await this.secretsFor(namespace, policy)
      .readNamespacedSecret({ name: ref.name, namespace })
      .catch((error: unknown) => {
        // Remembered until a read succeeds, so the policy says why its peer is absent (no ServiceAccount to read the
        // Secret as, RBAC, a missing Secret) instead of counting one observer fewer in silence.
        const problem = new PeerCredentialsProblem(
          "PeerCredentialsUnreadable",
          `${namespace}/${ref.name}`,
          key,
          `cannot be read: ${unreadable(error)}`,
        );
        this.cache.set(cacheKey, { resourceVersion: "", kubeConfig: problem });
        throw error;
      });
    const resourceVersion = secret.metadata?.resourceVersion ?? "";
    const cached = this.cache.get(cacheKey);
    let loaded = cached?.resourceVersion === resourceVersion ? cached.kubeConfig : undefined;
    if (!loaded) {
      loaded = this.load(secret.data ?? {}, `${namespace}/${ref.name}`, key, namespace);
      this.cache.set(cacheKey, { resourceVersion, kubeConfig: loaded });
      if (loaded instanceof PeerCredentialsProblem) {
        // Field names only: the Secret's values never reach a log.
        this.options.log?.warn(
          { secret: loaded.secret, key, region, namespace, reason: loaded.reason },
          `peer kubeconfig not used: ${loaded.message}`,
        );
      }
    }
    if (loaded instanceof PeerCredentialsProblem) throw loaded;
    return loaded;
  }

  /**
   * Why a policy's peer credentials were not used, from what the last loads found (no Secret read): the refused
   * Secrets of its regions, for its Ready condition. Undefined when none was refused.
   */
  problemOf(policy: RegionPolicy): { reason: PeerCredentialsProblemReason; message: string } | undefined {
    const namespace = policy.metadata.namespace ?? "default";
    const found: { region: string; problem: PeerCredentialsProblem }[] = [];
    for (const region of policy.spec.regions) {
      const ref = region.cluster?.kubeconfigSecretRef;
      if (!ref || region.name === this.localRegion) continue;
      const cached = this.cache.get(`${namespace}/${ref.name}/${ref.key ?? "kubeconfig"}`)?.kubeConfig;
      if (cached instanceof PeerCredentialsProblem) found.push({ region: region.name, problem: cached });
    }
    const first = found[0];
    if (!first) return undefined;
    const reasons = new Set(found.map((f) => f.problem.reason));
    const reason =
      (["PeerCredentialsRefused", "PeerCredentialsInvalid"] as const).find((r) => reasons.has(r)) ??
      first.problem.reason;
    const message = found.map((f) => `region ${f.region}: ${f.problem.message}`).join("; ");
    return { reason, message: `${message} (see docs/peer-credentials.md)` };
  }

  /** A KubeConfig from a Secret's data, or the problem that stops one being made. */
  private load(
    data: Record<string, string>,
    secret: string,
    key: string,
    namespace: string,
  ): KubeConfig | PeerCredentialsProblem {
    const invalid = (detail: string) => new PeerCredentialsProblem("PeerCredentialsInvalid", secret, key, detail);
    const raw = data[key];
    if (!raw) return invalid(`the Secret has no key ${key}`);
    const source = Buffer.from(raw, "base64").toString("utf8");
    const awsRaw = data[awsAuthConfigKey];
    const kubeConfig = new PooledKubeConfig();
    if (this.options.allowKubeconfigExec && awsRaw === undefined) {
      // A trusted install's choice (--allow-kubeconfig-exec): client-node's own loader, exec and files included.
      try {
        kubeConfig.loadFromString(source);
        return kubeConfig;
      } catch (error) {
        // The parser's first line only: the lines after it quote the Secret.
        return invalid(`not a kubeconfig: ${(error as Error).message.split("\n")[0]}`);
      }
    }
    const vetting = vetKubeconfig(source);
    if (!vetting.ok) {
      if ("invalid" in vetting) return invalid(vetting.invalid);
      return new PeerCredentialsProblem(
        "PeerCredentialsRefused",
        secret,
        key,
        `refused ${vetting.refused.join(", ")}: only inline credentials (token, client-certificate-data, ` +
          `client-key-data, certificate-authority-data) or an ${awsAuthConfigKey} key are used`,
      );
    }
    const { cluster } = vetting.kubeconfig;
    let { user } = vetting.kubeconfig;
    if (awsRaw !== undefined) {
      const aws = parseAwsAuthConfig(Buffer.from(awsRaw, "base64").toString("utf8"));
      if (!aws.ok) return invalid(aws.invalid);
      if (vetting.kubeconfig.hasCredentials) {
        return invalid(
          `the kubeconfig's user has credentials of its own next to ${awsAuthConfigKey}: one or the other`,
        );
      }
      if (!aws.config.roleARN && !this.options.allowControllerAwsIdentity) {
        return new PeerCredentialsProblem(
          "PeerCredentialsRefused",
          secret,
          awsAuthConfigKey,
          "refused an awsAuthConfig without roleARN: it would sign with the controller's own AWS identity, " +
            "which this Secret's server could replay at any EKS cluster; name a role to assume",
        );
      }
      const eks = this.options.eksTokens;
      if (!eks) return invalid(`${awsAuthConfigKey} is not supported by this controller`);
      user = { name: user.name };
      kubeConfig.addAuthenticator(eksAuthenticator(user, aws.config, namespace, eks));
    }
    const context = { name: "peer", cluster: cluster.name, user: user.name };
    kubeConfig.loadFromOptions({ clusters: [cluster], users: [user], contexts: [context], currentContext: "peer" });
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

/** Puts a fresh EKS token on every request of the one user it was made for. */
function eksAuthenticator(user: User, config: AwsAuthConfig, namespace: string, tokens: EksTokens): Authenticator {
  return {
    isAuthProvider: (candidate) => candidate === user,
    applyAuthentication: async (_user, opts: { headers?: OutgoingHttpHeaders }) => {
      const token = await tokens.token(config, namespace);
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
    },
  };
}
