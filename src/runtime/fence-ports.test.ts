import { describe, expect, it } from "vitest";
import { fencePorts } from "./fence-ports.js";
import type { TenantClients } from "./tenant-clients.js";

describe("role state", () => {
  it("is refused for an object of another namespace, before any client is made", async () => {
    const asked: string[] = [];
    const tenants = {
      core: (namespace: string, sa?: string) => asked.push(`core ${namespace} ${sa}`),
      apps: (namespace: string, sa?: string) => asked.push(`apps ${namespace} ${sa}`),
    } as unknown as Pick<TenantClients, "core" | "apps">;
    const ports = fencePorts(
      { send: () => Promise.reject(new Error("no Route53 here")) },
      { acquire: () => Promise.resolve(), sleep: () => Promise.resolve() },
      { read: () => Promise.reject(new Error("no Route53 here")) },
      tenants,
    );
    await expect(
      ports.applyRoleState(
        "shop",
        { scale: [{ deploymentRef: { name: "coredns", namespace: "kube-system" }, replicas: 0 }] },
        "switchyard-tenant",
      ),
    ).rejects.toThrow('Namespace "kube-system" is not this plan\'s namespace "shop"');
    expect(asked).toEqual([]);
  });
});
