/** The FailoverRun a person's command creates. Pure, so what `failover` and `plan` write is tested without a cluster. */
import { apiVersion, policyLabel } from "../crds/definitions.js";
import type { FailoverRun } from "../crds/generated/failoverruns.js";

export interface ManualRunRequest {
  namespace: string;
  policy: string;
  plan: string;
  from: string;
  to: string;
  reason: string;
  dryRun: boolean;
}

/**
 * A Manual run with a server-generated name. It carries the policy label (as the controller's runs do) so that
 * `kubectl get frun -l switchyard.dev/policy=…` finds it and lifting the kill switch wakes it.
 */
export function manualRun(request: ManualRunRequest): Omit<FailoverRun, "status"> {
  return {
    apiVersion,
    kind: "FailoverRun",
    metadata: {
      generateName: `${request.policy}-${request.dryRun ? "preview" : "manual"}-`,
      namespace: request.namespace,
      labels: { [policyLabel]: request.policy },
    },
    spec: {
      planRef: { name: request.plan },
      from: request.from,
      to: request.to,
      trigger: "Manual",
      dryRun: request.dryRun,
      reason: request.reason,
    },
  };
}
