/**
 * Environment for test runs. The engines accept any credentials; fixed fake ones, and no AWS
 * config or credential files, make sure nothing in a test can reach a developer's real account.
 * Used by vitest.config.ts (test.env, for workers) and the global setup (its own process).
 */
export function awsTestEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    AWS_REGION: env.AWS_REGION || "us-east-1",
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID || "test",
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY || "test",
    // Unconditional: a test has no business reading ~/.aws, whatever the shell points at.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    // If the chain ever falls through to the instance role, fail now rather than time out.
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Applies awsTestEnv to this process. AWS_PROFILE must go: it makes the SDK skip env keys. */
export function applyAwsTestEnv(): void {
  Object.assign(process.env, awsTestEnv());
  delete process.env.AWS_PROFILE;
}
