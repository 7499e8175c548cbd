import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decodeToken,
  EksTokens,
  encodeToken,
  parseAwsAuthConfig,
  presignedCallerIdentity,
  stsEndpoint,
  tokenPrefix,
} from "./eks-token.js";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const at = Date.UTC(2026, 11, 1, 10, 0, 0);

/** SigV4 for a presigned GET as the AWS reference describes it, computed here independently of the signer. */
function expectedSignature(url: URL, headers: Record<string, string>, secret: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== "X-Amz-Signature");
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = params
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const signed = (url.searchParams.get("X-Amz-SignedHeaders") ?? "").split(";");
  const canonicalHeaders = signed.map((h) => `${h}:${headers[h]?.trim()}\n`).join("");
  const payload = createHash("sha256").update("").digest("hex");
  const request = ["GET", "/", query, canonicalHeaders, signed.join(";"), payload].join("\n");
  const date = url.searchParams.get("X-Amz-Date") ?? "";
  const scope = (url.searchParams.get("X-Amz-Credential") ?? "").split("/").slice(1).join("/");
  const toSign = ["AWS4-HMAC-SHA256", date, scope, createHash("sha256").update(request).digest("hex")].join("\n");
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of scope.split("/")) key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(toSign).digest("hex");
}

describe("EKS tokens", () => {
  it("encode the presigned URL as unpadded base64url behind the v1 prefix, and decode back", () => {
    const url = "https://sts.amazonaws.com/?Action=GetCallerIdentity&a=b?";
    const token = encodeToken(url);
    expect(token.startsWith(tokenPrefix)).toBe(true);
    expect(token.slice(tokenPrefix.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeToken(token)).toBe(url);
    expect(decodeToken("k8s-aws-v2.abc")).toBeUndefined();
    expect(decodeToken(`${tokenPrefix}not base64!`)).toBeUndefined();
  });

  it("presign GetCallerIdentity with the cluster name as a signed header, as the reference computes it", async () => {
    const url = new URL(
      await presignedCallerIdentity({
        clusterName: "prod-east",
        credentials,
        endpoint: stsEndpoint(undefined, undefined),
        signingRegion: "us-east-1",
        now: at,
      }),
    );
    expect(url.origin).toBe("https://sts.amazonaws.com");
    expect(url.pathname).toBe("/");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: "GetCallerIdentity",
      Version: "2011-06-15",
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": "AKIDEXAMPLE/20261201/us-east-1/sts/aws4_request",
      "X-Amz-Date": "20261201T100000Z",
      "X-Amz-Expires": "60",
      "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
    });
    const headers = { host: "sts.amazonaws.com", "x-k8s-aws-id": "prod-east" };
    expect(url.searchParams.get("X-Amz-Signature")).toBe(expectedSignature(url, headers, credentials.secretAccessKey));
    // The same URL does not verify for another cluster's name: that is what binds a token to its cluster.
    const other = { ...headers, "x-k8s-aws-id": "prod-west" };
    expect(url.searchParams.get("X-Amz-Signature")).not.toBe(
      expectedSignature(url, other, credentials.secretAccessKey),
    );
  });

  it("sign for a region's STS endpoint, or for the endpoint override with its port", async () => {
    expect(stsEndpoint("eu-west-1", undefined).host).toBe("sts.eu-west-1.amazonaws.com");
    const url = new URL(
      await presignedCallerIdentity({
        clusterName: "c",
        credentials: { ...credentials, sessionToken: "FwoGZX+/=" },
        endpoint: stsEndpoint("eu-west-1", "http://127.0.0.1:5000"),
        signingRegion: "eu-west-1",
        now: at,
      }),
    );
    expect(url.host).toBe("127.0.0.1:5000");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("FwoGZX+/=");
    expect(url.searchParams.get("X-Amz-Credential")).toContain("/eu-west-1/sts/");
    const headers = { host: "127.0.0.1:5000", "x-k8s-aws-id": "c" };
    expect(url.searchParams.get("X-Amz-Signature")).toBe(expectedSignature(url, headers, credentials.secretAccessKey));
  });

  it("reuse a token for ten minutes and then sign a new one", async () => {
    let now = at;
    const tokens = new EksTokens({ credentials: () => Promise.resolve(credentials), now: () => now });
    const first = await tokens.token({ clusterName: "c" }, "team-a");
    now += 9 * 60_000;
    expect(await tokens.token({ clusterName: "c" }, "team-a")).toBe(first);
    expect(await tokens.token({ clusterName: "d" }, "team-a")).not.toBe(first);
    now += 2 * 60_000;
    const renewed = await tokens.token({ clusterName: "c" }, "team-a");
    expect(renewed).not.toBe(first);
    expect(new URL(decodeToken(renewed) ?? "").searchParams.get("X-Amz-Date")).toBe("20261201T101100Z");
  });

  it("do not keep a failure: the next request tries again", async () => {
    let calls = 0;
    const tokens = new EksTokens({
      credentials: () => (++calls === 1 ? Promise.reject(new Error("no credentials")) : Promise.resolve(credentials)),
      now: () => at,
    });
    await expect(tokens.token({ clusterName: "c" }, "ns")).rejects.toThrow("no credentials");
    await expect(tokens.token({ clusterName: "c" }, "ns")).resolves.toMatch(/^k8s-aws-v1\./);
  });
});

describe("parseAwsAuthConfig", () => {
  it("reads clusterName, roleARN and region", () => {
    const json = '{"clusterName":"prod","roleARN":"arn:aws:iam::123456789012:role/peer","region":"eu-west-1"}';
    expect(parseAwsAuthConfig(json)).toEqual({
      ok: true,
      config: { clusterName: "prod", roleARN: "arn:aws:iam::123456789012:role/peer", region: "eu-west-1" },
    });
  });

  it.each([
    ["{", "not JSON"],
    ["{}", "clusterName"],
    ['{"clusterName":"a b"}', "must be an EKS cluster name"],
    ['{"clusterName":"c","roleARN":"arn:aws:iam::1:user/x"}', "must be an IAM role ARN"],
    ['{"clusterName":"c","profile":"admin"}', "profile"],
  ])("refuses %s naming %s", (json, message) => {
    const parsed = parseAwsAuthConfig(json);
    expect(!parsed.ok && parsed.invalid).toContain(message);
  });
});
