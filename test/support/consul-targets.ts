import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { engine } from "../engines/index.js";
import { lambdaBridge } from "./lambda-bridge.js";
import { startLocal, stopLocal } from "./local-server.js";
import { freshTable } from "./table.js";

/** A registry a Consul client is pointed at: its address (host:port), base URL and tokens. */
export interface ConsulTarget {
  name: string;
  address: string;
  url: string;
  /** An admin (bootstrap) token. */
  token: string;
  /** A scoped token that may read every service and write none. */
  readOnlyToken: string;
  stop: () => Promise<void>;
}

export const CONSUL_TOKEN = "consul-test-token-0123456789abcdef";

async function mintReader(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/admin/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${CONSUL_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "consul-reader", role: "read", services: ["*"] }),
  });
  if (res.status !== 201) throw new Error(`minting a reader: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** `muster serve` (local mode, SQLite) as `npm start` runs it. */
export async function localTarget(env: Record<string, string> = {}): Promise<ConsulTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), "muster-consul-"));
  const server = await startLocal({
    MUSTER_DATA_DIR: dataDir,
    MUSTER_TOKENS: CONSUL_TOKEN,
    ...env,
  });
  return {
    name: "local mode",
    address: server.url.replace(/^https?:\/\//, ""),
    url: server.url,
    token: CONSUL_TOKEN,
    readOnlyToken: await mintReader(server.url),
    stop: async () => {
      await stopLocal(server);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The Lambda handler over a fresh DynamoDB Local table, behind the bridge; held queries at
 * most `maxWaitSeconds`. Undo with `vi.unstubAllEnvs()` (stop does).
 */
export async function lambdaTarget(env: Record<string, string> = {}): Promise<ConsulTarget> {
  const dynamo = engine("dynamodb-local");
  const { tableName } = await freshTable(dynamo);
  const bridge = await lambdaBridge({
    MUSTER_TABLE: tableName,
    MUSTER_TOKENS: CONSUL_TOKEN,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    MUSTER_MAX_WAIT_SECONDS: "10",
    ...env,
  });
  return {
    name: "the Lambda handler",
    address: bridge.address,
    url: bridge.url,
    token: CONSUL_TOKEN,
    readOnlyToken: await mintReader(bridge.url),
    stop: async () => {
      await bridge.close();
      vi.unstubAllEnvs();
    },
  };
}
