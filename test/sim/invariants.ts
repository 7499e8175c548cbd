/**
 * The invariant suite as functions of a logic, so the same properties run against today's adapter and the next one:
 * `checkInvariants(logic)` runs every property over generated scenarios for two and three regions and returns
 * fast-check's verdicts; `assertInvariants(logic)` throws with the shrunk scenario's timeline.
 */
import fc from "fast-check";
import { scenarioArb, type PolicyOptions } from "./arbitraries.js";
import type { AnyLogic } from "./logic.js";
import { allProperties, firstViolation, type PropertyName, type Violation } from "./properties.js";
import type { Scenario } from "./scenario.js";
import { formatTimeline } from "./timeline.js";
import { simulate } from "./world.js";

export interface CheckOptions {
  properties?: readonly PropertyName[];
  /** Scenarios per region count. */
  numRuns?: number;
  seed?: number;
  regionCounts?: readonly (2 | 3)[];
  /** What else the generated scenarios vary (crashes, lengths, …); default: scenarioArb's own. */
  scenarios?: Omit<PolicyOptions, "regions">;
}

export interface CheckResult {
  regions: number;
  details: fc.RunDetails<[Scenario]>;
  /** The shrunk counterexample's violation and timeline, when one was found. */
  failure?: { violation: Violation; timeline: string };
}

/** A fast-check property: the scenario's history violates none of `names`. */
export function invariantProperty(
  logic: AnyLogic,
  arb: fc.Arbitrary<Scenario>,
  names: readonly PropertyName[],
): fc.IProperty<[Scenario]> {
  return fc.property(arb, (scenario) => firstViolation(simulate(logic, scenario), names) === undefined);
}

/** Re-runs a counterexample to explain it. */
export function explain(
  logic: AnyLogic,
  scenario: Scenario,
  names: readonly PropertyName[],
  maxLines = 80,
): { violation: Violation; timeline: string } | undefined {
  const history = simulate(logic, scenario);
  const violation = firstViolation(history, names);
  return violation && { violation, timeline: formatTimeline(history, violation, { brief: true, maxLines }) };
}

export function checkScenarios(
  logic: AnyLogic,
  arb: fc.Arbitrary<Scenario>,
  names: readonly PropertyName[],
  params: fc.Parameters<[Scenario]>,
): { details: fc.RunDetails<[Scenario]>; failure?: { violation: Violation; timeline: string } } {
  const details = fc.check(invariantProperty(logic, arb, names), params);
  const counterexample = details.counterexample?.[0];
  const failure = counterexample ? explain(logic, counterexample, names) : undefined;
  return failure ? { details, failure } : { details };
}

export function checkInvariants(logic: AnyLogic, options: CheckOptions = {}): CheckResult[] {
  const names = options.properties ?? allProperties;
  return (options.regionCounts ?? [2, 3]).map((regions, i) => {
    const policy: PolicyOptions = { ...options.scenarios, regions };
    const params = { numRuns: options.numRuns ?? 1000, seed: (options.seed ?? 9) + i };
    return { regions, ...checkScenarios(logic, scenarioArb(policy), names, params) };
  });
}

export function assertInvariants(logic: AnyLogic, options: CheckOptions = {}): void {
  for (const result of checkInvariants(logic, options)) {
    if (result.details.failed) {
      throw new Error(
        `${logic.name} logic, ${result.regions} regions: ${result.failure?.violation.property ?? "error"} ` +
          `after ${result.details.numRuns} scenarios (seed ${result.details.seed}, ${result.details.numShrinks} shrinks)\n` +
          (result.failure?.timeline ?? String(result.details.errorInstance)),
      );
    }
  }
}
