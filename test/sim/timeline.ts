/**
 * A history as a person reads it: the scenario in a few lines, then time, actor and event, one per line, with the
 * violation marked where it happened.
 */
import type { History } from "./history.js";
import type { Violation } from "./properties.js";
import type { Scenario } from "./scenario.js";

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function describeScenario(s: Scenario): string[] {
  const p = s.policy;
  const lines = [
    `regions ${p.regions.map((r) => `${r.name}${r.role === "primary" ? "(primary)" : ""}`).join(" ")}; ` +
      `signals http${p.route53Signals ? " + route53" : ""}; quorum ${p.quorum ?? "default"}; ` +
      `interval ${p.intervalSeconds}s, failureThreshold ${p.failureThreshold}, successThreshold ${p.successThreshold}, ` +
      `holdDown ${p.holdDownSeconds}s, failback ${p.failback}`,
    `flapPenalty ${p.flapPenalty.perTransition}/transition, halfLife ${p.flapPenalty.halfLifeSeconds}s, ` +
      `suppressAbove ${p.flapPenalty.suppressAbove}, reuseBelow ${p.flapPenalty.reuseBelow}, maxSuppress ${p.flapPenalty.maxSuppressSeconds}s`,
    `timing: cas ${sec(s.timing.casLatencyMs)}, freeze ${sec(s.timing.freezeMs)}, promotion ${sec(s.timing.promotionMs)}, ` +
      `wait ${sec(s.timing.waitMs)}, approval ${s.timing.approvalMs > 0 ? sec(s.timing.approvalMs) : "none"}, ` +
      `record cache ${sec(s.timing.cacheMs)}, peer lag ${sec(s.timing.peerLagMs)}; duration ${sec(s.durationMs)}`,
  ];
  for (const [region, outages] of Object.entries(s.outages)) {
    for (const o of outages) {
      lines.push(
        o.repeat > 1
          ? `${region} flaps from +${sec(o.at)}: down ${sec(o.downMs)}, up ${sec(o.upMs)}, ×${o.repeat}`
          : `${region} is down from +${sec(o.at)} for ${sec(o.downMs)}`,
      );
    }
  }
  for (const o of s.overrides) {
    lines.push(
      `${o.observer} sees ${o.region} ${o.up ? "UP" : "DOWN"} whatever happens, +${sec(o.from)}…+${sec(o.to)}`,
    );
  }
  for (const c of s.crashes) lines.push(`controller/${c.region} crashes at +${sec(c.at)} for ${sec(c.downMs)}`);
  if (s.stray)
    lines.push(
      `a stray run ${s.stray.from}→${s.stray.to} appears in ${s.stray.cluster}'s cluster at +${sec(s.stray.at)}`,
    );
  return lines;
}

const idle = /^decides Stay \((ActiveHealthy|PrimaryNotHealthy|ActiveUnknown)\)/;

export interface TimelineOptions {
  /** Drop the controllers' idle decisions (the noisiest lines) after each one's first. */
  brief?: boolean;
  /** At most this many lines of events. */
  maxLines?: number;
}

export function formatTimeline(h: History, violation?: Violation, options: TimelineOptions = {}): string {
  const out = ["Scenario:", ...describeScenario(h.scenario).map((l) => `  ${l}`), "Timeline:"];
  // A controller's first decision stays even when idle: "Stay (ActiveHealthy)" about a dead region is the finding.
  const decided = new Set<string>();
  const entries = h.timeline.filter((e) => {
    if (!options.brief || !idle.test(e.what)) return true;
    const first = !decided.has(e.actor);
    decided.add(e.actor);
    return first;
  });
  const actorWidth = Math.max(8, ...entries.map((e) => e.actor.length));
  let marked = false;
  const lines: string[] = [];
  for (const e of entries) {
    if (violation && !marked && e.at > violation.at) {
      lines.push(`  >>> +${sec(violation.at)} VIOLATED ${violation.property}: ${violation.message}`);
      marked = true;
    }
    lines.push(`  +${sec(e.at).padStart(7)}  ${e.actor.padEnd(actorWidth)}  ${e.what}`);
  }
  if (violation && !marked)
    lines.push(`  >>> +${sec(violation.at)} VIOLATED ${violation.property}: ${violation.message}`);
  const max = options.maxLines ?? Infinity;
  if (lines.length > max) {
    const mark = lines.findIndex((l) => l.includes(">>>"));
    const end = Math.min(lines.length, Math.max(max, mark + 6));
    out.push(...lines.slice(Math.max(0, end - max), end), `  … ${lines.length - end} more`);
  } else out.push(...lines);
  return out.join("\n");
}
