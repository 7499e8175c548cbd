import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { vetKubeconfig } from "./peer-kubeconfig.js";

/** A kubeconfig whose one context joins `cluster` and `user`. */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "peer", cluster: { server: "https://peer.example:6443", ...cluster } }],
    users: [{ name: "tenant", user }],
    contexts: [{ name: "peer", context: { cluster: "peer", user: "tenant" } }],
    "current-context": "peer",
  });
}

describe("vetKubeconfig", () => {
  it("keeps a static token and the inline CA", () => {
    const vetting = vetKubeconfig(kubeconfig({ "certificate-authority-data": "Q0E=" }, { token: "abc" }));
    expect(vetting).toEqual({
      ok: true,
      kubeconfig: {
        cluster: { name: "peer", server: "https://peer.example:6443", skipTLSVerify: false, caData: "Q0E=" },
        user: { name: "tenant", token: "abc" },
        hasCredentials: true,
      },
    });
  });

  it("keeps an inline client certificate", () => {
    const vetting = vetKubeconfig(kubeconfig({}, { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" }));
    expect(vetting.ok && vetting.kubeconfig.user).toEqual({ name: "tenant", certData: "Y2VydA==", keyData: "a2V5" });
  });

  it("keeps a user without credentials (an EKS Secret's awsAuthConfig supplies them)", () => {
    const vetting = vetKubeconfig(kubeconfig({}, {}));
    expect(vetting.ok && vetting.kubeconfig.hasCredentials).toBe(false);
  });

  it.each([
    [{}, { exec: { command: "/bin/sh", args: ["-c", "id"] } }, "users[tenant].user.exec (runs a command)"],
    [{}, { "auth-provider": { name: "gcp" } }, "users[tenant].user.auth-provider (runs an auth provider plugin)"],
    [{}, { "token-file": "/var/run/secrets/kubernetes.io/serviceaccount/token" }, "users[tenant].user.token-file"],
    [{}, { "client-certificate": "/etc/cert", "client-key": "/etc/key" }, "users[tenant].user.client-key"],
    [{ "certificate-authority": "/etc/ca.crt" }, { token: "t" }, "clusters[peer].cluster.certificate-authority"],
  ])("refuses %j / %j, naming %s", (cluster, user, named) => {
    const vetting = vetKubeconfig(kubeconfig(cluster, user));
    expect(vetting.ok).toBe(false);
    expect(!vetting.ok && "refused" in vetting && vetting.refused.join(", ")).toContain(named);
  });

  it("names every refused field at once", () => {
    const vetting = vetKubeconfig(
      kubeconfig({ "certificate-authority": "/ca" }, { exec: { command: "x" }, "client-key": "/k", token: "t" }),
    );
    expect(!vetting.ok && "refused" in vetting && vetting.refused).toHaveLength(3);
  });

  it("ignores users other contexts name (they are never used)", () => {
    const doc = {
      clusters: [{ name: "peer", cluster: { server: "https://p" } }],
      users: [
        { name: "tenant", user: { token: "t" } },
        { name: "other", user: { exec: { command: "x" } } },
      ],
      contexts: [{ name: "peer", context: { cluster: "peer", user: "tenant" } }],
      "current-context": "peer",
    };
    const vetting = vetKubeconfig(stringify(doc));
    expect(vetting.ok && vetting.kubeconfig.user).toEqual({ name: "tenant", token: "t" });
  });

  it.each([
    ["not: [yaml", "not YAML"],
    ["- a list", "not a kubeconfig"],
    [stringify({ clusters: [] }), "current-context is not set"],
    [stringify({ "current-context": "x", contexts: [] }), "current-context x is not among contexts"],
    [
      stringify({
        "current-context": "x",
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        clusters: [{ name: "c", cluster: { server: "https://c" } }],
      }),
      "names user u, which is not among users",
    ],
  ])("reports %j as invalid: %s", (source, message) => {
    const vetting = vetKubeconfig(source);
    expect(!vetting.ok && "invalid" in vetting && vetting.invalid).toContain(message);
  });
});
