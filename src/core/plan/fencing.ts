/**
 * The fencing record (invariant 1) as plain data: one Route53 TXT record per policy holding the active region and an
 * epoch that increases by one on every change of the active region. Changing it is a compare-and-swap: DELETE the
 * exact current value and CREATE the next one in the same change batch (with the weight changes), so Route53 applies
 * all of it or none of it and two controllers can never both win. This file formats and parses the value, builds
 * the two changes in the SDK's shape without importing the SDK, and decides self-fencing (invariant 2).
 */
import { FenceReason } from "./reasons.js";

export interface FencingRecord {
  /** The region that is active. */
  active: string;
  /** Increases by one on every change of the active region. */
  epoch: number;
  /** The FailoverRun that wrote this epoch, for the audit trail. */
  run?: string;
  /**
   * The system's dampening state as of this epoch (invariant 5): every controller reads the same record, so each
   * computes the same hold-down, penalty and "move in progress" whichever controller made the last move. Absent in
   * records written before these fields existed, and in the seed record a person writes: then no history is known.
   */
  history?: TransitionHistory;
}

/** Who moved the active region: automation, a person, or a drill. */
export type Mover = "auto" | "manual" | "drill";

export interface TransitionHistory {
  /** When this epoch began (epoch ms, whole seconds): the time of the swap. */
  since: number;
  by: Mover;
  /** The policy's flap penalty as of `since`, this transition included (whole units, rounded up). */
  penalty: number;
  /** Start of the flap suppression in force as of `since` (epoch ms, whole seconds). */
  suppressedSince?: number;
  /**
   * The move that began this epoch is under way: until its run finishes (which clears this) and at the latest until
   * this time (epoch ms, whole seconds), so a run whose controller died blocks automation for a bounded time only.
   */
  busyUntil?: number;
}

/** First word of every value: a misconfigured record name pointing at an unrelated TXT record does not parse. */
export const fencingMarker = "switchyard";

/** A TXT character-string holds at most 255 bytes; a longer value is split into several quoted strings. */
const maxStringLength = 255;

const regionName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const objectName = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/**
 * The TXT value as Route53 stores it: `"switchyard active=eu-west-1 epoch=8 run=checkout-7f2c"`, split into several
 * quoted strings when longer than 255 characters (a run name alone may be 253). Throws a RangeError for a record no
 * controller should write (names outside their Kubernetes patterns, a negative or fractional epoch): those come from
 * validated API fields, so reaching it is a bug, not an input to handle.
 */
export function formatFencingValue(record: FencingRecord): string {
  if (!regionName.test(record.active) || record.active.length > 63) {
    throw new RangeError(`fencing record: "${record.active}" is not a region name`);
  }
  if (!Number.isSafeInteger(record.epoch) || record.epoch < 0) {
    throw new RangeError(`fencing record: epoch ${record.epoch} is not a non-negative integer`);
  }
  if (record.run !== undefined && (!objectName.test(record.run) || record.run.length > 253)) {
    throw new RangeError(`fencing record: "${record.run}" is not a FailoverRun name`);
  }
  const text =
    `${fencingMarker} active=${record.active} epoch=${record.epoch}` +
    (record.run === undefined ? "" : ` run=${record.run}`) +
    (record.history === undefined ? "" : historyTokens(record.history));
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += maxStringLength) chunks.push(text.slice(i, i + maxStringLength));
  // Nothing in the text needs escaping: every character is from a DNS label, a Kubernetes name, digits, "=" or " ".
  return chunks.map((c) => `"${c}"`).join(" ");
}

const moverNames: readonly Mover[] = ["auto", "manual", "drill"];

/** Seconds rather than milliseconds: the record stays short, and whole seconds are all hold-down needs. */
function historyTokens(h: TransitionHistory): string {
  const seconds = (ms: number, field: string): number => {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`fencing record: ${field} ${ms} is not a time`);
    return Math.floor(ms / 1000);
  };
  if (!Number.isFinite(h.penalty) || h.penalty < 0) {
    throw new RangeError(`fencing record: penalty ${h.penalty} is not a non-negative number`);
  }
  return (
    ` since=${seconds(h.since, "since")} by=${h.by} pen=${Math.ceil(h.penalty)}` +
    (h.suppressedSince === undefined ? "" : ` sup=${seconds(h.suppressedSince, "suppressedSince")}`) +
    (h.busyUntil === undefined ? "" : ` busy=${seconds(h.busyUntil, "busyUntil")}`)
  );
}

const wholeNumber = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;

/**
 * The history fields, all or nothing: `since`, `by` and `pen` come together, and a record with some of them, or one
 * that does not parse, is an error — dampening on a guessed history could allow the very flapping it exists to stop.
 */
function parseHistory(
  fields: Map<string, string>,
): { ok: true; history?: TransitionHistory } | { ok: false; error: string } {
  const keys = ["since", "by", "pen", "sup", "busy"].filter((k) => fields.has(k));
  if (keys.length === 0) return { ok: true };
  const since = wholeNumber(fields.get("since"));
  const by = moverNames.find((m) => m === fields.get("by"));
  const penalty = wholeNumber(fields.get("pen"));
  if (since === undefined || by === undefined || penalty === undefined) {
    return { ok: false, error: `incomplete or malformed transition history (${keys.join(", ")})` };
  }
  const history: TransitionHistory = { since: since * 1000, by, penalty };
  for (const [key, field] of [
    ["sup", "suppressedSince"],
    ["busy", "busyUntil"],
  ] as const) {
    if (!fields.has(key)) continue;
    const value = wholeNumber(fields.get(key));
    if (value === undefined) return { ok: false, error: `malformed ${key}` };
    history[field] = value * 1000;
  }
  return { ok: true, history };
}

export type ParsedFencingValue = { ok: true; record: FencingRecord } | { ok: false; error: string };

/** The character-strings of a TXT value as Route53 returns it: quoted strings with backslash escapes, concatenated. */
function txtText(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('"')) return trimmed;
  let text = "";
  for (const match of trimmed.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    text += (match[1] ?? "").replace(/\\(\d{3}|.)/g, (_m, esc: string) =>
      esc.length === 3 ? String.fromCharCode(parseInt(esc, 8)) : esc,
    );
  }
  return text;
}

/**
 * Reads a value written by formatFencingValue (or by a later version that adds keys: unknown keys are ignored).
 * Anything else is an error, never a guess: acting on a misread epoch is exactly what fencing exists to prevent.
 */
export function parseFencingValue(value: string): ParsedFencingValue {
  const [marker, ...tokens] = txtText(value)
    .split(/\s+/)
    .filter((t) => t !== "");
  if (marker !== fencingMarker) return { ok: false, error: `not a fencing record (no "${fencingMarker}" marker)` };
  const fields = new Map<string, string>();
  for (const token of tokens) {
    const eq = token.indexOf("=");
    if (eq <= 0) return { ok: false, error: `malformed token "${token}"` };
    const key = token.slice(0, eq);
    if (fields.has(key)) return { ok: false, error: `"${key}" appears twice` };
    fields.set(key, token.slice(eq + 1));
  }
  const active = fields.get("active");
  const epochText = fields.get("epoch");
  const run = fields.get("run");
  if (active === undefined || !regionName.test(active)) return { ok: false, error: "no valid active region" };
  if (epochText === undefined || !/^\d+$/.test(epochText) || !Number.isSafeInteger(Number(epochText))) {
    return { ok: false, error: "no valid epoch" };
  }
  if (run !== undefined && !objectName.test(run)) return { ok: false, error: `"${run}" is not a FailoverRun name` };
  const history = parseHistory(fields);
  if (!history.ok) return history;
  const record: FencingRecord = { active, epoch: Number(epochText) };
  if (run !== undefined) record.run = run;
  if (history.history !== undefined) record.history = history.history;
  return { ok: true, record };
}

/** The record a run writes when it moves the active region to `to`: the next epoch, naming the run. */
export function nextFencingRecord(current: FencingRecord | undefined, to: string, run: string): FencingRecord {
  return { active: to, epoch: (current?.epoch ?? 0) + 1, run };
}

/** The TXT record set as read from (or written to) Route53: value is the exact string, quotes included. */
export interface TxtRecordSet {
  name: string;
  ttl: number;
  value: string;
}

/** One change of a Route53 change batch, in the SDK's own shape so the shell maps it field for field. */
export interface FenceRecordChange {
  Action: "DELETE" | "CREATE";
  ResourceRecordSet: { Name: string; Type: "TXT"; TTL: number; ResourceRecords: { Value: string }[] };
}

function change(action: FenceRecordChange["Action"], set: TxtRecordSet): FenceRecordChange {
  return {
    Action: action,
    ResourceRecordSet: { Name: set.name, Type: "TXT", TTL: set.ttl, ResourceRecords: [{ Value: set.value }] },
  };
}

const sameName = (a: string, b: string): boolean =>
  a.toLowerCase().replace(/\.$/, "") === b.toLowerCase().replace(/\.$/, "");

export function fencingRecordSet(name: string, ttl: number, record: FencingRecord): TxtRecordSet {
  return { name, ttl, value: formatFencingValue(record) };
}

/**
 * The compare-and-swap: DELETE the exact current record set (name, TTL and value as read; Route53 rejects the whole
 * batch with InvalidChangeBatch if any of it changed since) and CREATE the next. Without a current record, a lone
 * CREATE, which Route53 rejects if someone created one first: the same race, the same single winner.
 * Throws a RangeError when the change would break the record's own rules (a different record name, a current value
 * that is not a fencing record, an epoch that does not go up by exactly one): a run must be refused before this.
 */
export function fenceChange(current: TxtRecordSet | undefined, next: TxtRecordSet): FenceRecordChange[] {
  const nextParsed = parseFencingValue(next.value);
  if (!nextParsed.ok) throw new RangeError(`next fencing value: ${nextParsed.error}`);
  if (current === undefined) return [change("CREATE", next)];
  if (!sameName(current.name, next.name)) {
    throw new RangeError(`fencing record name changes from ${current.name} to ${next.name}`);
  }
  const currentParsed = parseFencingValue(current.value);
  if (!currentParsed.ok) throw new RangeError(`current fencing value ${current.value}: ${currentParsed.error}`);
  const cur = currentParsed.record;
  const nxt = nextParsed.record;
  // The same epoch again only to update its history (a run's end clearing "busy"): who is active never changes so.
  const bookkeeping = nxt.epoch === cur.epoch && nxt.active === cur.active && nxt.run === cur.run;
  if (!bookkeeping && nxt.epoch !== cur.epoch + 1) {
    throw new RangeError(
      `fencing epoch must go from ${currentParsed.record.epoch} to ${currentParsed.record.epoch + 1}, not ${nextParsed.record.epoch}`,
    );
  }
  return [change("DELETE", current), change("CREATE", { ...next, name: current.name })];
}

export interface FenceVerdict {
  role: "active" | "fenced";
  reason: FenceReason;
  message: string;
  /** The record's epoch: the one a controller that stays active acts under from now on. */
  epoch?: number;
}

/**
 * Invariant 2: a controller acts as active only while the record names its region, at an epoch no older than the one
 * it acted under. `record` is the last record read: when a read fails the shell passes the previous one, because a
 * failed read is no evidence of a newer epoch (Route53's control plane lives in one AWS region, and fencing every
 * region on its outage would turn it into a global one). `localEpoch` undefined means "not known" (a fresh process).
 *
 * A newer epoch that still names this region keeps it active (and the verdict's epoch is adopted): the record is the
 * truth, and fencing there would flip a healthy active region to read-only on every restart. What protects against a
 * superseded claim is the promotion guard, which demands the exact epoch the run won.
 */
export function selfFence(
  localRegion: string,
  localEpoch: number | undefined,
  record: FencingRecord | undefined,
): FenceVerdict {
  if (record === undefined) {
    return {
      role: "fenced",
      reason: FenceReason.NoFencingRecord,
      message: "There is no fencing record; no region is active by fencing.",
    };
  }
  if (record.active !== localRegion) {
    return {
      role: "fenced",
      reason: FenceReason.AnotherRegionActive,
      message: `The fencing record names ${record.active} active at epoch ${record.epoch}; ${localRegion} is fenced.`,
      epoch: record.epoch,
    };
  }
  if (localEpoch !== undefined && record.epoch < localEpoch) {
    return {
      role: "fenced",
      reason: FenceReason.EpochRegressed,
      message: `The fencing record is at epoch ${record.epoch}, older than epoch ${localEpoch} that ${localRegion} acted under; fenced until a person reconciles it.`,
      epoch: record.epoch,
    };
  }
  return {
    role: "active",
    reason: FenceReason.ActiveAtEpoch,
    message: `The fencing record names ${localRegion} active at epoch ${record.epoch}.`,
    epoch: record.epoch,
  };
}
