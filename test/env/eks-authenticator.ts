/**
 * A stand-in for an EKS cluster's authenticator: a kube-apiserver token webhook (TokenReview, authentication.k8s.io/v1)
 * that checks a `k8s-aws-v1.` token as aws-iam-authenticator's verifier does, against the AWS emulator's STS.
 *
 * The token's presigned URL must be the emulator's, path `/`, only the parameters a presigned GetCallerIdentity
 * carries (one value each), Action=GetCallerIdentity, x-k8s-aws-id among the signed headers, X-Amz-Expires 0..900 and
 * X-Amz-Date at most 15 minutes old. The URL is then fetched with this cluster's own name in x-k8s-aws-id, so only a
 * token signed for this cluster gets an answer (the emulator checks the signature); the caller's ARN (an assumed role
 * canonicalized to its role ARN) is mapped to a Kubernetes user, as the authenticator's mapRoles does.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import { clusterIdHeader, decodeToken } from "../../src/runtime/eks-token.js";

export interface EksAuthenticatorOptions {
  clusterName: string;
  /** the AWS emulator; the only STS a token may point at */
  stsEndpoint: string;
  /** IAM ARN (user, or role for an assumed role) → the Kubernetes user it is */
  users: Record<string, { username: string; groups?: string[] }>;
}

export interface EksAuthenticator {
  /** the webhook's kubeconfig, for --authentication-token-webhook-config-file */
  readonly configFile: string;
  /** every decision, newest last: the reason a token was refused, or the user it was */
  readonly decisions: { authenticated: boolean; detail: string }[];
  stop(): Promise<void>;
}

const allowedParameters = new Set([
  "action",
  "version",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signature",
  "x-amz-signedheaders",
]);
const validityMs = 15 * 60_000;

/** arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION → arn:aws:iam::ACCOUNT:role/NAME; other ARNs stay. */
function canonicalArn(arn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : arn;
}

async function verify(token: string, options: EksAuthenticatorOptions): Promise<string> {
  if (token.length > 4096) throw new Error("token is too large");
  const url = decodeToken(token);
  if (url === undefined) throw new Error("not a k8s-aws-v1 token");
  const parsed = new URL(url);
  const sts = new URL(options.stsEndpoint);
  if (parsed.protocol !== sts.protocol || parsed.host !== sts.host)
    throw new Error(`unexpected STS host ${parsed.host}`);
  if (parsed.pathname !== "/") throw new Error("unexpected path");
  const params = new Map<string, string>();
  for (const [key, value] of parsed.searchParams) {
    const lower = key.toLowerCase();
    if (!allowedParameters.has(lower)) throw new Error(`parameter ${key} is not allowed`);
    if (params.has(lower)) throw new Error(`parameter ${key} has more than one value`);
    params.set(lower, value);
  }
  if (params.get("action") !== "GetCallerIdentity") throw new Error("not GetCallerIdentity");
  if (!(params.get("x-amz-signedheaders") ?? "").split(";").includes(clusterIdHeader)) {
    throw new Error(`${clusterIdHeader} is not signed`);
  }
  const expires = Number(params.get("x-amz-expires"));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) throw new Error("bad X-Amz-Expires");
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get("x-amz-date") ?? "");
  if (!date) throw new Error("bad X-Amz-Date");
  const [, y, mo, d, h, mi, s] = date.map(Number) as [number, number, number, number, number, number, number];
  if (Date.now() > Date.UTC(y, mo - 1, d, h, mi, s) + validityMs) throw new Error("X-Amz-Date is expired");

  const response = await fetch(parsed, { headers: { [clusterIdHeader]: options.clusterName }, redirect: "manual" });
  const body = await response.text();
  if (response.status !== 200)
    throw new Error(`STS answered ${response.status}: ${/<Code>(\w+)<\/Code>/.exec(body)?.[1]}`);
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
  if (!arn) throw new Error("STS named no ARN");
  return canonicalArn(arn);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += (chunk as Buffer).toString();
  return body;
}

export async function startEksAuthenticator(
  configFile: string,
  options: EksAuthenticatorOptions,
): Promise<EksAuthenticator> {
  const decisions: EksAuthenticator["decisions"] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const review = JSON.parse(await readBody(req)) as { spec?: { token?: string } };
      let status: object;
      try {
        const arn = await verify(review.spec?.token ?? "", options);
        const user = options.users[arn];
        if (!user) throw new Error(`ARN ${arn} is not mapped`);
        decisions.push({ authenticated: true, detail: `${arn} as ${user.username}` });
        status = { authenticated: true, user: { username: user.username, uid: arn, groups: user.groups ?? [] } };
      } catch (error) {
        decisions.push({ authenticated: false, detail: (error as Error).message });
        status = { authenticated: false, error: (error as Error).message };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", status }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await writeFile(
    configFile,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "eks-authenticator", cluster: { server: `http://127.0.0.1:${port}/authenticate` } }],
      users: [{ name: "apiserver", user: {} }],
      contexts: [{ name: "webhook", context: { cluster: "eks-authenticator", user: "apiserver" } }],
      "current-context": "webhook",
    }),
  );
  return {
    configFile,
    decisions,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
