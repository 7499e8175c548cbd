/**
 * A KubeConfig whose API clients keep their connections. client-node 1.4 gives every request of a generated API
 * client a new https.Agent (KubeConfig.applySecurityAuthentication → createAgent), and a new agent is a new TCP and
 * TLS handshake per request: at 1,000 policies most of the controller's CPU went to handshakes and the garbage they
 * leave (bench/steady-state.ts, profiled). This keeps one keep-alive agent per set of TLS options, shared by every
 * KubeConfig of the process (the impersonating ones of tenant-clients.ts connect as the same client certificate and
 * differ only in headers). Proxy agents are left as client-node makes them.
 */
import { createHash } from "node:crypto";
import { Agent, type AgentOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

type RequestContext = Parameters<KubeConfig["applySecurityAuthentication"]>[0];

/** Enough for every cluster and identity a controller talks to; the oldest is dropped past it. */
const maxAgents = 64;
const agents = new Map<string, Agent>();

/** A TLS option as text: strings and buffers as they are, lists item by item (PEM contents, never "[object Object]"). */
function fingerprint(value: unknown): string {
  if (value === undefined || value === null) return "-";
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(",")}]`;
  if (Buffer.isBuffer(value)) return value.toString("base64");
  return JSON.stringify(value);
}

function pooled(options: AgentOptions): Agent {
  const hash = createHash("sha256");
  for (const field of ["ca", "cert", "key", "pfx", "passphrase", "servername", "rejectUnauthorized"] as const) {
    hash.update(`${field}=${fingerprint(options[field])};`);
  }
  const key = hash.digest("hex");
  const known = agents.get(key);
  if (known) return known;
  const agent = new Agent({ ...options, keepAlive: true });
  agents.set(key, agent);
  if (agents.size > maxAgents) {
    const [oldest, old] = agents.entries().next().value as [string, Agent];
    agents.delete(oldest);
    old.destroy();
  }
  return agent;
}

export class PooledKubeConfig extends KubeConfig {
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getAgent();
    // Exactly an https.Agent: a proxy agent (a subclass) keeps its own behaviour.
    if (made?.constructor === Agent) context.setAgent(pooled(made.options));
  }
}
