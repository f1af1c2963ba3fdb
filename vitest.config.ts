import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { awsTestEnv } from "./scripts/engines/aws-env.js";

// Two projects (CONTRIBUTING.md says what each needs):
// - unit: pure code and SQLite, in the test's own process; no Java, Python, Rust, apt or
//   network, and no global set-up at all.
// - integration: `*.integration.test.ts`, the files that need an engine or a real outside client
//   (DynamoDB Local, moto, dig, curl, openssl, Prometheus, cargo, cdk synth) or that run our own
//   programs as processes (the muster command, the built agent, the CLIs); only its global
//   set-up installs and starts the engines.
const INTEGRATION = "**/*.integration.test.ts";
const EVERY_TEST = [
  "test/**/*.test.ts",
  "shared/**/*.test.ts",
  "agent/**/*.test.ts",
  "cost/**/*.test.ts",
  "ui/**/*.test.ts",
];

const shared: TestProjectInlineConfiguration["test"] = {
  // Processes, not worker threads: tests start servers and touch process-wide state (env).
  pool: "forks",
  // No test talks to real AWS: every SDK client gets dummy credentials and a region.
  env: awsTestEnv(),
};

/** `MUSTER_TEST_JSON=<file>` adds vitest's JSON report beside the default output (.ci/run). */
const jsonReport = process.env.MUSTER_TEST_JSON;

export default defineConfig({
  test: {
    reporters: jsonReport ? ["default", ["json", { outputFile: jsonReport }]] : ["default"],
    coverage: {
      provider: "v8",
      include: [
        "shared/**/*.ts",
        "agent/**/*.ts",
        "local/**/*.ts",
        "functions/**/*.ts",
        "cost/**/*.ts",
        "ui/src/**/*.ts",
      ],
      exclude: ["**/*.test.ts"],
      reporter: ["text-summary", "html", "json-summary"],
      reportsDirectory: "coverage",
    },
    projects: [
      {
        test: {
          ...shared,
          name: "unit",
          include: EVERY_TEST,
          exclude: [INTEGRATION, "**/node_modules/**"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          ...shared,
          name: "integration",
          include: EVERY_TEST.map((glob) => glob.replace("*.test.ts", "*.integration.test.ts")),
          globalSetup: ["test/global-setup.ts"],
          // Engine round-trips, DynamoDB Local's JVM and spawned programs are slower than unit tests.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
