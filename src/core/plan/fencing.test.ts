import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fenceChange,
  fencingRecordSet,
  formatFencingValue,
  nextFencingRecord,
  parseFencingValue,
  selfFence,
  type FencingRecord,
} from "./fencing.js";
import { FenceReason } from "./reasons.js";

const NAME = "_switchyard.checkout.example.com";

describe("fencing value", () => {
  it("is one quoted TXT string naming the active region, the epoch and the run", () => {
    expect(formatFencingValue({ active: "eu-west-1", epoch: 8, run: "checkout-7f2c" })).toBe(
      '"switchyard active=eu-west-1 epoch=8 run=checkout-7f2c"',
    );
    expect(formatFencingValue({ active: "us-east-1", epoch: 0 })).toBe('"switchyard active=us-east-1 epoch=0"');
  });

  it("splits into several quoted strings beyond 255 characters (a run name alone may be 253)", () => {
    const run = `${"a".repeat(250)}.b`;
    const value = formatFencingValue({ active: "eu-west-1", epoch: 12, run });
    const strings = [...value.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(strings.length).toBe(2);
    for (const s of strings) expect(s.length).toBeLessThanOrEqual(255);
    expect(parseFencingValue(value)).toEqual({ ok: true, record: { active: "eu-west-1", epoch: 12, run } });
  });

  it("round-trips every valid record", () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    const record: fc.Arbitrary<FencingRecord> = fc.record(
      {
        active: label,
        epoch: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        run: fc.stringMatching(/^[a-z0-9]([-.a-z0-9]{0,250}[a-z0-9])?$/),
      },
      { requiredKeys: ["active", "epoch"] },
    );
    fc.assert(
      fc.property(record, (r) => {
        expect(parseFencingValue(formatFencingValue(r))).toEqual({ ok: true, record: r });
      }),
    );
  });

  it.each<{ case: string; value: string; error: RegExp }>([
    { case: "an unrelated TXT record", value: '"v=spf1 include:_spf.example.com ~all"', error: /marker/ },
    { case: "no epoch", value: '"switchyard active=eu-west-1"', error: /epoch/ },
    { case: "an epoch that is not a number", value: '"switchyard active=eu-west-1 epoch=8a"', error: /epoch/ },
    { case: "a negative epoch", value: '"switchyard active=eu-west-1 epoch=-1"', error: /epoch/ },
    {
      case: "an epoch beyond safe integers",
      value: '"switchyard active=eu-west-1 epoch=9007199254740993"',
      error: /epoch/,
    },
    { case: "no active region", value: '"switchyard epoch=8"', error: /active/ },
    { case: "an invalid region name", value: '"switchyard active=EU_WEST epoch=8"', error: /active/ },
    { case: "a key twice", value: '"switchyard active=eu-west-1 epoch=8 epoch=9"', error: /twice/ },
    { case: "a token without value", value: '"switchyard active=eu-west-1 epoch=8 junk"', error: /malformed/ },
    { case: "empty", value: '""', error: /marker/ },
  ])("refuses $case rather than guess", ({ value, error }) => {
    const parsed = parseFencingValue(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  it("reads Route53's escapes and ignores keys a later version may add", () => {
    expect(parseFencingValue('"switchyard active=eu-west-1 epoch=8 \\"future\\"=1"').ok).toBe(true);
    expect(parseFencingValue('"switchyard active=eu-west-1 epoch=8 zone=x"')).toEqual({
      ok: true,
      record: { active: "eu-west-1", epoch: 8 },
    });
    expect(parseFencingValue('"switchyard\\040active=eu-west-1 epoch=3"')).toEqual({
      ok: true,
      record: { active: "eu-west-1", epoch: 3 },
    });
  });

  it("refuses to write a record no controller should write", () => {
    expect(() => formatFencingValue({ active: "EU", epoch: 1 })).toThrow(RangeError);
    expect(() => formatFencingValue({ active: "eu-west-1", epoch: 1.5 })).toThrow(RangeError);
    expect(() => formatFencingValue({ active: "eu-west-1", epoch: -1 })).toThrow(RangeError);
    expect(() => formatFencingValue({ active: "eu-west-1", epoch: 1, run: "Run_1" })).toThrow(RangeError);
  });
});

describe("fenceChange: the compare-and-swap as plain data", () => {
  const current = fencingRecordSet(`${NAME}.`, 60, { active: "us-east-1", epoch: 7, run: "earlier" });

  it("DELETEs the exact current record set and CREATEs the next, in that order", () => {
    const next = fencingRecordSet(NAME, 60, nextFencingRecord({ active: "us-east-1", epoch: 7 }, "eu-west-1", "now"));
    expect(fenceChange(current, next)).toEqual([
      {
        Action: "DELETE",
        ResourceRecordSet: {
          Name: `${NAME}.`,
          Type: "TXT",
          TTL: 60,
          ResourceRecords: [{ Value: '"switchyard active=us-east-1 epoch=7 run=earlier"' }],
        },
      },
      {
        Action: "CREATE",
        ResourceRecordSet: {
          Name: `${NAME}.`,
          Type: "TXT",
          TTL: 60,
          ResourceRecords: [{ Value: '"switchyard active=eu-west-1 epoch=8 run=now"' }],
        },
      },
    ]);
  });

  it("deletes the value exactly as read, even if written with a different TTL", () => {
    const read = { ...current, ttl: 300 };
    expect(
      fenceChange(read, fencingRecordSet(NAME, 60, { active: "eu-west-1", epoch: 8 }))[0]?.ResourceRecordSet.TTL,
    ).toBe(300);
  });

  it("without a current record, a lone CREATE (which fails if someone else created one first)", () => {
    const first = fencingRecordSet(NAME, 60, nextFencingRecord(undefined, "us-east-1", "bootstrap"));
    expect(fenceChange(undefined, first)).toEqual([
      {
        Action: "CREATE",
        ResourceRecordSet: {
          Name: NAME,
          Type: "TXT",
          TTL: 60,
          ResourceRecords: [{ Value: '"switchyard active=us-east-1 epoch=1 run=bootstrap"' }],
        },
      },
    ]);
  });

  it.each<{ case: string; next: { name: string; record: FencingRecord } }>([
    { case: "an epoch that does not go up", next: { name: NAME, record: { active: "eu-west-1", epoch: 7 } } },
    { case: "an epoch that skips", next: { name: NAME, record: { active: "eu-west-1", epoch: 9 } } },
    { case: "another record name", next: { name: "_other.example.com", record: { active: "eu-west-1", epoch: 8 } } },
  ])("refuses $case", ({ next }) => {
    expect(() => fenceChange(current, fencingRecordSet(next.name, 60, next.record))).toThrow(RangeError);
  });

  it("refuses to replace a value that is not a fencing record", () => {
    expect(() =>
      fenceChange(
        { name: NAME, ttl: 60, value: '"v=spf1 -all"' },
        fencingRecordSet(NAME, 60, { active: "eu-west-1", epoch: 1 }),
      ),
    ).toThrow(RangeError);
  });
});

describe("selfFence (invariant 2)", () => {
  it.each<{
    case: string;
    local: string;
    epoch: number | undefined;
    record: FencingRecord | undefined;
    role: string;
    reason: string;
  }>([
    {
      case: "named active, same epoch",
      local: "eu-west-1",
      epoch: 8,
      record: { active: "eu-west-1", epoch: 8 },
      role: "active",
      reason: FenceReason.ActiveAtEpoch,
    },
    {
      case: "named active, epoch not known yet (restart)",
      local: "eu-west-1",
      epoch: undefined,
      record: { active: "eu-west-1", epoch: 8 },
      role: "active",
      reason: FenceReason.ActiveAtEpoch,
    },
    {
      case: "named active at a newer epoch: the record is the truth",
      local: "eu-west-1",
      epoch: 6,
      record: { active: "eu-west-1", epoch: 8 },
      role: "active",
      reason: FenceReason.ActiveAtEpoch,
    },
    {
      case: "another region active at a newer epoch",
      local: "us-east-1",
      epoch: 7,
      record: { active: "eu-west-1", epoch: 8 },
      role: "fenced",
      reason: FenceReason.AnotherRegionActive,
    },
    {
      case: "another region active even at an older epoch",
      local: "us-east-1",
      epoch: 9,
      record: { active: "eu-west-1", epoch: 8 },
      role: "fenced",
      reason: FenceReason.AnotherRegionActive,
    },
    {
      case: "named active but the epoch went back",
      local: "eu-west-1",
      epoch: 9,
      record: { active: "eu-west-1", epoch: 8 },
      role: "fenced",
      reason: FenceReason.EpochRegressed,
    },
    {
      case: "no record",
      local: "eu-west-1",
      epoch: 8,
      record: undefined,
      role: "fenced",
      reason: FenceReason.NoFencingRecord,
    },
  ])("$case → $role", ({ local, epoch, record, role, reason }) => {
    expect(selfFence(local, epoch, record)).toMatchObject({ role, reason });
  });

  it("adopts the record's epoch", () => {
    expect(selfFence("eu-west-1", 6, { active: "eu-west-1", epoch: 8 }).epoch).toBe(8);
  });

  it("never lets two regions be active under one record", () => {
    const region = fc.constantFrom("us-east-1", "eu-west-1", "ap-south-1");
    fc.assert(
      fc.property(
        fc.record({ active: region, epoch: fc.nat(20) }),
        fc.array(fc.tuple(region, fc.option(fc.nat(20), { nil: undefined })), { minLength: 2, maxLength: 6 }),
        (record, controllers) => {
          const active = new Set(
            controllers.filter(([r, e]) => selfFence(r, e, record).role === "active").map(([r]) => r),
          );
          expect(active.size).toBeLessThanOrEqual(1);
          for (const r of active) expect(r).toBe(record.active);
        },
      ),
    );
  });
});
