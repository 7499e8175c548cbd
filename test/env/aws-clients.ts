/** Real AWS SDK clients pointed at the emulator, signed for the region they stand for. */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { RDSClient } from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";
import { controllerAccessKeyId, type AwsEmulatorInfo } from "./aws-emulator.js";

/**
 * The emulator as the controller reaches it: a test that runs controller code in-process (a lever, an actuator) gives
 * it clients made from this, so that its calls count as the controller's in the IAM check (test/env/iam-check.ts).
 */
export const asController = (aws: AwsEmulatorInfo): AwsEmulatorInfo => ({ ...aws, accessKeyId: controllerAccessKeyId });

/** maxAttempts defaults to 1 so that a test sees every error the emulator gives instead of the SDK's retries. */
function clientConfig(aws: AwsEmulatorInfo, region: string, maxAttempts: number) {
  return {
    region,
    endpoint: aws.endpoint,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
    maxAttempts,
  };
}

/** Route53 is a global service signed in us-east-1. */
export function route53Client(aws: AwsEmulatorInfo, maxAttempts = 1): Route53Client {
  return new Route53Client(clientConfig(aws, "us-east-1", maxAttempts));
}

export function rdsClient(aws: AwsEmulatorInfo, region: string, maxAttempts = 1): RDSClient {
  return new RDSClient(clientConfig(aws, region, maxAttempts));
}

export function cloudwatchClient(aws: AwsEmulatorInfo, region: string, maxAttempts = 1): CloudWatchClient {
  return new CloudWatchClient(clientConfig(aws, region, maxAttempts));
}
