import { Agent } from "node:https";
import { HttpMethod, RequestContext } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { PooledKubeConfig } from "./pooled-kube-config.js";

const kubeconfig = (user: string, server = "https://127.0.0.1:6443") => ({
  clusters: [{ name: "c", server, caData: Buffer.from("ca-of-c").toString("base64") }],
  users: [{ name: user, token: `token-of-${user}` }],
  contexts: [{ name: "ctx", cluster: "c", user }],
  currentContext: "ctx",
});

async function agentOf(kc: PooledKubeConfig): Promise<Agent> {
  const context = new RequestContext("https://127.0.0.1:6443/api", HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context.getAgent() as Agent;
}

describe("API clients that keep their connections", () => {
  it("get one keep-alive agent per set of TLS options, across requests and KubeConfigs", async () => {
    const a = new PooledKubeConfig();
    a.loadFromOptions(kubeconfig("controller"));
    const b = new PooledKubeConfig();
    b.loadFromOptions(kubeconfig("impersonator"));
    const first = await agentOf(a);
    expect(first).toBeInstanceOf(Agent);
    expect((first as Agent & { keepAlive?: boolean }).keepAlive).toBe(true);
    expect(await agentOf(a)).toBe(first);
    // Another identity by token (a header), the same TLS: the same connections.
    expect(await agentOf(b)).toBe(first);
  });

  it("keep clusters with other TLS options apart", async () => {
    const a = new PooledKubeConfig();
    a.loadFromOptions(kubeconfig("controller"));
    const other = new PooledKubeConfig();
    const options = kubeconfig("controller", "https://127.0.0.2:6443");
    options.clusters[0]!.caData = Buffer.from("ca-of-another").toString("base64");
    other.loadFromOptions(options);
    expect(await agentOf(other)).not.toBe(await agentOf(a));
  });
});
