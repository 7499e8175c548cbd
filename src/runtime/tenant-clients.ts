/**
 * The one home of the clients that act in this cluster with a tenant's identity (invariant 8): a copy of the
 * controller's own kubeconfig whose user impersonates a ServiceAccount of the tenant's namespace (client-node sends
 * `Impersonate-User: system:serviceaccount:<namespace>:<name>`). No Impersonate-Group is sent: for a ServiceAccount
 * user the API server adds the account's own groups (system:serviceaccounts, system:serviceaccounts:<namespace>) and
 * system:authenticated itself, so the controller needs `impersonate` on that ServiceAccount and on nothing else.
 * Clients are cached per namespace and ServiceAccount; an identity the controller may not impersonate, or that may
 * not do what is asked, is refused by the API server with a 403 naming it.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { AppsV1Api, AuthorizationV1Api, BatchV1Api, CoreV1Api, type User } from "@kubernetes/client-node";
import { PooledKubeConfig } from "./kube/pooled-kube-config.js";

export const serviceAccountUser = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

interface Clients {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  /** SelfSubjectAccessReviews: what the impersonated identity may do (plan readiness asks before a run needs it) */
  authorization: AuthorizationV1Api;
}

export class TenantClients {
  private readonly cache = new Map<string, Clients>();
  private readonly own: Clients;

  /**
   * `actAsController`: an identity without a ServiceAccount (none named, no default) acts as the controller itself —
   * a single-tenant install's choice (--act-as-controller); otherwise it is refused here, whatever the caller did.
   */
  constructor(
    private readonly base: KubeConfig,
    private readonly actAsController = false,
  ) {
    this.own = clientsOf(base);
  }

  core(namespace: string, serviceAccountName: string | undefined): CoreV1Api {
    return this.clients(namespace, serviceAccountName).core;
  }

  apps(namespace: string, serviceAccountName: string | undefined): AppsV1Api {
    return this.clients(namespace, serviceAccountName).apps;
  }

  batch(namespace: string, serviceAccountName: string | undefined): BatchV1Api {
    return this.clients(namespace, serviceAccountName).batch;
  }

  authorization(namespace: string, serviceAccountName: string | undefined): AuthorizationV1Api {
    return this.clients(namespace, serviceAccountName).authorization;
  }

  private clients(namespace: string, serviceAccountName: string | undefined): Clients {
    if (!serviceAccountName) {
      if (this.actAsController) return this.own;
      throw new Error(
        `no ServiceAccount to act as in namespace ${namespace} (set spec.serviceAccountName, or the controller's --default-service-account)`,
      );
    }
    const key = `${namespace}/${serviceAccountName}`;
    let clients = this.cache.get(key);
    if (!clients) {
      clients = clientsOf(impersonating(this.base, serviceAccountUser(namespace, serviceAccountName)));
      this.cache.set(key, clients);
    }
    return clients;
  }
}

function clientsOf(kc: KubeConfig): Clients {
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    authorization: kc.makeApiClient(AuthorizationV1Api),
  };
}

/** The same cluster, credentials and context, with the current user impersonating `user`. */
export function impersonating(base: KubeConfig, user: string): KubeConfig {
  const current = base.getCurrentUser();
  if (!current) throw new Error("the controller's kubeconfig has no current user to impersonate from");
  const users: User[] = base.users.map((u) => (u.name === current.name ? { ...u, impersonateUser: user } : u));
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    clusters: base.clusters,
    users,
    contexts: base.contexts,
    currentContext: base.getCurrentContext(),
  });
  return kc;
}
