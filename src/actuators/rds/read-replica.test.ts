import { describe, expect, it } from "vitest";
import { replicaAction, type ReplicaState } from "./read-replica.js";

const source = "arn:aws:rds:us-east-1:123456789012:db:orders";

describe("replicaAction", () => {
  it.each<[string, ReplicaState, ReturnType<typeof replicaAction>["type"]]>([
    ["a replica ready for promotion", { status: "available", source }, "call"],
    ["an instance promotion under way", { status: "modifying", source }, "wait"],
    ["a cluster promotion under way", { status: "promoting", source }, "wait"],
    ["a replica backing up (AWS refuses to promote it now)", { status: "backing-up", source }, "wait"],
    ["standalone, rebooting at the end of its promotion", { status: "rebooting" }, "wait"],
    ["standalone and available", { status: "available" }, "done"],
    ["a stopped replica", { status: "stopped", source }, "fail"],
    ["a replica whose parameters are broken", { status: "incompatible-parameters", source }, "fail"],
  ])("%s → %s", (_, state, expected) => {
    expect(replicaAction(state).type).toBe(expected);
  });

  it("never asks for the call on a replica that is not available", () => {
    for (const status of ["modifying", "promoting", "rebooting", "backing-up", "creating", "stopped"]) {
      expect(replicaAction({ status, source }).type).not.toBe("call");
    }
  });
});
