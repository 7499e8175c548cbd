/**
 * Measured RTO and RPO against the policy's declared objectives (RegionPolicy spec.objectives). A missing objective
 * or a missing measurement is reported as such rather than guessed into a pass or a fail.
 */
import type { ObjectiveCheck } from "./types.js";

export function checkObjective(
  objectiveSeconds: number | undefined,
  measuredSeconds: number | undefined,
): ObjectiveCheck {
  const check: ObjectiveCheck = { result: "NoObjective" };
  if (objectiveSeconds !== undefined) check.objectiveSeconds = objectiveSeconds;
  if (measuredSeconds !== undefined) check.measuredSeconds = measuredSeconds;
  if (objectiveSeconds === undefined) return check;
  if (measuredSeconds === undefined) return { ...check, result: "NotMeasured" };
  return { ...check, result: measuredSeconds <= objectiveSeconds ? "Pass" : "Fail" };
}
