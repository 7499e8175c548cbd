/**
 * What is wrong with a bound plan, as named checks that each return the problems they find (never throw): the shell
 * turns them into the FailoverPlan's Ready condition and into the reasons a run is refused. An Error stops a run
 * (unless it names an invariant that the run's override lists); a Warning is reported and the run goes on.
 */
import { foreignNamespace, type TenancyReason } from "../tenancy.js";
import { planLeavesNoWriter, type Invariant } from "./guards.js";
import { ProblemReason, type ReadinessReason } from "./reasons.js";
import { isPromotion, movesTraffic, type Binding, type BoundStep } from "./steps.js";

export interface Problem {
  /** The step's name; undefined for a problem of the plan or the binding as a whole. */
  step?: string;
  /** The field within the step (for example "route53.weights"), or of the run ("from", "to"). */
  field: string;
  message: string;
  reason: ProblemReason | ReadinessReason | TenancyReason;
  severity: "Error" | "Warning";
  /** Set when the problem breaks an invariant that a Manual run's override may name. */
  invariant?: Invariant;
}

/** The parts of a RegionPolicy a plan is checked against. */
export interface PolicyShape {
  /** spec.regions[].name, in spec order. */
  regions: readonly string[];
  /** spec.signals[], keyed by (name, region); when absent, waitFor signals are not checked. */
  signals?: readonly { name: string; region: string }[];
  /** The namespace of the policy (and its plan): the only one a step may name. When absent, not checked. */
  namespace?: string;
}

interface Context {
  binding: Binding;
  regions: ReadonlySet<string>;
  signals?: readonly { name: string; region: string }[];
  namespace?: string;
}

type StepCheck = (step: BoundStep, ctx: Context) => Problem[];
type PlanCheck = (steps: readonly BoundStep[], ctx: Context) => Problem[];

const error = (step: string | undefined, field: string, reason: ProblemReason, message: string): Problem =>
  step === undefined
    ? { field, reason, message, severity: "Error" }
    : { step, field, reason, message, severity: "Error" };

/** The region field of the kinds that act in one region's cluster or API. */
function regionField(step: BoundStep): { field: string; region: string } | undefined {
  switch (step.kind) {
    case "flag":
      return { field: "flag.region", region: step.flag.region };
    case "scale":
      return { field: "scale.region", region: step.scale.region };
    case "job":
      return { field: "job.region", region: step.job.region };
    case "waitFor":
      return { field: "waitFor.region", region: step.waitFor.region };
    case "rdsPromoteReplica":
      return { field: "rdsPromoteReplica.region", region: step.rdsPromoteReplica.region };
    default:
      return undefined;
  }
}

// ── Step checks ──────────────────────────────────────────────────────────────────────────────────────────────────

const stepRegionUnknown: StepCheck = (step, ctx) => {
  const r = regionField(step);
  if (r === undefined || ctx.regions.has(r.region)) return [];
  return [
    error(step.name, r.field, ProblemReason.UnknownRegion, `Region "${r.region}" is not a region of the RegionPolicy.`),
  ];
};

const waitForSignalUnknown: StepCheck = (step, ctx) => {
  if (step.kind !== "waitFor" || ctx.signals === undefined) return [];
  const { signal, region } = step.waitFor;
  if (ctx.signals.some((s) => s.name === signal && s.region === region)) return [];
  return [
    error(
      step.name,
      "waitFor.signal",
      ProblemReason.UnknownSignal,
      `The RegionPolicy has no signal "${signal}" in ${region}.`,
    ),
  ];
};

const setIdentifiersIncomplete: StepCheck = (step, ctx) => {
  if (step.kind !== "route53") return [];
  const keys = Object.keys(step.route53.setIdentifiers);
  const missing = [...ctx.regions].filter((r) => !keys.includes(r));
  const foreign = keys.filter((k) => !ctx.regions.has(k));
  return [
    ...missing.map((r) =>
      error(
        step.name,
        "route53.setIdentifiers",
        ProblemReason.SetIdentifierMissing,
        `No set identifier for region ${r} of the RegionPolicy.`,
      ),
    ),
    ...foreign.map((r) =>
      error(
        step.name,
        "route53.setIdentifiers",
        ProblemReason.UnknownRegion,
        `Region "${r}" is not a region of the RegionPolicy.`,
      ),
    ),
  ];
};

const weightWithoutRecord: StepCheck = (step) => {
  if (step.kind !== "route53") return [];
  return Object.keys(step.route53.weights)
    .filter((r) => step.route53.setIdentifiers[r] === undefined)
    .map((r) =>
      error(
        step.name,
        "route53.weights",
        ProblemReason.WeightWithoutRecord,
        `A weight is set for ${r}, which has no set identifier.`,
      ),
    );
};

/** The CRD's "some weight > 0" rule, again after binding: binding can merge two keys into one region. */
const weightsAllZero: StepCheck = (step) => {
  if (step.kind !== "route53" || Object.values(step.route53.weights).some((w) => w > 0)) return [];
  return [
    {
      ...error(
        step.name,
        "route53.weights",
        ProblemReason.NeverZeroWeights,
        "After binding, every weight this step sets is 0.",
      ),
      invariant: "NeverZero",
    },
  ];
};

const membersUnknown: StepCheck = (step, ctx) => {
  if (step.kind !== "auroraGlobal") return [];
  return Object.keys(step.auroraGlobal.members)
    .filter((r) => !ctx.regions.has(r))
    .map((r) =>
      error(
        step.name,
        "auroraGlobal.members",
        ProblemReason.UnknownRegion,
        `Region "${r}" is not a region of the RegionPolicy.`,
      ),
    );
};

/** A plan acts only in its own namespace (invariant 8); CRD CEL cannot see metadata.namespace, so this is checked here. */
const stepInOtherNamespace: StepCheck = (step, ctx) => {
  if (ctx.namespace === undefined) return [];
  const named =
    step.kind === "flag"
      ? { field: "flag.configMapRef.namespace", namespace: step.flag.configMapRef.namespace }
      : step.kind === "scale"
        ? { field: "scale.deploymentRef.namespace", namespace: step.scale.deploymentRef.namespace }
        : undefined;
  const message = named && foreignNamespace(named.namespace, ctx.namespace);
  return named && message ? [error(step.name, named.field, ProblemReason.NamespaceNotAllowed, message)] : [];
};

const stepChecks: readonly StepCheck[] = [
  stepInOtherNamespace,
  stepRegionUnknown,
  waitForSignalUnknown,
  setIdentifiersIncomplete,
  weightWithoutRecord,
  weightsAllZero,
  membersUnknown,
];

// ── Plan checks ──────────────────────────────────────────────────────────────────────────────────────────────────

const bindingUnknown: PlanCheck = (_steps, { binding, regions }) => {
  const problems: Problem[] = [];
  for (const field of ["from", "to"] as const) {
    if (!regions.has(binding[field])) {
      problems.push(
        error(
          undefined,
          field,
          ProblemReason.UnknownBindingRegion,
          `The run's ${field} "${binding[field]}" is not a region of the RegionPolicy.`,
        ),
      );
    }
  }
  if (binding.from === binding.to) {
    problems.push(error(undefined, "to", ProblemReason.SameFromAndTo, `The run moves from ${binding.from} to itself.`));
  }
  return problems;
};

const writerLeftBehind: PlanCheck = (steps, { binding }) =>
  planLeavesNoWriter(steps, binding).map((r) => ({
    step: r.step,
    field: r.field,
    reason: ProblemReason.NoWriterLeft,
    message: r.message,
    severity: "Error" as const,
    invariant: r.invariant,
  }));

const nothingMoves: PlanCheck = (steps) =>
  steps.some((s) => movesTraffic(s) || isPromotion(s))
    ? []
    : [
        {
          field: "steps",
          reason: ProblemReason.NothingMoves,
          severity: "Warning",
          message: "No step moves traffic (route53) or the writer (auroraGlobal, rdsPromoteReplica).",
        },
      ];

/** The epoch is won by the Route53 batch that moves traffic; a promotion before it would be refused (invariant 1). */
const promotionBeforeEpoch: PlanCheck = (steps) => {
  const firstTraffic = steps.findIndex(movesTraffic);
  return steps
    .filter((s, i) => isPromotion(s) && (firstTraffic === -1 || i < firstTraffic))
    .map((s) => ({
      step: s.name,
      field: s.kind,
      reason: ProblemReason.PromotionBeforeEpoch,
      severity: "Warning" as const,
      message: `Step ${s.name} promotes a database before any route53 step has won the fencing epoch; it will be refused unless the run overrides Fencing.`,
    }));
};

const planChecks: readonly PlanCheck[] = [bindingUnknown, writerLeftBehind, nothingMoves, promotionBeforeEpoch];

/** Every check on a bound plan: plan-level problems first, then each step's in plan order. */
export function validateSteps(steps: readonly BoundStep[], binding: Binding, policy: PolicyShape): Problem[] {
  const ctx: Context = { binding, regions: new Set(policy.regions) };
  if (policy.signals !== undefined) ctx.signals = policy.signals;
  if (policy.namespace !== undefined) ctx.namespace = policy.namespace;
  return [
    ...planChecks.flatMap((check) => check(steps, ctx)),
    ...steps.flatMap((s) => stepChecks.flatMap((check) => check(s, ctx))),
  ];
}

export function errorsOf(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.severity === "Error");
}

/** One line per problem, for condition messages and Events. */
export function describeProblem(p: Problem): string {
  return `${p.step === undefined ? "" : `step ${p.step}: `}${p.field}: ${p.message}`;
}
