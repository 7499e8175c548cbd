/**
 * An in-memory hosted zone that answers ListResourceRecordSets as Route53 does (its listing order, pages of at most
 * MaxItems, default 300, with the Next* fields to continue), for unit tests of the readers. Counts the requests.
 */
import type { ListResourceRecordSetsCommandInput, ResourceRecordSet } from "@aws-sdk/client-route-53";
import type { Route53Api } from "./change-batch.js";
import { listingOrder } from "./record-sets.js";

export class FakeZone {
  requests = 0;
  failNext = 0;
  private records: ResourceRecordSet[] = [];

  constructor(records: ResourceRecordSet[] = []) {
    this.set(records);
  }

  set(records: ResourceRecordSet[]): void {
    this.records = [...records].sort(
      (a, b) =>
        listingOrder({ name: a.Name ?? "", type: a.Type ?? "" }, { name: b.Name ?? "", type: b.Type ?? "" }) ||
        (a.SetIdentifier ?? "").localeCompare(b.SetIdentifier ?? ""),
    );
  }

  readonly api: Route53Api = {
    send: ((command: { input: ListResourceRecordSetsCommandInput }) => {
      this.requests++;
      if (this.failNext > 0) {
        this.failNext--;
        return Promise.reject(Object.assign(new Error("Rate exceeded"), { name: "ServiceUnavailable" }));
      }
      return Promise.resolve(this.page(command.input));
    }) as Route53Api["send"],
  };

  private page(input: ListResourceRecordSetsCommandInput) {
    const max = input.MaxItems ?? 300;
    const start = { name: input.StartRecordName ?? "", type: input.StartRecordType ?? "" };
    const from = this.records.findIndex((r) => {
      const order = listingOrder({ name: r.Name ?? "", type: r.Type ?? "" }, start);
      if (!input.StartRecordName) return true;
      if (order !== 0) return order > 0;
      return input.StartRecordIdentifier === undefined || (r.SetIdentifier ?? "") >= input.StartRecordIdentifier;
    });
    const rest = from < 0 ? [] : this.records.slice(from);
    const page = rest.slice(0, max);
    const next = rest[max];
    return {
      ResourceRecordSets: page,
      IsTruncated: next !== undefined,
      ...(next
        ? { NextRecordName: next.Name, NextRecordType: next.Type, NextRecordIdentifier: next.SetIdentifier }
        : {}),
    };
  }
}
