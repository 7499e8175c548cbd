/**
 * What the simulation finds wrong with the new logic (controller-logic-system.ts): real bugs of the changed core or of
 * the shell's spec, not of the model. Each is a scenario family and the property it breaks; known-bugs-system.test.ts
 * asserts that fast-check still finds each, so fixing one flips its test (then move the property back into the
 * suite). Where the bug has a narrower, holding form, `holds` names the property the suite asserts instead.
 */
import fc from "fast-check";
import { deadPeerCondemnsArb, deadPeersArb, deadPeerVouchesArb, flappingArb, quickFailbackArb } from "./arbitraries.js";
import type { KnownBug } from "./known-bugs.js";
import { allProperties, type PropertyName } from "./properties.js";

export interface SystemBug extends KnownBug {
  /** The property, narrower than `property`, that the new logic keeps (asserted by the suite). */
  holds?: PropertyName;
}

const automaticFailback = fc.constant<"Automatic" | "Manual">("Automatic");

export const systemBugs: SystemBug[] = [
  {
    // recordTransition stores `since` as floor(now / 1 s), and boundedFlapping (and the decision) count hold-down
    // from it: a transition at +0.9 s lets the next one through at +holdDown, 0.9 s early.
    bug: "hold-down counts from the record's `since`, rounded down to the second: a transition up to 1 s early",
    scenarios: flappingArb({ regions: 2, failback: automaticFailback }),
    property: "holdDownAcrossControllers",
    holds: "holdDownToTheSecond",
  },
  {
    // The active role state is applied "once per epoch, after the epoch's run succeeded" — but the run's own unfreeze
    // already made the region writable, so the controller applies it again at its next reconcile, on its cached
    // record: by then another region's run may have frozen this one and taken the next epoch.
    bug: "self-fencing re-applies the active state on a cached record after the next move froze the region",
    scenarios: quickFailbackArb({ regions: 3 }),
    property: "roleStateFollowsPlan",
    holds: "writableOnlyAfterItsRun",
  },
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
  {
    // A decision on a cached record older than this cluster's own last win (hold-down shorter than the cache's
    // lifetime) proposes the move again; fencingSource allows a record already naming `to`, boundedFlapping finds
    // hold-down over: a new epoch, a second promotion, flap penalty for nothing.
    bug: "hold-down shorter than the record cache: a move decided on a stale record re-takes an epoch for the active region",
    scenarios: flappingArb({ regions: 2, failback: automaticFailback, holdDownIntervals: fc.constant(3) }),
    property: "everyEpochMovesTheWriter",
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
