import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_GOAL_BYTES } from "../../bench/bundle.js";
import { lambdaBuildOptions } from "../../infra/lambda-bundle.js";
import { engine } from "../engines/index.js";
import { irohNodeId } from "../support/iroh-keys.js";
import { httpEvent } from "../support/lambda.js";
import { freshTable } from "../support/table.js";

const ENTRY = fileURLToPath(new URL("../../functions/api.ts", import.meta.url));
const TOKEN = "bundle-token-0123456789abcdef";
/** The lean-Lambda goal: the minified API bundle stays at or under this. */
const MAX_BUNDLE_BYTES = BUNDLE_GOAL_BYTES;

/**
 * Invokes the bundle's handler with each event of argv[3] (JSON) and prints the results on a
 * last line of their own (the handler's metrics are lines on stdout too).
 */
const RUNNER = `const { handler } = await import(process.argv[2]);
const results = [];
for (const event of JSON.parse(process.argv[3])) results.push(await handler(event, {}));
process.stdout.write("\\n" + JSON.stringify(results));
`;

// The bundle that ships (infra/lambda-bundle.ts's settings), not the TypeScript sources the
// other Lambda tests import: its credential chain is the Lambda one, and zod is the mini build.
describe.each([engine("dynamodb-local")])("the API bundle on $name", (engine) => {
  let dir: string;
  let bundle: string;
  let metafile: Metafile;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "muster-bundle-"));
    bundle = join(dir, "index.js");
    ({ metafile } = await build(lambdaBuildOptions(ENTRY, bundle)));
    writeFileSync(join(dir, "run.mjs"), RUNNER);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("stays within its size goal (bench/bundle.ts), without classic zod, the SDK's STS/SSO clients or zod's locales", () => {
    expect(statSync(bundle).size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    // Inputs that put bytes in the output: esbuild lists tree-shaken modules with none.
    const output = Object.values(metafile.outputs)[0];
    const inputs = Object.entries(output?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    expect(inputs.some((p) => p.includes("node_modules/zod/v4/mini/"))).toBe(true);
    expect(inputs.filter((p) => p.includes("node_modules/zod/v4/classic/"))).toEqual([]);
    expect(inputs.filter((p) => p.includes("@aws-sdk/nested-clients"))).toEqual([]);
    expect(inputs.filter((p) => p.includes("@aws-sdk/credential-provider-node"))).toEqual([]);
    expect(inputs.filter((p) => /zod\/v4\/locales\/(?!en\.js|index\.js)/.test(p))).toEqual([]);
  });

  it("serves heartbeats and reads against DynamoDB with credentials from the environment", async () => {
    const { tableName } = await freshTable(engine);
    const events = [
      httpEvent({
        method: "POST",
        path: "/v1/services/blixard/heartbeats",
        token: TOKEN,
        body: {
          id: "node-1",
          address: "10.0.0.1:7001",
          cluster_node_id: 1,
          iroh_node_id: irohNodeId(1),
        },
      }),
      // zod's English messages and issue paths, as the sources give them.
      httpEvent({
        method: "POST",
        path: "/v1/services/blixard/heartbeats",
        token: TOKEN,
        body: { id: "node-2", address: "10.0.0.2:7001", ttl: 2, colour: "red" },
      }),
      httpEvent({ method: "GET", path: "/v1/services/blixard/peers.json", token: TOKEN }),
    ];
    // Lambda's own environment: role credentials in AWS_ACCESS_KEY_ID and friends, no profile.
    const out = execFileSync(
      process.execPath,
      [join(dir, "run.mjs"), pathToFileURL(bundle).href, JSON.stringify(events)],
      {
        encoding: "utf8",
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "bundletest",
          AWS_SECRET_ACCESS_KEY: "bundletest",
          AWS_SESSION_TOKEN: "bundletestsession",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
          MUSTER_TABLE: tableName,
          MUSTER_TOKENS: TOKEN,
          POWERTOOLS_LOG_LEVEL: "SILENT",
        },
      },
    );
    const [created, refused, peers] = JSON.parse(out.slice(out.lastIndexOf("\n") + 1)) as {
      statusCode: number;
      body: string;
    }[];
    expect(created?.statusCode, created?.body).toBe(201);
    expect(refused?.statusCode).toBe(400);
    expect(JSON.parse(refused?.body ?? "{}").error.issues).toEqual([
      { path: "ttl", message: "Too small: expected number to be >=5" },
      { path: "colour", message: "is not a known field" },
    ]);
    expect(peers?.statusCode).toBe(200);
    expect(JSON.parse(peers?.body ?? "[]")).toMatchObject([
      { node_id: 1, direct_addresses: ["10.0.0.1:7001"] },
    ]);
  });
});
