/**
 * What the simulation finds wrong with the new logic (controller-logic-system.ts): real bugs of the changed core or of
 * the shell's spec, not of the model. Each is a scenario family and the property it breaks; known-bugs-system.test.ts
 * asserts that fast-check still finds each, so fixing one flips its test (then move the property back into the
 * suite). Where the bug has a narrower, holding form, `holds` names the property the suite asserts instead.
 */
import { deadPeerCondemnsArb, deadPeersArb, deadPeerVouchesArb } from "./arbitraries.js";
import type { KnownBug } from "./known-bugs.js";
import { allProperties, type PropertyName } from "./properties.js";

export interface SystemBug extends KnownBug {
  /** The property, narrower than `property`, that the new logic keeps (asserted by the suite). */
  holds?: PropertyName;
}

export const systemBugs: SystemBug[] = [
  // peerViewMaxAgeMs (150 s) is the only bound on a peer's view: a dead controller's last published view keeps
  // counting as a live observer's. Three ways it shows:
  {
    bug: "a dead controller's last view counts for 150 s: two dead peers outvote the one live observer (reports)",
    scenarios: deadPeersArb({}),
    property: "noSilentHealthy",
    holds: "noSilentHealthyWhileAllUp",
  },
  {
    bug: "a dead controller's last view counts for 150 s: its last word alone makes a data-losing failover",
    scenarios: deadPeerCondemnsArb(),
    property: "dataLossNeedsQuorum",
    holds: "dataLossNeedsQuorumCountingTheDead",
  },
  {
    bug: "a dead controller's last view counts for 150 s: it vouches for a target its own controller condemns",
    scenarios: deadPeerVouchesArb(),
    property: "targetHealthyByQuorum",
    holds: "targetHealthyByQuorumCountingTheDead",
  },
];

const broken = new Set<PropertyName>(systemBugs.map((b) => b.property));

/** Every property the new logic keeps: the suite invariants.test.ts asserts for it. */
export const systemHolds: readonly PropertyName[] = allProperties.filter((p) => !broken.has(p));

/** A known bug's property as the new logic is held to it: its holding form when it breaks the strict one. */
export function heldForm(property: PropertyName): PropertyName | undefined {
  if (!broken.has(property)) return property;
  return systemBugs.find((b) => b.property === property)?.holds;
}
