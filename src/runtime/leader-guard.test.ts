import { describe, expect, it } from "vitest";
import { NotLeaderError, leaderOnly, leaderOnlyEvents, type Access } from "./leader-guard.js";

interface Store {
  read(key: string): string;
  fetch(key: string): Promise<string>;
  write(key: string): Promise<void>;
}

const access: Access<Store> = { read: "read", fetch: "read", write: "write" };

class Recording implements Store {
  readonly written: string[] = [];
  read = (key: string) => `read ${key}`;
  async fetch(key: string): Promise<string> {
    return Promise.resolve(`fetched ${key}`);
  }
  async write(key: string): Promise<void> {
    this.written.push(key);
    return Promise.resolve();
  }
}

describe("leaderOnly", () => {
  it("passes reads through while not the leader", async () => {
    const guarded = leaderOnly(access, new Recording(), () => false);
    expect(guarded.read("a")).toBe("read a");
    await expect(guarded.fetch("b")).resolves.toBe("fetched b");
  });

  it("refuses writes while not the leader, without calling the store", async () => {
    const store = new Recording();
    await expect(leaderOnly(access, store, () => false).write("a")).rejects.toBeInstanceOf(NotLeaderError);
    expect(store.written).toEqual([]);
  });

  it("asks at every write, so a lease lost between two writes stops the second", async () => {
    const store = new Recording();
    let leader = true;
    const guarded = leaderOnly(access, store, () => leader);
    await guarded.write("first");
    leader = false;
    await expect(guarded.write("second")).rejects.toBeInstanceOf(NotLeaderError);
    expect(store.written).toEqual(["first"]);
  });

  it("accepts a table only when it names every method, and a write only when it is asynchronous", () => {
    // @ts-expect-error fetch is not said to be a read or a write
    const missing: Access<Store> = { read: "read", write: "write" };
    // @ts-expect-error a synchronous method could not refuse by rejecting
    const syncWrite: Access<Store> = { read: "write", fetch: "read", write: "write" };
    expect([missing, syncWrite]).toHaveLength(2);
  });

  it("shows only the methods of the interface", () => {
    const guarded = leaderOnly(access, new Recording(), () => true);
    expect(Object.keys(guarded).sort()).toEqual(["fetch", "read", "write"]);
  });
});

describe("leaderOnlyEvents", () => {
  it("drops a standby's events", () => {
    const seen: string[] = [];
    let leader = false;
    const events = leaderOnlyEvents({ event: (_, __, reason) => seen.push(reason) }, () => leader);
    const ref = { apiVersion: "switchyard.io/v1alpha1", kind: "RegionPolicy", namespace: "default", name: "checkout" };
    events.event(ref, "Normal", "Dropped", "");
    leader = true;
    events.event(ref, "Normal", "Kept", "");
    expect(seen).toEqual(["Kept"]);
  });
});
