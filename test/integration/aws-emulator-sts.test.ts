/**
 * The AWS emulator checks the SigV4 signature of presigned STS requests as STS does (moto checks none), so EKS tokens
 * are verified for real: the right key and cluster name get the caller's ARN, anything else a 403 with STS's error.
 */
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  clusterIdHeader,
  presignedCallerIdentity,
  stsEndpoint,
  type AwsCredentials,
} from "../../src/runtime/eks-token.js";

const env = inject("env");
const own: AwsCredentials = { accessKeyId: env.aws.accessKeyId, secretAccessKey: env.aws.secretAccessKey };
const sts = new STSClient({ region: "us-east-1", endpoint: env.aws.endpoint, credentials: own, maxAttempts: 1 });

afterAll(() => sts.destroy());

const presign = (credentials: AwsCredentials, now = Date.now(), clusterName = "c1") =>
  presignedCallerIdentity({
    clusterName,
    credentials,
    endpoint: stsEndpoint(undefined, env.aws.endpoint),
    signingRegion: "us-east-1",
    now,
  });

async function call(url: string, clusterName = "c1"): Promise<{ status: number; code?: string; arn?: string }> {
  const response = await fetch(url, { headers: { [clusterIdHeader]: clusterName } });
  const body = await response.text();
  const code = /<Code>(\w+)<\/Code>/.exec(body)?.[1];
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
  return { status: response.status, ...(code ? { code } : {}), ...(arn ? { arn } : {}) };
}

async function assumed(): Promise<AwsCredentials> {
  const answer = await sts.send(
    new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/peer", RoleSessionName: "switchyard-sts-test" }),
  );
  const c = answer.Credentials;
  return {
    accessKeyId: c?.AccessKeyId ?? "",
    secretAccessKey: c?.SecretAccessKey ?? "",
    sessionToken: c?.SessionToken ?? "",
  };
}

describe("presigned STS GetCallerIdentity in the emulator", () => {
  it("answers a correctly signed URL with the signer's ARN, for the static pair and an assumed role", async () => {
    expect(await call(await presign(own))).toEqual({ status: 200, arn: "arn:aws:sts::123456789012:user/moto" });
    expect(await call(await presign(await assumed()))).toEqual({
      status: 200,
      arn: "arn:aws:sts::123456789012:assumed-role/peer/switchyard-sts-test",
    });
  });

  it("refuses a changed signature, a header it was not signed with, or the wrong secret: SignatureDoesNotMatch", async () => {
    const url = new URL(await presign(own));
    const signature = url.searchParams.get("X-Amz-Signature") ?? "";
    url.searchParams.set("X-Amz-Signature", `${signature.endsWith("a") ? "b" : "a"}${signature.slice(1)}`);
    expect(await call(url.toString())).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await call(await presign(own), "c2")).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    const role = await assumed();
    expect(await call(await presign({ ...role, secretAccessKey: "not-the-secret" }))).toEqual({
      status: 403,
      code: "SignatureDoesNotMatch",
    });
  });

  it("refuses an unknown key or a session token that is not the role's: InvalidClientTokenId", async () => {
    expect(await call(await presign({ accessKeyId: "AKIANOTKNOWN00000000", secretAccessKey: "x" }))).toEqual({
      status: 403,
      code: "InvalidClientTokenId",
    });
    const role = await assumed();
    expect(await call(await presign({ ...role, sessionToken: "forged" }))).toEqual({
      status: 403,
      code: "InvalidClientTokenId",
    });
  });

  it("honours a URL for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says", async () => {
    const minutes = (n: number) => Date.now() - n * 60_000;
    expect((await call(await presign(own, minutes(5)))).status).toBe(200);
    expect(await call(await presign(own, minutes(16)))).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await call(await presign(own, minutes(-16)))).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
  });
});
