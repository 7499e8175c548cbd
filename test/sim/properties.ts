/**
 * The system's invariants (design section 5, issue 9) as checks over one history, across all controllers. Each
 * returns the first violation it finds, or undefined. They judge what the world did (record changes, promotions, role
 * state) against what the observers saw (the scenario's views), never against what a controller believed, so the
 * same checks hold any logic to account.
 *
 * Where a check must say what an observer "saw", it is lenient by the dampening a correct controller needs (a
 * threshold's worth of samples, a cached record, a peer's stale status): a check should fail on a wrong move, not on
 * a right move made from information a few seconds old.
 */
import { initialPenalty, recordFlap, suppression } from "../../src/core/dampening/flap-penalty.js";
import type { History, RunRecord } from "./history.js";
import type { ControllerReport } from "./logic.js";
import { controllerOf, observersOf, ROUTE53, requiredQuorum, type Scenario } from "./scenario.js";
import { buildViews, heldWithin, isUp, lineOf, type ViewLine, type Views } from "./views.js";

export interface Violation {
  property: PropertyName;
  at: number;
  message: string;
}

export type PropertyName =
  | "holdDownAcrossControllers"
  | "holdDownToTheSecond"
  | "flappingReachesSuppression"
  | "suppressionIsReported"
  | "noMoveOverARunningMove"
  | "dataLossNeedsQuorum"
  | "dataLossNeedsQuorumCountingTheDead"
  | "targetHealthyByQuorum"
  | "targetHealthyByQuorumCountingTheDead"
  | "neverTwoWriters"
  | "roleStateFollowsPlan"
  | "writableOnlyAfterItsRun"
  | "everyEpochWonOnce"
  | "everyEpochMovesTheWriter"
  | "promotionOnlyUnderWonEpoch"
  | "failsOverWhenAllObserversAgree"
  | "noSilentHealthy"
  | "noSilentHealthyWhileAllUp"
  | "strayRunsAreReported";

type Check = (h: History, ctx: Context) => Violation | undefined;

interface Context {
  views: Views;
  intervalMs: number;
  /** How stale a correct controller's information may be: record cache, peer lag, a reconcile, a sample. */
  slackMs: number;
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function context(scenario: Scenario): Context {
  const intervalMs = scenario.policy.intervalSeconds * 1000;
  return {
    views: buildViews(scenario),
    intervalMs,
    slackMs: scenario.timing.cacheMs + scenario.timing.peerLagMs + 2 * intervalMs,
  };
}

/**
 * Invariant 5: automatic transitions, whichever controllers make them, are at least holdDownSeconds apart (`toleranceMs`
 * closer is forgiven: the fencing record keeps whole seconds).
 */
function holdDownApart(property: PropertyName, toleranceMs: number): Check {
  return (h) => {
    const holdDownMs = h.scenario.policy.holdDownSeconds * 1000;
    for (let i = 1; i < h.transitions.length; i++) {
      const [a, b] = [h.transitions[i - 1], h.transitions[i]];
      if (a && b && b.at - a.at < holdDownMs - toleranceMs) {
        return {
          property,
          at: b.at,
          message: `epoch ${b.epoch} (${b.from}→${b.to}, ${b.run}) came ${sec(b.at - a.at)} after epoch ${a.epoch} (${a.run}); hold-down is ${sec(holdDownMs)}`,
        };
      }
    }
    return undefined;
  };
}

const holdDownAcrossControllers = holdDownApart("holdDownAcrossControllers", 0);

/**
 * The same bound to the second: the fencing record stores `since` in whole seconds. Rounded down, it let the guard at
 * the compare-and-swap pass a transition up to a second early (found here; the core now rounds up).
 */
const holdDownToTheSecond = holdDownApart("holdDownToTheSecond", 1000);

/**
 * Invariant 5: the flap penalty counts the system's transitions. Replaying them through the core's own penalty
 * arithmetic gives when suppression is in force; no automatic transition may happen then.
 */
const flappingReachesSuppression: Check = (h) => {
  const cfg = h.scenario.policy.flapPenalty;
  let penalty = initialPenalty(0);
  for (const t of h.transitions) {
    const s = suppression(penalty, cfg, t.at);
    if (s.suppressed) {
      return {
        property: "flappingReachesSuppression",
        at: t.at,
        message: `epoch ${t.epoch} (${t.from}→${t.to}) was taken while the system's ${h.transitions.indexOf(t)} earlier transitions had it suppressed until +${sec(s.until ?? 0)}`,
      };
    }
    penalty = recordFlap(penalty, cfg, t.at);
  }
  return undefined;
};

/** "A move is in progress" is global: an epoch is taken only once the run that took the previous one has finished. */
const noMoveOverARunningMove: Check = (h) => {
  for (let i = 1; i < h.transitions.length; i++) {
    const [a, b] = [h.transitions[i - 1], h.transitions[i]];
    const previous = h.runs.find((r) => r.name === a?.run);
    if (!a || !b || !previous) continue;
    if (previous.finishedAt === undefined || previous.finishedAt > b.at) {
      return {
        property: "noMoveOverARunningMove",
        at: b.at,
        message: `${b.run} took epoch ${b.epoch} (${b.from}→${b.to}) while ${previous.name} (epoch ${a.epoch}) was still running`,
      };
    }
  }
  return undefined;
};

function observersSeeing(
  h: History,
  ctx: Context,
  region: string,
  up: boolean,
  from: number,
  to: number,
  minMs: number,
): string[] {
  return observersOf(h.scenario.policy).filter((o) =>
    heldWithin(lineOf(ctx.views, o, region), up, from, to, minMs, ctx.intervalMs),
  );
}

/**
 * Where a run's decision may have got its evidence: a threshold's worth of samples and the slack before it was
 * created. A controller that crashed and is back by then resumed from what it knew when it crashed (its signals'
 * state, which its view is judged from), so the window reaches back before its crash. A controller still down is no
 * excuse: a dead observer is absent.
 */
function windowOf(run: RunRecord, ctx: Context, h: History): number {
  const p = h.scenario.policy;
  const lookBack = (p.failureThreshold + p.successThreshold) * ctx.intervalMs + ctx.slackMs;
  let from = run.createdAt - lookBack;
  // Crashes latest first, so that one reaching back before another is seen with the window it extended.
  const crashes = h.liveness.filter((l) => !l.up && l.at <= run.createdAt).reverse();
  for (const crash of crashes) {
    const back = h.liveness.find((l) => l.up && l.region === crash.region && l.at >= crash.at)?.at ?? Infinity;
    if (back >= from && back <= run.createdAt) from = Math.min(from, crash.at - lookBack);
  }
  return Math.max(0, from);
}

/**
 * A threshold's worth of samples spans (threshold - 1) intervals, except around a restart: a restarted controller
 * probes at once, off its old rhythm, so its samples may come closer together.
 */
function sampledFor(h: History, spanMs: number, from: number, to: number): number {
  return h.liveness.some((l) => l.up && l.at > 0 && l.at >= from && l.at <= to) ? 0 : spanMs;
}

/**
 * The observers that saw `region` as `up` in the run's window. With `countTheDead`, a controller that is down when the
 * run is created counts by its last word too, as the core counts it (its last published view stands until it is
 * peerViewMaxAgeMs old): what it saw in a window ending at its crash.
 */
function witnesses(
  h: History,
  ctx: Context,
  run: RunRecord,
  region: string,
  up: boolean,
  to: number,
  spanMs: number,
  countTheDead: boolean,
): string[] {
  const from = windowOf(run, ctx, h);
  const seen = observersSeeing(h, ctx, region, up, from, to, sampledFor(h, spanMs, from, to));
  if (!countTheDead) return seen;
  const lookBack = run.createdAt - from;
  for (const r of h.scenario.policy.regions) {
    const observer = controllerOf(r.name);
    const state = controllerUpAt(h, r.name, run.createdAt);
    if (seen.includes(observer) || state.up) continue;
    const line = lineOf(ctx.views, observer, region);
    if (heldWithin(line, up, Math.max(0, state.since - lookBack), state.since, spanMs, ctx.intervalMs)) {
      seen.push(observer);
    }
  }
  return seen;
}

/** Invariants 3 and 7: a data-losing promotion only when a quorum of distinct observers condemned the source. */
function dataLossQuorum(property: PropertyName, countTheDead: boolean): Check {
  return (h, ctx) => {
    const quorum = requiredQuorum(h.scenario.policy);
    const minDown = (h.scenario.policy.failureThreshold - 1) * ctx.intervalMs;
    for (const p of h.promotions) {
      if (p.mode !== "failover") continue;
      const run = h.runs.find((r) => r.name === p.run);
      if (!run) continue;
      const condemning = witnesses(h, ctx, run, p.from, false, p.at, minDown, countTheDead);
      if (condemning.length < quorum) {
        return {
          property,
          at: p.at,
          message: `${p.run} made a data-losing promotion of ${p.to} with only [${condemning.join(", ")}] seeing ${p.from} down; quorum is ${quorum}`,
        };
      }
    }
    return undefined;
  };
}

/** Invariant 3: a failover or failback target is one a quorum of observers found Healthy. */
function targetQuorum(property: PropertyName, countTheDead: boolean): Check {
  return (h, ctx) => {
    const quorum = requiredQuorum(h.scenario.policy);
    const minUp = (h.scenario.policy.successThreshold - 1) * ctx.intervalMs;
    for (const t of h.transitions) {
      const run = h.runs.find((r) => r.name === t.run);
      if (!run) continue;
      const healthy = witnesses(h, ctx, run, t.to, true, t.at, minUp, countTheDead);
      if (healthy.length < quorum) {
        return {
          property,
          at: t.at,
          message: `${t.run} made ${t.to} active with only [${healthy.join(", ")}] seeing it up; quorum is ${quorum}`,
        };
      }
    }
    return undefined;
  };
}

const dataLossNeedsQuorum = dataLossQuorum("dataLossNeedsQuorum", false);
const targetHealthyByQuorum = targetQuorum("targetHealthyByQuorum", false);

/**
 * The same two, counting a dead controller by its last word. A dead controller's last view, up to 150 s old, used to
 * make the quorum (found here; a view now counts only while its controller's Lease is renewed).
 */
const dataLossNeedsQuorumCountingTheDead = dataLossQuorum("dataLossNeedsQuorumCountingTheDead", true);
const targetHealthyByQuorumCountingTheDead = targetQuorum("targetHealthyByQuorumCountingTheDead", true);

/** The regions whose role state is writable just after `at`. */
function writableAt(h: History, at: number): string[] {
  const primary = h.scenario.policy.regions.find((r) => r.role === "primary")?.name ?? "";
  const writable = new Map<string, boolean>([[primary, true]]);
  for (const c of h.roleChanges) {
    if (c.at > at) break;
    writable.set(c.region, c.writable);
  }
  return [...writable].filter(([, w]) => w).map(([r]) => r);
}

function controllerUpAt(h: History, region: string, at: number): { up: boolean; since: number } {
  let state = { up: true, since: 0 };
  for (const l of h.liveness) if (l.region === region && l.at <= at) state = { up: l.up, since: l.at };
  return state;
}

/**
 * Invariant 2: never two writers. The region that lost an epoch is fenced "at once", which for a controller means
 * by its next reconcile on a fresh read: it is excused while its controller is down (it converges when it comes
 * back), and for a reconcile and a cache lifetime after the later of the epoch change and its controller's return.
 */
const neverTwoWriters: Check = (h, ctx) => {
  const graceMs = h.scenario.timing.cacheMs + 2 * ctx.intervalMs;
  const excused = (region: string, at: number): boolean => {
    if (activeAt(h, at) === region) return false;
    const lost = lastAt(h.transitions, at, (t) => t.to !== region);
    const controller = controllerUpAt(h, region, at);
    if (!controller.up) return true;
    return at < Math.max(lost?.at ?? 0, controller.since) + graceMs;
  };
  const instants = [
    ...h.roleChanges.map((c) => c.at),
    ...h.transitions.map((t) => t.at + graceMs),
    ...h.liveness.map((l) => l.at + graceMs),
  ].filter((t) => t <= h.scenario.durationMs);
  for (const at of [...new Set(instants)].sort((a, b) => a - b)) {
    const writers = writableAt(h, at);
    const unexcused = writers.filter((r) => !excused(r, at));
    if (writers.length >= 2 && unexcused.length >= 2) {
      return {
        property: "neverTwoWriters",
        at,
        message: `${writers.join(" and ")} are writable at once (the record names ${activeAt(h, at)})`,
      };
    }
  }
  return undefined;
};

/**
 * Invariant 2, the winner's side: a region becomes writable only where the record names it, the database writer is
 * there, and the run that won its epoch has finished its steps (its own last step, the unfreeze, is the one that may
 * do it).
 */
const roleStateFollowsPlan: Check = (h) => {
  for (const c of h.roleChanges) {
    if (!c.writable) continue;
    const epoch = lastAt(h.transitions, c.at);
    const active = epoch?.to ?? h.scenario.policy.regions.find((r) => r.role === "primary")?.name;
    const writer = lastAt(h.writer, c.at)?.region;
    const run = epoch ? h.runs.find((r) => r.name === epoch.run) : undefined;
    const unfinished = run && (run.finishedAt === undefined || run.finishedAt > c.at) && c.run !== run.name;
    const why =
      active !== c.region
        ? `the record names ${active}`
        : writer !== c.region
          ? `the database writer is still ${writer}`
          : unfinished
            ? `run ${run.name} (epoch ${epoch?.epoch}) is still at its ${stepAt(h, run, c.at)}`
            : undefined;
    if (why !== undefined) {
      return {
        property: "roleStateFollowsPlan",
        at: c.at,
        message: `${c.region} became writable (${c.by}${c.run ? ` ${c.run}` : ""}) while ${why}`,
      };
    }
  }
  return undefined;
};

function stepAt(h: History, run: RunRecord, at: number): string {
  const promoted = h.promotions.find((p) => p.run === run.name);
  if (!promoted || promoted.at > at) return "promotion";
  const done = h.writer.find((w) => w.at >= promoted.at && w.region === run.to);
  return done && done.at <= at ? "wait/approval steps" : "promotion (in progress)";
}

/** Invariant 1: epochs go up by one, each won by exactly one run. */
const everyEpochWonOnce: Check = (h) => {
  if (h.anomalies[0]) return { property: "everyEpochWonOnce", at: h.anomalies[0].at, message: h.anomalies[0].what };
  const seen = new Map<number, string>();
  for (const run of h.runs) {
    if (run.epoch === undefined) continue;
    const other = seen.get(run.epoch);
    if (other !== undefined) {
      return {
        property: "everyEpochWonOnce",
        at: run.createdAt,
        message: `${other} and ${run.name} both hold epoch ${run.epoch}`,
      };
    }
    seen.set(run.epoch, run.name);
  }
  return undefined;
};

/** Invariant 1: a database is promoted only under the epoch the run won, while the record still holds it. */
const promotionOnlyUnderWonEpoch: Check = (h) => {
  for (const p of h.promotions) {
    if (p.runEpoch === undefined || p.runEpoch !== p.recordEpoch || p.recordActive !== p.to) {
      return {
        property: "promotionOnlyUnderWonEpoch",
        at: p.at,
        message: `${p.run} promoted ${p.to} under epoch ${p.runEpoch ?? "none"} while the record named ${p.recordActive} at epoch ${p.recordEpoch}`,
      };
    }
  }
  return undefined;
};

/** A line that holds `up` throughout [from, to]. */
function throughout(line: ViewLine, up: boolean, from: number, to: number): boolean {
  return isUp(line, from) === up && !line.flips.some((f) => f > from && f <= to);
}

/**
 * Liveness (invariant 3, "an unreachable quorum is reported, never a silent Healthy"): when every observer sees the
 * active region down and another region up, on a quiet system (views steady since the last suppression could have
 * begun, no run, hold-down and transition suppression over, all controllers up), the active region moves within the
 * dampening's own delays. A run nobody executes is no excuse (issue 9, item 5).
 */
const failsOverWhenAllObserversAgree: Check = (h, ctx) => {
  const p = h.scenario.policy;
  const observers = observersOf(p);
  if (requiredQuorum(p) > observers.length) return undefined;
  const t = h.scenario.timing;
  const needMs =
    (p.failureThreshold + p.successThreshold + 2) * ctx.intervalMs + ctx.slackMs + t.freezeMs + t.casLatencyMs;
  const quietMs = p.flapPenalty.maxSuppressSeconds * 1000;
  const suppressedAt = transitionPenalty(h);
  for (let at = 0; at + needMs <= h.scenario.durationMs; at += ctx.intervalMs) {
    const end = at + needMs;
    const quietFrom = Math.max(0, at - quietMs);
    const active = activeAt(h, at);
    if (!observers.every((o) => throughout(lineOf(ctx.views, o, active), false, at, end))) continue;
    const target = p.regions.find(
      (r) =>
        r.name !== active && observers.every((o) => throughout(lineOf(ctx.views, o, r.name), true, quietFrom, end)),
    );
    if (!target) continue;
    // The target's controller executes the move, so only the observers it can hear count: itself, Route53's checkers,
    // and the controllers of the regions it can reach (the active region, down for everyone, is not one of them). An
    // observer it cannot reach is absent, not failing (invariant 3): short of a quorum of audible ones, nothing is due.
    const audible = observers.filter(
      (o) =>
        o === ROUTE53 ||
        o === controllerOf(target.name) ||
        p.regions.some(
          (r) =>
            o === controllerOf(r.name) &&
            r.name !== active &&
            throughout(lineOf(ctx.views, controllerOf(target.name), r.name), true, quietFrom, end),
        ),
    );
    if (audible.length < requiredQuorum(p)) continue;
    const flipsOfActive = observers.flatMap((o) =>
      lineOf(ctx.views, o, active).flips.filter((f) => f > quietFrom && f <= at),
    );
    if (flipsOfActive.length > observers.length) continue;
    // A region that flapped (three changes: two flaps, then a third) may be suppressed by its own penalty, and a
    // suppressed first-choice target holds the move back rather than redirect it (decide.ts, failoverTarget).
    const flapped = p.regions.some(
      (r) =>
        r.name !== active &&
        observers.some((o) => lineOf(ctx.views, o, r.name).flips.filter((f) => f > quietFrom && f <= end).length >= 3),
    );
    if (flapped) continue;
    if (h.transitions.some((x) => x.at > at - p.holdDownSeconds * 1000 && x.at <= at)) continue;
    if (h.runs.some((r) => !r.stray && r.createdAt <= at && (r.finishedAt === undefined || r.finishedAt > at)))
      continue;
    if (h.liveness.some((l) => l.at > quietFrom && l.at <= end)) continue;
    if (p.regions.some((r) => !controllerUpAt(h, r.name, quietFrom).up)) continue;
    if (suppressedAt(at)) continue;
    if (h.transitions.some((x) => x.at > at && x.at <= end)) continue;
    return {
      property: "failsOverWhenAllObserversAgree",
      at,
      message: `every observer [${observers.join(", ")}] saw active ${active} down and ${target.name} up from +${sec(at)} to +${sec(end)}, and nothing moved`,
    };
  }
  return undefined;
};

function activeAt(h: History, at: number): string {
  const last = lastAt(h.transitions, at);
  return last?.to ?? h.scenario.policy.regions.find((r) => r.role === "primary")?.name ?? "";
}

/** The last entry of a time-ordered list at or before `at` (matching `where`, if given). */
function lastAt<T extends { at: number }>(list: readonly T[], at: number, where?: (t: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const t = list[i];
    if (t && t.at <= at && (where === undefined || where(t))) return t;
  }
  return undefined;
}

function transitionPenalty(h: History): (at: number) => boolean {
  const cfg = h.scenario.policy.flapPenalty;
  return (at) => {
    let penalty = initialPenalty(0);
    for (const t of h.transitions) if (t.at <= at) penalty = recordFlap(penalty, cfg, t.at);
    return suppression(penalty, cfg, at).suppressed;
  };
}

/**
 * Invariant 3: a region every observer has seen down long enough is not reported Healthy by a live controller,
 * unless that controller reports the policy in error (an unreachable quorum).
 */
function silentHealthy(property: PropertyName, whileAllUp: boolean): Check {
  return (h, ctx) => {
    const p = h.scenario.policy;
    const observers = observersOf(p);
    const needMs = (p.failureThreshold + 1) * ctx.intervalMs + ctx.slackMs;
    const latest = new Map<string, ControllerReport>();
    let next = 0;
    for (let at = 0; at <= h.scenario.durationMs; at += ctx.intervalMs) {
      for (; next < h.reports.length && (h.reports[next]?.at ?? Infinity) <= at; next++) {
        const sample = h.reports[next];
        if (sample) latest.set(sample.region, sample.report);
      }
      if (at < needMs) continue;
      const down = p.regions.filter((r) =>
        observers.every((o) => throughout(lineOf(ctx.views, o, r.name), false, at - needMs, at)),
      );
      if (down.length === 0) continue;
      // A controller that (re)started inside the window has not taken a threshold's worth of samples yet, and its view
      // (its own, or published to its peers) still rests on what it saw before: it is no witness either way.
      const restarted = h.liveness.some((l) => l.at > at - needMs && l.at <= at);
      // Optionally also excused: a controller down throughout, whose last published view still counts for its peers.
      const someDown = whileAllUp && p.regions.some((r) => !controllerUpAt(h, r.name, at).up);
      if (someDown) continue;
      for (const [region, report] of latest) {
        if (report.configError !== undefined || !controllerUpAt(h, region, at).up || restarted) continue;
        for (const r of down) {
          if (report.health[r.name] === "Healthy") {
            return {
              property,
              at,
              message: `controller/${region} reports ${r.name} Healthy, with no error condition, after every observer saw it down for ${sec(needMs)}`,
            };
          }
        }
      }
    }
    return undefined;
  };
}

const noSilentHealthy = silentHealthy("noSilentHealthy", false);

/**
 * The same while every controller is up. A dead controller's last published view used to count for its peers until
 * it was peerViewMaxAgeMs (150 s) old, so two dead peers could outvote the one live observer (found here; fixed by
 * the Lease check in peer-views.ts).
 */
const noSilentHealthyWhileAllUp = silentHealthy("noSilentHealthyWhileAllUp", true);

/**
 * Invariant 5, liveness: a long enough flapping sequence reaches suppression, and every controller says so. When the
 * system's own transitions (replayed through the core's penalty arithmetic) hold it suppressed, with margins for the
 * record's whole seconds, every controller that has had the time to read the record reports FlapSuppressed.
 */
const suppressionIsReported: Check = (h, ctx) => {
  const p = h.scenario.policy;
  const cfg = p.flapPenalty;
  let penalty = initialPenalty(0);
  let known = 0;
  const latest = new Map<string, ControllerReport>();
  let next = 0;
  for (let at = 0; at <= h.scenario.durationMs; at += ctx.intervalMs) {
    for (; next < h.reports.length && (h.reports[next]?.at ?? Infinity) <= at; next++) {
      const sample = h.reports[next];
      if (sample) latest.set(sample.region, sample.report);
    }
    // Only transitions every controller has had the time to read count.
    for (; known < h.transitions.length && (h.transitions[known]?.at ?? Infinity) <= at - ctx.slackMs; known++) {
      const t = h.transitions[known];
      if (t) penalty = recordFlap(penalty, cfg, t.at);
    }
    if (h.transitions.some((t) => t.at > at - ctx.slackMs && t.at <= at)) continue;
    const s = suppression(penalty, cfg, at);
    if (!s.suppressed || penalty.value < cfg.suppressAbove * 1.01 || (s.until ?? 0) < at + 2 * ctx.intervalMs + 1000) {
      continue;
    }
    if (h.liveness.some((l) => l.at > at - ctx.slackMs && l.at <= at)) continue;
    for (const [region, report] of latest) {
      if (!controllerUpAt(h, region, at).up || report.suppressed) continue;
      return {
        property: "suppressionIsReported",
        at,
        message: `the system's ${known} transitions hold it suppressed until +${sec(s.until ?? 0)}, but controller/${region} reports no FlapSuppressed`,
      };
    }
  }
  return undefined;
};

/** Invariant 1: an epoch is a move: every one names a region other than the one the previous epoch named. */
const everyEpochMoves: Check = (h) => {
  for (const t of h.transitions) {
    if (t.from === t.to) {
      return {
        property: "everyEpochMovesTheWriter",
        at: t.at,
        message: `${t.run} took epoch ${t.epoch} for ${t.to}, which the record already named: a second move (and promotion) for one failover`,
      };
    }
  }
  return undefined;
};

/**
 * Issue 9, item 5: a run no controller executes is given a final status by the controller of its cluster, within a
 * couple of reconciles of its appearance (or of that controller's return).
 */
const strayRunsAreReported: Check = (h, ctx) => {
  for (const run of h.runs) {
    if (!run.stray) continue;
    const down = !controllerUpAt(h, run.cluster, run.createdAt).up;
    const back = down
      ? h.liveness.find((l) => l.region === run.cluster && l.up && l.at > run.createdAt)?.at
      : run.createdAt;
    if (back === undefined) continue;
    const deadline = back + 2 * ctx.intervalMs;
    if (deadline > h.scenario.durationMs) continue;
    if (h.liveness.some((l) => l.region === run.cluster && !l.up && l.at >= back && l.at <= deadline)) continue;
    if (run.finishedAt === undefined || run.finishedAt > deadline) {
      return {
        property: "strayRunsAreReported",
        at: deadline,
        message: `stray run ${run.name} (${run.from}→${run.to}) in ${run.cluster}'s cluster is still ${run.phase}, unreported`,
      };
    }
  }
  return undefined;
};

/**
 * Invariant 2, the winner's side alone: a region is made writable only once the run that won the latest epoch naming
 * it has finished (or by that run's own step), with the database writer there. Unlike roleStateFollowsPlan, this
 * forgives a region made writable on a record that has just moved on (which the fresh read before the active role
 * state now prevents; roleStateFollowsPlan checks that).
 */
const writableOnlyAfterItsRun: Check = (h) => {
  for (const c of h.roleChanges) {
    if (!c.writable) continue;
    const epoch = lastAt(h.transitions, c.at, (t) => t.to === c.region);
    const writer = lastAt(h.writer, c.at)?.region;
    const run = epoch ? h.runs.find((r) => r.name === epoch.run) : undefined;
    const unfinished = run && (run.finishedAt === undefined || run.finishedAt > c.at) && c.run !== run.name;
    const why =
      writer !== c.region
        ? `the database writer is still ${writer}`
        : unfinished
          ? `run ${run.name} (epoch ${epoch?.epoch}) is still at its ${stepAt(h, run, c.at)}`
          : undefined;
    if (why !== undefined) {
      return {
        property: "writableOnlyAfterItsRun",
        at: c.at,
        message: `${c.region} became writable (${c.by}${c.run ? ` ${c.run}` : ""}) while ${why}`,
      };
    }
  }
  return undefined;
};

export const properties: Record<PropertyName, Check> = {
  holdDownAcrossControllers,
  holdDownToTheSecond,
  flappingReachesSuppression,
  suppressionIsReported,
  noMoveOverARunningMove,
  dataLossNeedsQuorum,
  dataLossNeedsQuorumCountingTheDead,
  targetHealthyByQuorum,
  targetHealthyByQuorumCountingTheDead,
  neverTwoWriters,
  roleStateFollowsPlan,
  writableOnlyAfterItsRun,
  everyEpochWonOnce,
  everyEpochMovesTheWriter: everyEpochMoves,
  promotionOnlyUnderWonEpoch,
  failsOverWhenAllObserversAgree,
  noSilentHealthy,
  noSilentHealthyWhileAllUp,
  strayRunsAreReported,
};

export const allProperties = Object.keys(properties) as PropertyName[];

/** The first violation of any of `names`, in the order given. */
export function firstViolation(h: History, names: readonly PropertyName[] = allProperties): Violation | undefined {
  const ctx = context(h.scenario);
  for (const name of names) {
    const v = properties[name](h, ctx);
    if (v) return v;
  }
  return undefined;
}
