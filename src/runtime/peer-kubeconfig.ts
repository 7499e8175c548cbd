/**
 * A tenant's peer kubeconfig, vetted before anything in it is used: the one place such a kubeconfig is parsed
 * (design invariant 8, docs/peer-credentials.md). client-node's loadFromString would run an `exec` plugin or an
 * `auth-provider` as the controller, and read any file a `token-file`, `client-certificate`, `client-key` or
 * `certificate-authority` names (token-file already while parsing), so it never sees a tenant's text. Only the current
 * context's cluster and user are kept, and only their inline fields; anything that would run code or read a local file
 * is refused by name, never run, never read.
 */
import type { Cluster, User } from "@kubernetes/client-node";
import { parse } from "yaml";

export interface VettedKubeconfig {
  cluster: Cluster;
  user: User;
  /** the user carries credentials of its own (token, client certificate, basic auth) */
  hasCredentials: boolean;
}

export type KubeconfigVetting =
  | { ok: true; kubeconfig: VettedKubeconfig }
  /** fields that would run code or read a controller file: a refusal, reported as such */
  | { ok: false; refused: string[] }
  /** not a usable kubeconfig at all */
  | { ok: false; invalid: string };

/** Fields that make the client run something or read the controller's file system, with why they are refused. */
const refusedUserFields: Record<string, string> = {
  exec: "runs a command",
  "auth-provider": "runs an auth provider plugin",
  "token-file": "reads a controller file",
  tokenFile: "reads a controller file",
  "client-certificate": "reads a controller file",
  "client-key": "reads a controller file",
};
const refusedClusterFields: Record<string, string> = {
  "certificate-authority": "reads a controller file",
};

type Entry = Record<string, unknown>;

const isEntry = (value: unknown): value is Entry =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (entry: Entry, key: string): string | undefined => {
  const value = entry[key];
  return typeof value === "string" && value !== "" ? value : undefined;
};

/** The named entry of a kubeconfig list (`clusters`, `users`, `contexts`): its inner object, e.g. `cluster`. */
function named(doc: Entry, list: string, inner: string, name: string): Entry | undefined {
  const entries = Array.isArray(doc[list]) ? (doc[list] as unknown[]) : [];
  const found = entries.find((e) => isEntry(e) && e.name === name);
  if (!isEntry(found)) return undefined;
  return isEntry(found[inner]) ? found[inner] : {};
}

export function vetKubeconfig(source: string): KubeconfigVetting {
  let doc: unknown;
  try {
    // The yaml package builds plain data (no custom tags that construct objects), so parsing itself is inert.
    doc = parse(source, { maxAliasCount: 100 });
  } catch (error) {
    // The parser's first line only: the lines after it quote the Secret.
    return { ok: false, invalid: `not YAML: ${(error as Error).message.split("\n")[0]}` };
  }
  if (!isEntry(doc)) return { ok: false, invalid: "not a kubeconfig (a YAML mapping)" };
  const contextName = text(doc, "current-context");
  if (!contextName) return { ok: false, invalid: "current-context is not set" };
  const context = named(doc, "contexts", "context", contextName);
  if (!context) return { ok: false, invalid: `current-context ${contextName} is not among contexts` };
  const clusterName = text(context, "cluster");
  const cluster = clusterName === undefined ? undefined : named(doc, "clusters", "cluster", clusterName);
  if (!clusterName || !cluster) return { ok: false, invalid: `context ${contextName} names no known cluster` };
  const userName = text(context, "user");
  const user = userName === undefined ? {} : named(doc, "users", "user", userName);
  if (!user) return { ok: false, invalid: `context ${contextName} names user ${userName}, which is not among users` };

  const refused = [
    ...Object.keys(refusedClusterFields)
      .filter((key) => key in cluster)
      .map((key) => `clusters[${clusterName}].cluster.${key} (${refusedClusterFields[key]})`),
    ...Object.keys(refusedUserFields)
      .filter((key) => key in user)
      .map((key) => `users[${userName}].user.${key} (${refusedUserFields[key]})`),
  ];
  if (refused.length > 0) return { ok: false, refused };

  const server = text(cluster, "server");
  if (!server) return { ok: false, invalid: `clusters[${clusterName}].cluster.server is not set` };
  const caData = text(cluster, "certificate-authority-data");
  const tlsServerName = text(cluster, "tls-server-name");
  const proxyUrl = text(cluster, "proxy-url");
  const vettedCluster: Cluster = {
    name: clusterName,
    server: server.replace(/\/$/, ""),
    skipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
    ...(caData ? { caData } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(proxyUrl ? { proxyUrl } : {}),
  };

  const vettedUser: User = { name: userName ?? "anonymous" };
  const inline: [keyof User, string][] = [
    ["token", "token"],
    ["certData", "client-certificate-data"],
    ["keyData", "client-key-data"],
    ["username", "username"],
    ["password", "password"],
    ["impersonateUser", "as"],
  ];
  for (const [field, key] of inline) {
    const value = text(user, key);
    if (value !== undefined) (vettedUser as unknown as Record<string, string>)[field] = value;
  }
  const hasCredentials = Boolean(vettedUser.token || vettedUser.certData || vettedUser.keyData || vettedUser.username);
  return { ok: true, kubeconfig: { cluster: vettedCluster, user: vettedUser, hasCredentials } };
}
