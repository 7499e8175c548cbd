/**
 * Aurora Global Database promotion: observe which member writes, then move the writer to the target region's member —
 * SwitchoverGlobalCluster when the source region is healthy (no data loss), FailoverGlobalCluster with AllowDataLoss
 * only when the source is unhealthy and the step allows it — and wait until the target writes. Idempotent by
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

export interface PromoteOptions {
  sourceHealthy: boolean;
  allowDataLoss: boolean;
  /** called just before the one non-idempotent call, so the journal records it as in flight first */
  beforeCall: (mode: PromotionMode) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  pollIntervalMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export interface PromoteResult {
  /** the call made by this invocation; undefined when the target already wrote or a promotion was under way */
  called?: PromotionMode;
  writer: string;
}

/** Brings the writer to `targetArn`, calling AWS at most once, and returns when the target writes. */
export async function promote(
  rds: RdsApi,
  identifier: string,
  targetArn: string,
  options: PromoteOptions,
): Promise<PromoteResult> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 15 * 60_000);
  const result: PromoteResult = { writer: "" };
  for (;;) {
    const state = await observeGlobalCluster(rds, identifier);
    const action = promotionAction(state, targetArn, options.sourceHealthy, options.allowDataLoss);
    if (action.type === "done") return { ...result, writer: state.writer ?? targetArn };
    if (action.type === "refuse") throw new Error(`not promoting ${targetArn}: ${action.reason}`);
    if (action.type === "call") {
      if (result.called) throw new Error(`the ${result.called} call was accepted but no promotion is under way`);
      await options.beforeCall(action.mode);
      await startPromotion(rds, identifier, targetArn, action.mode);
      result.called = action.mode;
    }
    if (now() > deadline) throw new Error(`${targetArn} did not become the writer of ${identifier} in time`);
    await options.sleep(options.pollIntervalMs ?? 5000);
  }
}
