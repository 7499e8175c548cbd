/**
 * Observer views as piecewise-constant up/down timelines, built once per scenario so that the step function only does
 * a short scan, and queried the same way by the world (to take samples) and by the properties (to judge them).
 */
import { observersOf, type Scenario } from "./scenario.js";

/** Sorted toggle times; the view is up before the first and flips at each. */
export interface ViewLine {
  flips: number[];
}

export interface Views {
  /** observer → region → line */
  lines: Map<string, Map<string, ViewLine>>;
}

function fromStretches(stretches: [number, number][]): ViewLine {
  const sorted = stretches.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return { flips: merged.flat() };
}

function truthStretches(scenario: Scenario, region: string): [number, number][] {
  const stretches: [number, number][] = [];
  for (const o of scenario.outages[region] ?? []) {
    for (let i = 0, at = o.at; i < Math.max(1, o.repeat); i++, at += o.downMs + o.upMs) {
      stretches.push([at, at + o.downMs]);
    }
  }
  return stretches;
}

/** Applies an override to a set of down stretches: forces [from, to) down or up. */
function overlay(stretches: [number, number][], from: number, to: number, up: boolean): [number, number][] {
  const cut: [number, number][] = [];
  for (const [a, b] of stretches) {
    if (b <= from || a >= to) cut.push([a, b]);
    else {
      if (a < from) cut.push([a, from]);
      if (b > to) cut.push([to, b]);
    }
  }
  return up ? cut : [...cut, [from, to]];
}

export function buildViews(scenario: Scenario): Views {
  const lines = new Map<string, Map<string, ViewLine>>();
  for (const observer of observersOf(scenario.policy)) {
    const byRegion = new Map<string, ViewLine>();
    for (const { name } of scenario.policy.regions) {
      let stretches = truthStretches(scenario, name);
      for (const o of scenario.overrides) {
        if (o.observer === observer && o.region === name) stretches = overlay(stretches, o.from, o.to, o.up);
      }
      byRegion.set(name, fromStretches(stretches));
    }
    lines.set(observer, byRegion);
  }
  return { lines };
}

export function lineOf(views: Views, observer: string, region: string): ViewLine {
  return views.lines.get(observer)?.get(region) ?? { flips: [] };
}

export function isUp(line: ViewLine, t: number): boolean {
  let flipsSoFar = 0;
  for (const f of line.flips) {
    if (f > t) break;
    flipsSoFar++;
  }
  return flipsSoFar % 2 === 0;
}

/**
 * Whether a sampler of the line saw it hold `up` for at least `minMs` somewhere inside [from, to]; with minMs 0 an
 * instant is enough, `to` included (a sample taken at the very moment a view changes sees the new state). An
 * interruption shorter than `bridgeMs` (one sampling interval) may fall between two samples, so it does not break the
 * stretch.
 */
export function heldWithin(
  line: ViewLine,
  up: boolean,
  from: number,
  to: number,
  minMs: number,
  bridgeMs: number,
): boolean {
  const boundaries = [from, ...line.flips.filter((f) => f > from && f <= to), to];
  let start: number | undefined;
  let end = from;
  for (let i = 0; i + 1 < boundaries.length; i++) {
    const a = boundaries[i] ?? from;
    const b = boundaries[i + 1] ?? to;
    if (b < a || isUp(line, a) !== up) continue;
    if (start === undefined || a - end >= bridgeMs) start = a;
    end = b;
    if (end - start >= minMs) return true;
  }
  return false;
}
