/**
 * EKS bearer tokens made in process, so a peer EKS cluster needs no `exec` plugin (docs/peer-credentials.md). A token
 * is what aws-iam-authenticator and Argo CD's awsAuthConfig make: `k8s-aws-v1.` + the unpadded base64url of a
 * presigned STS GetCallerIdentity URL whose signature covers the header `x-k8s-aws-id: <cluster name>`. The cluster's
 * authenticator GETs that URL with its own cluster name in the header: STS answers with the signer's ARN only when
 * the signature matches, so a token made for one cluster is worthless at another. STS honours a presigned
 * GetCallerIdentity for 15 minutes after X-Amz-Date whatever X-Amz-Expires says; X-Amz-Expires is 60 as the
 * authenticator's own client sets it (its older servers refuse more).
 */
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { z } from "zod";

export const tokenPrefix = "k8s-aws-v1.";
export const clusterIdHeader = "x-k8s-aws-id";
const presignExpiresSeconds = 60;
/** A token is valid 15 minutes after it was signed; it is replaced well before (clocks differ, requests take time). */
const tokenReuseMs = 10 * 60_000;
/** Assumed-role credentials are asked for this long, and replaced this long before they expire. */
const assumedRoleSeconds = 900;
const credentialMarginMs = 2 * 60_000;

export const awsAuthConfigSchema = z
  .object({
    clusterName: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[0-9A-Za-z][A-Za-z0-9_-]*$/, "must be an EKS cluster name")
      .describe("the EKS cluster's name, signed into the token (x-k8s-aws-id)"),
    roleARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN")
      .optional()
      .describe(
        "a role the controller assumes (sts:AssumeRole) to sign the token; the controller's own identity if absent",
      ),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region such as us-east-1")
      .optional()
      .describe("sign for this region's STS endpoint; the global endpoint (us-east-1) if absent"),
  })
  .strict();

export type AwsAuthConfig = z.infer<typeof awsAuthConfigSchema>;

/** The Secret's awsAuthConfig value, parsed; a message naming the problem when it is not one. */
export function parseAwsAuthConfig(json: string): { ok: true; config: AwsAuthConfig } | { ok: false; invalid: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, invalid: "awsAuthConfig is not JSON" };
  }
  const parsed = awsAuthConfigSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "awsAuthConfig"}: ${i.message}`);
  return { ok: false, invalid: `awsAuthConfig ${problems.join("; ")}` };
}

export function encodeToken(presignedUrl: string): string {
  return tokenPrefix + Buffer.from(presignedUrl, "utf8").toString("base64url");
}

/** The presigned URL inside a token; undefined when it is not one. */
export function decodeToken(token: string): string | undefined {
  if (!token.startsWith(tokenPrefix)) return undefined;
  const body = token.slice(tokenPrefix.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) return undefined;
  return Buffer.from(body, "base64url").toString("utf8");
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Where STS is reached: the endpoint override (an emulator), or the region's (or the global) AWS endpoint. */
export function stsEndpoint(region: string | undefined, override: string | undefined): URL {
  if (override) return new URL(override);
  return new URL(region ? `https://sts.${region}.amazonaws.com/` : "https://sts.amazonaws.com/");
}

/** The presigned GetCallerIdentity URL for `clusterName`, signed with `credentials` at `now`. */
export async function presignedCallerIdentity(options: {
  clusterName: string;
  credentials: AwsCredentials;
  endpoint: URL;
  signingRegion: string;
  now: number;
}): Promise<string> {
  const { endpoint } = options;
  const signer = new SignatureV4({
    service: "sts",
    region: options.signingRegion,
    credentials: options.credentials,
    sha256: Hash.bind(null, "sha256"),
  });
  const host = endpoint.host;
  const signed = await signer.presign(
    {
      method: "GET",
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host, [clusterIdHeader]: options.clusterName },
    },
    { expiresIn: presignExpiresSeconds, signingDate: new Date(options.now) },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join("&");
  return `${endpoint.protocol}//${host}/?${query}`;
}

export interface EksTokenOptions {
  /** --aws-endpoint: STS (AssumeRole and the presigned URL) is reached there */
  endpoint?: string;
  /** the controller's own credentials; the SDK's default chain when omitted */
  credentials?: () => Promise<AwsCredentials>;
  now?: () => number;
}

/** Tokens per (cluster, role, region, namespace), made on demand and reused until they near their end. */
export class EksTokens {
  private readonly tokens = new Map<string, { at: number; token: Promise<string> }>();
  private readonly roles = new Map<string, { until: number; credentials: Promise<AwsCredentials> }>();
  private readonly own: () => Promise<AwsCredentials>;
  private readonly now: () => number;
  private readonly sts = new Map<string, STSClient>();

  constructor(private readonly options: EksTokenOptions = {}) {
    this.own = options.credentials ?? defaultProvider();
    this.now = options.now ?? Date.now;
  }

  /**
   * A token for `config`. With a roleARN it is signed as that role, assumed with the external ID
   * `switchyard:<namespace>` so a role's trust policy can admit one namespace's Secrets and no other's.
   */
  token(config: AwsAuthConfig, namespace: string): Promise<string> {
    const key = JSON.stringify([config.clusterName, config.roleARN ?? "", config.region ?? "", namespace]);
    const now = this.now();
    const cached = this.tokens.get(key);
    if (cached && now - cached.at < tokenReuseMs) return cached.token;
    const token = this.make(config, namespace, now);
    this.tokens.set(key, { at: now, token });
    // A failure is not kept: the next request tries again.
    token.catch(() => {
      if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
    });
    return token;
  }

  destroy(): void {
    for (const client of this.sts.values()) client.destroy();
    this.sts.clear();
  }

  private async make(config: AwsAuthConfig, namespace: string, now: number): Promise<string> {
    const credentials = config.roleARN ? await this.assumed(config, namespace) : await this.own();
    const url = await presignedCallerIdentity({
      clusterName: config.clusterName,
      credentials,
      endpoint: stsEndpoint(config.region, this.options.endpoint),
      signingRegion: config.region ?? "us-east-1",
      now,
    });
    return encodeToken(url);
  }

  private assumed(config: AwsAuthConfig, namespace: string): Promise<AwsCredentials> {
    const roleArn = config.roleARN ?? "";
    const key = JSON.stringify([roleArn, config.region ?? "", namespace]);
    const cached = this.roles.get(key);
    if (cached && this.now() < cached.until) return cached.credentials;
    const credentials = this.assume(roleArn, config.region, namespace);
    this.roles.set(key, { until: this.now() + assumedRoleSeconds * 1000 - credentialMarginMs, credentials });
    credentials.then(
      (c) => {
        const until = (c.expiration?.getTime() ?? this.now() + assumedRoleSeconds * 1000) - credentialMarginMs;
        if (this.roles.get(key)?.credentials === credentials) this.roles.set(key, { until, credentials });
      },
      () => {
        if (this.roles.get(key)?.credentials === credentials) this.roles.delete(key);
      },
    );
    return credentials;
  }

  private async assume(roleArn: string, region: string | undefined, namespace: string): Promise<AwsCredentials> {
    const answer = await this.client(region).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `switchyard-${namespace}`.slice(0, 64),
        ExternalId: `switchyard:${namespace}`,
        DurationSeconds: assumedRoleSeconds,
      }),
    );
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole ${roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  }

  private client(region: string | undefined): STSClient {
    const name = region ?? "us-east-1";
    let client = this.sts.get(name);
    if (!client) {
      client = new STSClient({
        region: name,
        credentials: this.own,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      });
      this.sts.set(name, client);
    }
    return client;
  }
}
