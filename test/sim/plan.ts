/**
 * The FailoverPlan every run executes, after examples/checkout/failoverplan.yaml: freeze the source (best effort,
 * through the peer kubeconfig), shift traffic (the fencing compare-and-swap), promote the database, wait for the new
 * region, an optional approval, unfreeze the target.
 */
export type StepName = "freeze" | "traffic" | "promote" | "wait" | "approval" | "unfreeze";

export function planSteps(approvalMs: number): StepName[] {
  return approvalMs > 0
    ? ["freeze", "traffic", "promote", "wait", "approval", "unfreeze"]
    : ["freeze", "traffic", "promote", "wait", "unfreeze"];
}
