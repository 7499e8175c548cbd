/**
 * Issue 9's measured bugs as scenario families and the property each breaks. Today's logic must break every one (the
 * known-bugs test asserts that fast-check finds each counterexample); the new logic must break none, and then the
 * test flips.
 */
import fc from "fast-check";
import { cleanOutageArb, fixedViewsArb, flappingArb, scenarioArb } from "./arbitraries.js";
import type { PropertyName } from "./properties.js";
import { ROUTE53, controllerOf, type Scenario } from "./scenario.js";

export interface KnownBug {
  /** The words, shortened. */
  bug: string;
  scenarios: fc.Arbitrary<Scenario>;
  property: PropertyName;
}

const automaticFailback = fc.constant<"Automatic" | "Manual">("Automatic");
const manualFailback = fc.constant<"Automatic" | "Manual">("Manual");
const unset = fc.constant<number | undefined>(undefined);
const b = controllerOf("b");

/** Only b's controller sees a failing; a's own controller (and Route53, if any) see it healthy. */
const asymmetric = (quorum = unset) =>
  fixedViewsArb({ regions: 2, failback: automaticFailback, quorum, odd: [{ observers: [b], region: "a", up: false }] });

/** As above with quorum 2 and Route53's checkers condemning a too. */
const asymmetricWithRoute53 = fixedViewsArb({
  regions: 2,
  failback: automaticFailback,
  quorum: fc.constant(2),
  route53Signals: fc.constant(true),
  odd: [{ observers: [b, ROUTE53], region: "a", up: false }],
});

export const knownBugs: KnownBug[] = [
  {
    bug: "asymmetric view (quorum 1): a's controller fails back inside b's hold-down, forever",
    scenarios: asymmetric(),
    property: "holdDownAcrossControllers",
  },
  {
    bug: "asymmetric view (quorum 1): the ping-pong never reaches FlapSuppressed",
    scenarios: asymmetric(),
    property: "flappingReachesSuppression",
  },
  {
    bug: "asymmetric view (quorum 1): data-losing FailoverGlobalCluster on b's word alone",
    scenarios: asymmetric(),
    property: "dataLossNeedsQuorum",
  },
  {
    bug: "asymmetric view, quorum 2 with a Route53 health check condemning a: still inside hold-down",
    scenarios: asymmetricWithRoute53,
    property: "holdDownAcrossControllers",
  },
  {
    bug: "failback overtakes the failover: a flapping a, a's failback while b's failover still runs",
    scenarios: flappingArb({ regions: 2, failback: automaticFailback }),
    property: "noMoveOverARunningMove",
  },
  {
    bug: "the new region becomes writable before its plan allows it (before promotion, waits, approval)",
    scenarios: cleanOutageArb({ regions: 2 }),
    property: "roleStateFollowsPlan",
  },
  {
    bug: "quorum counts two observers: quorum 2 without Route53 never fails over, whoever sees a down",
    scenarios: cleanOutageArb({ regions: 3, quorum: fc.constant(2), route53Signals: fc.constant(false) }),
    property: "failsOverWhenAllObserversAgree",
  },
  {
    bug: "quorum counts two observers: a 503-answering region reported Healthy with no warning",
    scenarios: cleanOutageArb({ regions: 2, quorum: fc.constant(2), route53Signals: fc.constant(false) }),
    property: "noSilentHealthy",
  },
  {
    bug: "quorum counts two observers: quorum 3 is never reachable, even with three regions and Route53",
    scenarios: cleanOutageArb({ regions: 3, quorum: fc.constant(3), route53Signals: fc.constant(true) }),
    property: "failsOverWhenAllObserversAgree",
  },
  {
    bug: "CRD default quorum 1: one controller's view moves the writer with data loss (failback Manual)",
    scenarios: fixedViewsArb({
      regions: 2,
      failback: manualFailback,
      quorum: unset,
      odd: [{ observers: [b], region: "a", up: false }],
    }),
    property: "dataLossNeedsQuorum",
  },
  {
    bug: "its own controller's optimism alone makes a region a failover target",
    scenarios: fixedViewsArb({
      regions: 2,
      failback: manualFailback,
      down: ["a"],
      odd: [{ observers: [controllerOf("a"), ROUTE53], region: "b", up: false, from: 0 }],
    }),
    property: "targetHealthyByQuorum",
  },
  {
    bug: "a run no controller will execute holds every automatic decision back forever",
    scenarios: cleanOutageArb({ regions: 2, stray: true }),
    property: "failsOverWhenAllObserversAgree",
  },
  {
    bug: "(found by the simulation) a superseded run's own unfreeze step makes a second writer",
    scenarios: scenarioArb({ regions: 2 }),
    property: "neverTwoWriters",
  },
];
