/**
 * The vocabulary of the plan engine: every reason it can give, as documented CamelCase constants that become condition
 * reasons, Event reasons and finish reasons, so alerts and people can key on them. Adding a rule means adding its
 * reason here. Grouped by who says it: plan validation, invariant guards, the step state machine, the run's end, and
 * self-fencing.
 */

/** Why a plan, bound to a run or checked against its RegionPolicy, cannot run as written (or deserves a warning). */
export const ProblemReason = {
  /** The run's from or to is not a region of the RegionPolicy. */
  UnknownBindingRegion: "UnknownBindingRegion",
  /** The run's from and to are the same region: there is nothing to move. */
  SameFromAndTo: "SameFromAndTo",
  /** A step sets none, or more than one, of the step kinds. */
  InvalidStepKind: "InvalidStepKind",
  /** A step names (after binding) a region that the RegionPolicy does not have. */
  UnknownRegion: "UnknownRegion",
  /** A waitFor step names a signal that the RegionPolicy does not declare for that region. */
  UnknownSignal: "UnknownSignal",
  /** A route53 step has no set identifier for a region of the policy, so that region's weight cannot be managed. */
  SetIdentifierMissing: "SetIdentifierMissing",
  /** A route53 step sets a weight for a region that has no set identifier (after binding). */
  WeightWithoutRecord: "WeightWithoutRecord",
  /** After binding, two weight keys name the same region (for example '{{to}}' and the region itself). */
  WeightsCollide: "WeightsCollide",
  /** After binding, a route53 step sets every weight it names to 0 (invariant 4). */
  NeverZeroWeights: "NeverZeroWeights",
  /** A database step would leave the region being made active without a writer (invariant 4). */
  NoWriterLeft: "NoWriterLeft",
  /** A step or the role state names another namespace than the plan's own (invariant 8: a plan acts only there). */
  NamespaceNotAllowed: "NamespaceNotAllowed",
  /** Warning: no step moves traffic or the writer, so a run would change nothing that failover is about. */
  NothingMoves: "NothingMoves",
  /** Warning: a database promotion comes before any route53 step, so it runs before the run has won its epoch. */
  PromotionBeforeEpoch: "PromotionBeforeEpoch",
  /** The plan is valid against the policy (the Ready condition's reason when there is no error). */
  Valid: "Valid",
} as const;
export type ProblemReason = (typeof ProblemReason)[keyof typeof ProblemReason];

/**
 * What the continuous readiness checks find in the world when a plan's references are followed (readiness.ts): the
 * reasons of FailoverPlan.status.moves[].problems, of the plan's Ready condition and of the policy's PlanNotReady.
 */
export const ReadinessReason = {
  /** The plan's spec.regionPolicyRef names no RegionPolicy of the namespace. */
  PolicyNotFound: "PolicyNotFound",
  /** A route53 step's weighted record (name, type and set identifier) is not in the hosted zone. */
  RecordSetNotFound: "RecordSetNotFound",
  /** The hosted zone cannot be listed (for example it does not exist, or the controller may not read it). */
  HostedZoneUnreadable: "HostedZoneUnreadable",
  /** The policy's fencing record cannot be read, or its TXT value is not a fencing record. */
  FencingRecordUnreadable: "FencingRecordUnreadable",
  /** The Aurora global cluster does not exist, or a member the step names is not in it. */
  GlobalClusterMismatch: "GlobalClusterMismatch",
  /** Replication lag to the move's target is beyond objectives.rpoSeconds: a failover now would lose more data. */
  ReplicationLagAboveRpo: "ReplicationLagAboveRpo",
  /** The RDS read replica the step promotes does not exist (or is no longer a replica). */
  ReplicaNotFound: "ReplicaNotFound",
  /** A flag step's ConfigMap does not exist in its region's cluster. */
  ConfigMapNotFound: "ConfigMapNotFound",
  /** Warning: a flag step's key is not in the ConfigMap yet (the step would add it). */
  FlagKeyMissing: "FlagKeyMissing",
  /** A scale step's Deployment does not exist in its region's cluster. */
  DeploymentNotFound: "DeploymentNotFound",
  /** A scale step's replicas do not fit the namespace's ResourceQuota on pods in its region's cluster. */
  InsufficientCapacity: "InsufficientCapacity",
  /** A job step's template is refused by its region's API server (server-side dry run). */
  JobTemplateRejected: "JobTemplateRejected",
  /** A webhook step's Secret does not exist or lacks its address or token. */
  WebhookSecretInvalid: "WebhookSecretInvalid",
  /** The identity the step acts as may not do what the step does (SelfSubjectAccessReview, or a 403). */
  PermissionDenied: "PermissionDenied",
  /** The region's cluster cannot be reached (no kubeconfig Secret, refused credentials, or no answer). */
  ClusterUnreachable: "ClusterUnreachable",
  /** A check could not be made for another reason; the message says which. */
  CheckFailed: "CheckFailed",
  /** The last successful drill of the plan is older than objectives.maxDrillAgeDays, or there is none. */
  DrillTooOld: "DrillTooOld",
  /** Every move can be made (the Ready condition's reason then). */
  AllMovesReady: "AllMovesReady",
} as const;
export type ReadinessReason = (typeof ReadinessReason)[keyof typeof ReadinessReason];

/** Why an invariant guard refuses a step just before it acts (design section 5, invariants 1 and 4). */
export const GuardReason = {
  /** The step's weights, merged over the weights observed now, leave every region at 0 (invariant 4). */
  NeverZeroWeights: "NeverZeroWeights",
  /** The promotion target is not a member of the database it promotes, or is not the region being made active. */
  NoWriterLeft: "NoWriterLeft",
  /** A promotion step runs but the run has not won a fencing epoch (status.epoch unset) (invariant 1). */
  FencingEpochNotWon: "FencingEpochNotWon",
  /** The fencing record now holds another epoch or another active region than the one this run won (invariant 1). */
  FencingEpochSuperseded: "FencingEpochSuperseded",
  /** The fencing record could not be read or does not exist, so the epoch cannot be confirmed (invariant 1). */
  FencingRecordUnknown: "FencingRecordUnknown",
  /**
   * A traffic step found the fencing record naming a region that is neither the run's `from` nor its `to`: another
   * run moved the active region after this one was decided, and swapping on top of it would steal its epoch
   * (invariant 1).
   */
  LostFencingRace: "LostFencingRace",
  /**
   * An automatic run's traffic step found, in the fencing record it was about to swap, a transition less than
   * holdDownSeconds ago — made by any controller (invariant 5).
   */
  HoldDownNotElapsed: "HoldDownNotElapsed",
  /** An automatic run's traffic step found the policy's transitions flap-suppressed in the fencing record (invariant 5). */
  FlapSuppressed: "FlapSuppressed",
  /** An automatic run's traffic step found another run's move still in progress in the fencing record (invariant 5). */
  MoveInProgress: "MoveInProgress",
  /**
   * An automatic run's traffic step found its target already active under another run: it was decided on a stale
   * record, and the move it wanted is already made (invariant 5).
   */
  TargetAlreadyActive: "TargetAlreadyActive",
  /** A promotion with data loss found the replication lag measured just before it beyond objectives.rpoSeconds (invariant 7). */
  RpoExceeded: "RpoExceeded",
  /** A promotion with data loss could not measure the replication lag, so it cannot be shown within the RPO (invariant 7). */
  RpoUnknown: "RpoUnknown",
} as const;
export type GuardReason = (typeof GuardReason)[keyof typeof GuardReason];

/** Why the engine waits at, skips or fails the current step. */
export const StepReason = {
  /** A failed attempt is retried after backoffSeconds × 2^(attempt-1). */
  RetryBackoff: "RetryBackoff",
  /** An approval step waits for an entry in spec.approvals (phase WaitingApproval). */
  ApprovalPending: "ApprovalPending",
  /** A bestEffort step's region is unreachable: skipped without trying (self-fencing covers that region). */
  RegionUnreachable: "RegionUnreachable",
  /** A bestEffort step failed for good: journaled and skipped, the run moves on. */
  BestEffortFailed: "BestEffortFailed",
  /** An actuator call failed (the generic reason of a failed attempt). */
  AttemptFailed: "AttemptFailed",
  /** The step failed on its last allowed attempt (retries.limit exhausted). */
  RetriesExhausted: "RetriesExhausted",
  /** The step outlived its timeoutSeconds (counted from its first attempt, retries and waiting included). */
  StepTimeout: "StepTimeout",
  /** No approval arrived within the approval step's timeoutSeconds. */
  ApprovalTimeout: "ApprovalTimeout",
  /** The run outlived the plan's timeoutSeconds: the current step fails and onFailure applies. */
  PlanTimeout: "PlanTimeout",
} as const;
export type StepReason = (typeof StepReason)[keyof typeof StepReason];

/** How a run ended (besides a step failure, whose own reason is the run's reason). */
export const RunReason = {
  /** Every step succeeded or was skipped. */
  Completed: "Completed",
  /** A dry run went through every step, recording what it would do and changing nothing. */
  DryRunCompleted: "DryRunCompleted",
  /** spec.cancel was set: no further step started. */
  Cancelled: "Cancelled",
  /** A step failed and every completed step that could be restored was restored (onFailure Rollback). */
  RolledBack: "RolledBack",
  /** A restore failed during rollback: the world is partly undone and needs a person. */
  RollbackFailed: "RollbackFailed",
  /**
   * A step failed after a database promotion had started: steps up to the promotion are kept, because undoing them
   * would send traffic and writes back to a region that no longer holds the writer.
   */
  RollbackStoppedAtPromotion: "RollbackStoppedAtPromotion",
} as const;
export type RunReason = (typeof RunReason)[keyof typeof RunReason];

/** What a controller concludes about its own region from the fencing record (invariant 2). */
export const FenceReason = {
  /** The record names this region active, at an epoch not older than the one this controller knows. */
  ActiveAtEpoch: "ActiveAtEpoch",
  /** The record names another region active: this region is fenced. */
  AnotherRegionActive: "AnotherRegionActive",
  /** The record names this region but with an older epoch than this controller acted under: something rewrote it. */
  EpochRegressed: "EpochRegressed",
  /** There is no fencing record: nobody has won an epoch, so nobody acts as active through fencing. */
  NoFencingRecord: "NoFencingRecord",
} as const;
export type FenceReason = (typeof FenceReason)[keyof typeof FenceReason];
