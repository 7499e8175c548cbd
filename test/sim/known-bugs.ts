/**
 * Issue 9's measured bugs as scenario families and the property each breaks. The new logic must break none
 * (known-bugs.test.ts). Today's adapter now runs on the changed core (quorum 2 by default, verdicts by quorum), which
 * alone mends some of them; `stillBreaksToday` marks those today's logic still breaks, and the test asserts that it
 * does.
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
  /** Today's adapter, on the changed core, still breaks it. */
  stillBreaksToday?: true;
}

const automaticFailback = fc.constant<"Automatic" | "Manual">("Automatic");
const manualFailback = fc.constant<"Automatic" | "Manual">("Manual");
const unset = fc.constant<number | undefined>(undefined);
const b = controllerOf("b");

/** Only b's controller sees a failing; a's own controller (and Route53, if any) see it healthy. Quorum unset: the default. */
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

const quorum1 = fc.constant<number | undefined>(1);

export const knownBugs: KnownBug[] = [
  {
    bug: "asymmetric view (quorum 1): a's controller fails back inside b's hold-down, forever",
    scenarios: asymmetric(quorum1),
    property: "holdDownAcrossControllers",
    stillBreaksToday: true,
  },
  {
    bug: "asymmetric view (quorum 1): the ping-pong never reaches FlapSuppressed",
    scenarios: asymmetric(quorum1),
    property: "flappingReachesSuppression",
    stillBreaksToday: true,
  },
  {
    bug: "asymmetric view (quorum 1): the system's transitions never show as FlapSuppressed",
    scenarios: asymmetric(quorum1),
    property: "suppressionIsReported",
    stillBreaksToday: true,
  },
  {
    bug: "asymmetric view (default quorum): data-losing FailoverGlobalCluster on b's word alone",
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
    stillBreaksToday: true,
  },
  {
    bug: "the new region becomes writable before its plan allows it (before promotion, waits, approval)",
    scenarios: cleanOutageArb({ regions: 2 }),
    property: "roleStateFollowsPlan",
    stillBreaksToday: true,
  },
  {
    bug: "quorum counts two observers: quorum 2 without Route53 never fails over, whoever sees a down",
    scenarios: cleanOutageArb({ regions: 3, quorum: fc.constant(2), route53Signals: fc.constant(false) }),
    property: "failsOverWhenAllObserversAgree",
    stillBreaksToday: true,
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
    stillBreaksToday: true,
  },
  {
    bug: "one controller's view moves the writer with data loss (default quorum, failback Manual)",
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
    stillBreaksToday: true,
  },
  {
    bug: "a run no controller will execute is never given a status (no NotExecutable)",
    scenarios: cleanOutageArb({ regions: 2, stray: true }),
    property: "strayRunsAreReported",
    stillBreaksToday: true,
  },
  {
    bug: "(found by the simulation) a superseded run's own unfreeze step makes a second writer",
    scenarios: scenarioArb({ regions: 2 }),
    property: "neverTwoWriters",
    stillBreaksToday: true,
  },
];
