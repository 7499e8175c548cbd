/**
 * Whose identity the controller takes for what it does on a tenant's behalf in its own cluster (invariant 8: a plan
 * acts only in its own namespace, with its tenant's identity), and which objects a plan may name: the Flux model, one
 * ServiceAccount named by the object (plan, else policy, else the controller's default), impersonated, in the
 * object's own namespace. Pure: the shell turns a refusal into a condition, a failed run or a refused step.
 */
import type { FailoverPlanSpec, FailoverPlanSpecRoleState } from "../crds/generated/failoverplans.js";

export interface Tenancy {
  /** --default-service-account: the ServiceAccount acted as when neither the plan nor the policy names one */
  defaultServiceAccount?: string;
  /**
   * --act-as-controller: with no ServiceAccount named anywhere, act with the controller's own identity. For a
   * single-tenant install only, whose controller the chart then grants the levers' rights itself.
   */
  actAsController?: boolean;
}

export const TenancyReason = {
  /** Neither the plan, nor its policy, nor the controller's --default-service-account names a ServiceAccount. */
  ServiceAccountNotSet: "ServiceAccountNotSet",
  /** A step or the role state names an object in another namespace than the plan's own. */
  NamespaceNotAllowed: "NamespaceNotAllowed",
} as const;
export type TenancyReason = (typeof TenancyReason)[keyof typeof TenancyReason];

/**
 * Who acts: a ServiceAccount of the namespace, or (`serviceAccountName` undefined) the controller itself, which only
 * --act-as-controller allows.
 */
export type Acting =
  { ok: true; namespace: string; serviceAccountName?: string } | { ok: false; reason: TenancyReason; message: string };

/** The first ServiceAccount named, in order of precedence, else the default; a refusal when there is none. */
export function actingAs(namespace: string, named: readonly (string | undefined)[], tenancy: Tenancy): Acting {
  const serviceAccountName = named.find((n) => n !== undefined && n !== "") ?? tenancy.defaultServiceAccount;
  if (serviceAccountName) return { ok: true, namespace, serviceAccountName };
  if (tenancy.actAsController) return { ok: true, namespace };
  return {
    ok: false,
    reason: TenancyReason.ServiceAccountNotSet,
    message:
      "No ServiceAccount to act as: set spec.serviceAccountName on the FailoverPlan or the RegionPolicy " +
      "(the controller has no --default-service-account); see docs/tenancy.md",
  };
}

/** A plan's steps act as the plan's ServiceAccount, else its policy's, else the default. */
export const stepsActingAs = (
  namespace: string,
  plan: { serviceAccountName?: string } | undefined,
  policy: { serviceAccountName?: string } | undefined,
  tenancy: Tenancy,
): Acting => actingAs(namespace, [plan?.serviceAccountName, policy?.serviceAccountName], tenancy);

/** Role state, workload signals, drill reports and peer kubeconfig reads belong to the policy: its ServiceAccount. */
export const policyActingAs = (
  namespace: string,
  policy: { serviceAccountName?: string } | undefined,
  plan: { serviceAccountName?: string } | undefined,
  tenancy: Tenancy,
): Acting => actingAs(namespace, [policy?.serviceAccountName, plan?.serviceAccountName], tenancy);

/** Why a namespace a step or the role state names is refused, or undefined when it is the plan's own (or omitted). */
export function foreignNamespace(named: string | undefined, own: string): string | undefined {
  if (named === undefined || named === own) return undefined;
  return `Namespace "${named}" is not this plan's namespace "${own}": a plan acts only in its own namespace.`;
}

export interface NamespaceProblem {
  field: string;
  message: string;
}

/** Every object of a plan's roleState that names another namespace, with its field path. */
export function roleStateNamespaceProblems(
  roleState: FailoverPlanSpecRoleState | undefined,
  own: string,
): NamespaceProblem[] {
  const problems: NamespaceProblem[] = [];
  for (const role of ["active", "fenced"] as const) {
    const state = roleState?.[role];
    state?.flags?.forEach((flag, i) => {
      const message = foreignNamespace(flag.configMapRef.namespace, own);
      if (message) problems.push({ field: `roleState.${role}.flags[${i}].configMapRef.namespace`, message });
    });
    state?.scale?.forEach((scale, i) => {
      const message = foreignNamespace(scale.deploymentRef.namespace, own);
      if (message) problems.push({ field: `roleState.${role}.scale[${i}].deploymentRef.namespace`, message });
    });
  }
  return problems;
}

/** Every step of a plan that names another namespace, with its field path (the unbound spec: a ref is not a template). */
export function stepNamespaceProblems(spec: Pick<FailoverPlanSpec, "steps">, own: string): NamespaceProblem[] {
  return spec.steps.flatMap((step) => {
    const flag = foreignNamespace(step.flag?.configMapRef.namespace, own);
    const scale = foreignNamespace(step.scale?.deploymentRef.namespace, own);
    return [
      ...(flag ? [{ field: `steps[${step.name}].flag.configMapRef.namespace`, message: flag }] : []),
      ...(scale ? [{ field: `steps[${step.name}].scale.deploymentRef.namespace`, message: scale }] : []),
    ];
  });
}
