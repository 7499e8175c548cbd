/**
 * The one place the command line talks to the cluster: a KubeConfig from --kubeconfig / KUBECONFIG / ~/.kube/config,
 * an optional --context, the namespace (-n, else the context's, else "default"), and typed get/list/create/merge-patch
 * of the four switchyard.dev kinds. API errors become one-line CliErrors naming the object.
 */
import { kubeErrorMessage, kubeStatusOf } from "../core/kube-errors.js";
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { group, plurals, version, type Kind } from "../crds/definitions.js";
import type { DrillSchedule } from "../crds/generated/drillschedules.js";
import type { FailoverPlan } from "../crds/generated/failoverplans.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { CliError, ExitCode, usageError } from "./exit-codes.js";

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface KindMap {
  RegionPolicy: RegionPolicy;
  FailoverPlan: FailoverPlan;
  FailoverRun: FailoverRun;
  DrillSchedule: DrillSchedule;
}

function toCliError(error: unknown, what: string): CliError {
  if (error instanceof CliError) return error;
  const status = kubeStatusOf(error);
  if (status === 404) return usageError(`${what} not found`);
  if (status === 422 || status === 400) return usageError(`${what}: ${kubeErrorMessage(error)}`);
  if (status === undefined)
    return new CliError(`${what}: cannot reach the cluster: ${kubeErrorMessage(error)}`, ExitCode.Failed);
  return new CliError(`${what}: ${kubeErrorMessage(error)}`, ExitCode.Failed);
}

export function loadKubeConfig(options: GlobalOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw usageError(`kubeconfig ${options.kubeconfig ?? "(default)"}: ${kubeErrorMessage(error)}`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw usageError(`context ${options.context} not found in kubeconfig`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw usageError("no cluster in the kubeconfig: set --kubeconfig or KUBECONFIG");
  return kc;
}

export class SwitchyardClient {
  private readonly api: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  static fromOptions(options: GlobalOptions): SwitchyardClient {
    const kc = loadKubeConfig(options);
    const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
    return new SwitchyardClient(kc, options.namespace ?? contextNamespace ?? "default");
  }

  private where(kind: Kind, name?: string): string {
    return name === undefined ? `${kind}s in namespace ${this.namespace}` : `${kind} ${this.namespace}/${name}`;
  }

  private params(kind: Kind) {
    return { group, version, namespace: this.namespace, plural: plurals[kind] };
  }

  async get<K extends Kind>(kind: K, name: string): Promise<KindMap[K]> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...this.params(kind), name })) as KindMap[K];
    } catch (error) {
      throw toCliError(error, this.where(kind, name));
    }
  }

  async list<K extends Kind>(kind: K, labelSelector?: string): Promise<KindMap[K][]> {
    try {
      const list = (await this.api.listNamespacedCustomObject({
        ...this.params(kind),
        ...(labelSelector ? { labelSelector } : {}),
      })) as { items: KindMap[K][] };
      return list.items;
    } catch (error) {
      throw toCliError(error, this.where(kind));
    }
  }

  async create<K extends Kind>(kind: K, body: Omit<KindMap[K], "status">): Promise<KindMap[K]> {
    try {
      return (await this.api.createNamespacedCustomObject({ ...this.params(kind), body })) as KindMap[K];
    } catch (error) {
      throw toCliError(error, `creating ${this.where(kind, body.metadata.name ?? body.metadata.generateName)}`);
    }
  }

  /** An RFC 7386 merge patch: only the fields named change; `null` removes a key. */
  async mergePatch<K extends Kind>(kind: K, name: string, body: object): Promise<KindMap[K]> {
    try {
      return (await this.api.patchNamespacedCustomObject(
        { ...this.params(kind), name, body },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      )) as KindMap[K];
    } catch (error) {
      throw toCliError(error, this.where(kind, name));
    }
  }
}
