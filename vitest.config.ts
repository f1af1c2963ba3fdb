import { defineConfig } from "vitest/config";
import { awsTestEnv } from "./scripts/engines/aws-env.js";

export default defineConfig({
  test: {
    include: [
      "test/**/*.test.ts",
      "shared/**/*.test.ts",
      "agent/**/*.test.ts",
      "cost/**/*.test.ts",
    ],
    globalSetup: ["test/global-setup.ts"],
    env: awsTestEnv(),
    // Engine round-trips (and DynamoDB Local's JVM) are slower than unit tests.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Processes, not worker threads: tests start servers and touch process-wide state (env).
    pool: "forks",
    // The default reporter's "Tests  N passed (M)" summary is what .ci/run parses.
    reporters: ["default"],
  },
});
