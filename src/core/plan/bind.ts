/**
 * Binding a plan to a run: every `{{from}}`/`{{to}}` in region fields, in route53 weight keys and in text
 * (approval.message, webhook.body) replaced by the run's regions; one `kind` per step; every default resolved; and
 * the bound plan checked against the RegionPolicy. Problems are returned, never thrown: they become the
 * FailoverPlan's Ready condition and the reasons a run is refused.
 */
import type { FailoverPlanSpec, FailoverPlanSpecStep } from "../../crds/generated/failoverplans.js";
import { ProblemReason } from "./reasons.js";
import {
  planDefaults,
  stepDefaults,
  stepKinds,
  type Binding,
  type BoundPlan,
  type BoundStep,
  type StepKind,
} from "./steps.js";
import { bindText } from "./template.js";
import { validateSteps, type PolicyShape, type Problem } from "./validate.js";

export interface BindResult {
  plan: BoundPlan;
  /** Errors and warnings, plan-level first; the plan may run only when none is an Error (or an override covers it). */
  problems: Problem[];
}

interface StepBinding {
  step?: BoundStep;
  problems: Problem[];
}

/** Drops the `undefined` values the generated map types allow, so a bound map holds only what was written. */
function defined<T>(map: Readonly<Record<string, T | undefined>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(map)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * Weight keys are templates too. Two keys that bind to the same region (say '{{to}}' and 'eu-west-1' when to is
 * eu-west-1) are a problem, not a silent "last one wins": which weight was meant is not ours to guess.
 */
function bindWeights(
  name: string,
  weights: Readonly<Record<string, number | undefined>>,
  binding: Binding,
): { weights: Record<string, number>; problems: Problem[] } {
  const out: Record<string, number> = {};
  const problems: Problem[] = [];
  for (const [key, weight] of Object.entries(weights)) {
    if (weight === undefined) continue;
    const region = bindText(key, binding);
    if (region in out) {
      problems.push({
        step: name,
        field: "route53.weights",
        reason: ProblemReason.WeightsCollide,
        severity: "Error",
        message: `After binding, two weights name ${region} (${key} is ${region}).`,
      });
      continue;
    }
    out[region] = weight;
  }
  return { weights: out, problems };
}

/** The one kind a step sets; the CRD's CEL rule guarantees exactly one, but a stored object may predate it. */
function kindOf(spec: FailoverPlanSpecStep): StepKind[] {
  return stepKinds.filter((k) => spec[k] !== undefined);
}

export function bindStep(spec: FailoverPlanSpecStep, binding: Binding): StepBinding {
  const kinds = kindOf(spec);
  if (kinds.length !== 1) {
    return {
      problems: [
        {
          step: spec.name,
          field: kinds.length === 0 ? "" : kinds.join(","),
          reason: ProblemReason.InvalidStepKind,
          severity: "Error",
          message:
            kinds.length === 0
              ? "The step sets no kind (flag, route53, auroraGlobal, rdsPromoteReplica, scale, job, webhook, waitFor, approval)."
              : `The step sets ${kinds.length} kinds (${kinds.join(", ")}); exactly one is allowed.`,
        },
      ],
    };
  }
  const common = {
    name: spec.name,
    bestEffort: spec.bestEffort ?? stepDefaults.bestEffort,
    timeoutSeconds: spec.timeoutSeconds ?? stepDefaults.timeoutSeconds,
    retries: {
      limit: spec.retries?.limit ?? stepDefaults.retries.limit,
      backoffSeconds: spec.retries?.backoffSeconds ?? stepDefaults.retries.backoffSeconds,
    },
    onRollback: spec.onRollback ?? stepDefaults.onRollback,
  };
  const region = (r: string): string => bindText(r, binding);

  // Each branch copies what it keeps: the bound step is recorded as intent and must not alias the plan object.
  if (spec.flag !== undefined) {
    const { region: r, configMapRef, key, value } = spec.flag;
    return {
      step: { ...common, kind: "flag", flag: { region: region(r), configMapRef: { ...configMapRef }, key, value } },
      problems: [],
    };
  }
  if (spec.route53 !== undefined) {
    const r = spec.route53;
    const { weights, problems } = bindWeights(spec.name, r.weights, binding);
    const step: BoundStep = {
      ...common,
      kind: "route53",
      route53: {
        hostedZoneId: r.hostedZoneId,
        recordName: r.recordName,
        type: r.type ?? stepDefaults.route53Type,
        setIdentifiers: defined(r.setIdentifiers),
        weights,
      },
    };
    return { step, problems };
  }
  if (spec.auroraGlobal !== undefined) {
    const a = spec.auroraGlobal;
    const step: BoundStep = {
      ...common,
      kind: "auroraGlobal",
      auroraGlobal: {
        globalClusterIdentifier: a.globalClusterIdentifier,
        members: defined(a.members),
        mode: a.mode ?? stepDefaults.auroraMode,
        dataLossGate: a.dataLossGate ?? "Enforce",
        target: binding.to,
        source: binding.from,
      },
    };
    return { step, problems: [] };
  }
  if (spec.rdsPromoteReplica !== undefined) {
    const { region: r, ...ids } = spec.rdsPromoteReplica;
    return {
      step: { ...common, kind: "rdsPromoteReplica", rdsPromoteReplica: { region: region(r), ...ids } },
      problems: [],
    };
  }
  if (spec.scale !== undefined) {
    const { region: r, deploymentRef, replicas } = spec.scale;
    return {
      step: { ...common, kind: "scale", scale: { region: region(r), deploymentRef: { ...deploymentRef }, replicas } },
      problems: [],
    };
  }
  if (spec.job !== undefined) {
    return {
      step: {
        ...common,
        kind: "job",
        job: { region: region(spec.job.region), template: structuredClone(spec.job.template) },
      },
      problems: [],
    };
  }
  if (spec.webhook !== undefined) {
    const w = spec.webhook;
    const body = bindText(w.body ?? "", binding);
    // The CRD admits exactly one of the two (CEL); a Secret wins should an object bypass admission.
    const target = w.secretRef !== undefined ? { secretRef: { name: w.secretRef.name } } : { url: w.url ?? "" };
    return { step: { ...common, kind: "webhook", webhook: { ...target, body } }, problems: [] };
  }
  if (spec.waitFor !== undefined) {
    const w = spec.waitFor;
    return {
      step: {
        ...common,
        kind: "waitFor",
        waitFor: { signal: w.signal, region: region(w.region), healthy: w.healthy ?? stepDefaults.waitForHealthy },
      },
      problems: [],
    };
  }
  if (spec.approval !== undefined) {
    return {
      step: { ...common, kind: "approval", approval: { message: bindText(spec.approval.message, binding) } },
      problems: [],
    };
  }
  // Unreachable: kindOf found exactly one kind, and every kind has a branch above.
  return { problems: [] };
}

export function bindPlan(spec: FailoverPlanSpec, binding: Binding, policy: PolicyShape): BindResult {
  const steps: BoundStep[] = [];
  const bindingProblems: Problem[] = [];
  for (const s of spec.steps) {
    const bound = bindStep(s, binding);
    bindingProblems.push(...bound.problems);
    if (bound.step !== undefined) steps.push(bound.step);
  }
  return {
    plan: {
      binding: { ...binding },
      steps,
      onFailure: spec.onFailure ?? planDefaults.onFailure,
      timeoutSeconds: spec.timeoutSeconds ?? planDefaults.timeoutSeconds,
    },
    problems: inPlanOrder(spec, [...validateSteps(steps, binding, policy), ...bindingProblems]),
  };
}

/** Plan-level problems first, then each step's in plan order (a stable sort keeps the checks' own order within). */
function inPlanOrder(spec: FailoverPlanSpec, problems: Problem[]): Problem[] {
  const index = new Map(spec.steps.map((s, i) => [s.name, i]));
  const rank = (p: Problem): number => (p.step === undefined ? -1 : (index.get(p.step) ?? spec.steps.length));
  return [...problems].sort((a, b) => rank(a) - rank(b));
}
