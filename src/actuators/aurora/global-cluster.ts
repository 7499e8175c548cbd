/**
 * Aurora Global Database promotion: observe which member writes, then move the writer to the target region's member —
 * SwitchoverGlobalCluster when the source region is healthy (no data loss), FailoverGlobalCluster with AllowDataLoss
 * only when the source is unhealthy and the step allows it — until the target writes. Idempotent by
 * observation: a target that already writes is success without a call, and a transition already under way towards
 * the target is waited for, never started twice.
 */
import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  type GlobalCluster,
  type RDSClient,
} from "@aws-sdk/client-rds";

export type RdsApi = Pick<RDSClient, "send">;

export interface GlobalClusterState {
  status: string;
  writer?: string;
  /** set while a switchover or failover is under way */
  transition?: { to?: string; dataLossAllowed: boolean };
}

export async function observeGlobalCluster(rds: RdsApi, identifier: string): Promise<GlobalClusterState> {
  const { GlobalClusters = [] } = await rds.send(
    new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: identifier }),
  );
  // Some implementations ignore the identifier filter; pick ours out of the list.
  const cluster: GlobalCluster | undefined = GlobalClusters.find((g) => g.GlobalClusterIdentifier === identifier);
  if (!cluster) throw new Error(`global cluster ${identifier} does not exist`);
  const state: GlobalClusterState = { status: cluster.Status ?? "unknown" };
  const writer = cluster.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
  if (writer) state.writer = writer;
  if (cluster.FailoverState?.Status) {
    state.transition = {
      dataLossAllowed: cluster.FailoverState.IsDataLossAllowed ?? false,
      ...(cluster.FailoverState.ToDbClusterArn ? { to: cluster.FailoverState.ToDbClusterArn } : {}),
    };
  }
  return state;
}

export type PromotionMode = "switchover" | "failover";

export type PromotionAction =
  | { type: "done" }
  | { type: "wait"; reason: string }
  | { type: "call"; mode: PromotionMode }
  | { type: "refuse"; reason: string };

/**
 * What to do, given what is observed (pure). `sourceHealthy` decides between a switchover and a failover;
 * `allowDataLoss` is the step's permission (auroraGlobal.mode Auto) to fail over with data loss.
 */
export function promotionAction(
  state: GlobalClusterState,
  targetArn: string,
  sourceHealthy: boolean,
  allowDataLoss: boolean,
): PromotionAction {
  if (state.writer === targetArn && !state.transition) return { type: "done" };
  if (state.transition) {
    return state.transition.to === targetArn
      ? { type: "wait", reason: "a promotion to the target is under way" }
      : { type: "refuse", reason: `a promotion to ${state.transition.to ?? "another member"} is under way` };
  }
  if (state.status !== "available") return { type: "wait", reason: `global cluster is ${state.status}` };
  if (sourceHealthy) return { type: "call", mode: "switchover" };
  if (!allowDataLoss) {
    return {
      type: "refuse",
      reason: "the source region is unhealthy and the step allows no data loss (auroraGlobal.mode SwitchoverOnly)",
    };
  }
  return { type: "call", mode: "failover" };
}

export async function startPromotion(rds: RdsApi, identifier: string, targetArn: string, mode: PromotionMode) {
  if (mode === "switchover") {
    await rds.send(
      new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: identifier, TargetDbClusterIdentifier: targetArn }),
    );
  } else {
    await rds.send(
      new FailoverGlobalClusterCommand({
        GlobalClusterIdentifier: identifier,
        TargetDbClusterIdentifier: targetArn,
        AllowDataLoss: true,
      }),
    );
  }
}

export interface PromotionOptions {
  sourceHealthy: boolean;
  allowDataLoss: boolean;
  /** the call an earlier look of this same attempt already made (from the journal): never made twice */
  alreadyCalled?: PromotionMode;
  /**
   * Runs just before the one non-idempotent call (e.g. to record the replication lag it will give up); a refusal it
   * returns stops the call (the data-loss gate).
   */
  beforeCall?: (mode: PromotionMode) => Promise<{ refused: string; message: string } | undefined>;
}

export type PromotionProgress =
  | { type: "done"; writer: string }
  | { type: "underWay"; reason: string; called?: PromotionMode }
  | { type: "refused"; reason: string; message: string };

/**
 * One look at the promotion, for a caller that polls (the FailoverRun controller requeues rather than holding a
 * worker while Aurora switches): done when the target writes; otherwise start it — at most once — or report that it
 * is under way. Throws when it must not promote (data loss not allowed, a promotion elsewhere under way).
 */
export async function advancePromotion(
  rds: RdsApi,
  identifier: string,
  targetArn: string,
  options: PromotionOptions,
): Promise<PromotionProgress> {
  const state = await observeGlobalCluster(rds, identifier);
  const action = promotionAction(state, targetArn, options.sourceHealthy, options.allowDataLoss);
  switch (action.type) {
    case "done":
      return { type: "done", writer: state.writer ?? targetArn };
    case "refuse":
      throw new Error(`not promoting ${targetArn}: ${action.reason}`);
    case "wait":
      return { type: "underWay", reason: action.reason };
    case "call":
      if (options.alreadyCalled) {
        // Accepted, but not visible yet: a second call could start a second promotion, so only wait.
        return { type: "underWay", reason: `the ${options.alreadyCalled} call was accepted; waiting for it to show` };
      }
      {
        const refusal = await options.beforeCall?.(action.mode);
        if (refusal) return { type: "refused", reason: refusal.refused, message: refusal.message };
      }
      await startPromotion(rds, identifier, targetArn, action.mode);
      return { type: "underWay", reason: `${action.mode} started`, called: action.mode };
  }
}
