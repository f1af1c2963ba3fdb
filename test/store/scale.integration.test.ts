import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import { engine } from "../engines/index.js";
import { bulkHeartbeats, bulkInstanceId, bulkLoad } from "../support/bulk-load.js";
import { httpEvent, loadApiHandler } from "../support/lambda.js";
import { TOKEN_A, testRegistry } from "../support/registry.js";
import { freshTable } from "../support/table.js";

/**
 * A 100,000-instance service listed whole: peers.json, peers.txt and /instances each in one
 * answer of at most 6 MB on the wire (what a buffered Lambda response may carry), gzipped for
 * a client that accepts it, and /instances walked page by page. Loaded with BatchWriteItem.
 */
const N = 100_000;
const LAMBDA_LIMIT = 6 * 1024 * 1024;
const SERVICE = "fleet";
const TIMEOUT = 600_000;

const ids = (n: number) => new Set(Array.from({ length: n }, (_, i) => bulkInstanceId(i)));

function checkListings(peersJson: string, peersTxt: string, instances: string) {
  const peers = JSON.parse(peersJson) as { node_id: number }[];
  expect(peers).toHaveLength(N);
  expect(new Set(peers.map((p) => p.node_id)).size).toBe(N);
  const lines = peersTxt.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  expect(lines).toHaveLength(N);
  const listed = JSON.parse(instances) as { instances: { id: string }[] };
  expect(new Set(listed.instances.map((i) => i.id))).toEqual(ids(N));
}

describe("a 100,000-instance service", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it(
    "is listed completely through the app in local mode, gzipped under 6 MB, and paged",
    async () => {
      const r = await testRegistry(engine("sqlite"));
      await bulkHeartbeats({
        ...r,
        service: SERVICE,
        count: N,
        token: TOKEN_A,
        nowMs: r.clock.ms,
        ttl: 3600,
      });
      const gz = { "accept-encoding": "gzip" };
      const bodies: string[] = [];
      for (const path of ["peers.json", "peers.txt", "instances"]) {
        const res = await r.get(`/v1/services/${SERVICE}/${path}`, gz);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-encoding")).toBe("gzip");
        const wire = Buffer.from(await res.arrayBuffer());
        expect(wire.length).toBeLessThanOrEqual(LAMBDA_LIMIT);
        bodies.push(gunzipSync(wire).toString("utf8"));
        // The gzipped representation's ETag names the identity body; either form revalidates.
        const etag = res.headers.get("etag") ?? "";
        expect(etag).toMatch(/-gzip"$/);
        const again = await r.get(`/v1/services/${SERVICE}/${path}`, {
          ...gz,
          "if-none-match": etag,
        });
        expect(again.status).toBe(304);
      }
      checkListings(bodies[0] as string, bodies[1] as string, bodies[2] as string);

      // Every instance exactly once over the pages.
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const res = await r.get(`/v1/services/${SERVICE}/instances?${query}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as {
          instances: { id: string }[];
          next_cursor: string | null;
        };
        expect(page.instances.length).toBeLessThanOrEqual(1000);
        seen.push(...page.instances.map((i) => i.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor !== null && pages < 200);
      expect(seen).toHaveLength(N);
      expect(new Set(seen)).toEqual(ids(N));
    },
    TIMEOUT,
  );

  it(
    "is listed completely through the Lambda handler against DynamoDB Local, under 6 MB",
    async () => {
      const { client, tableName } = await freshTable(engine("dynamodb-local"));
      const token = "scale-token-0123456789abcdef";
      await bulkLoad({
        client,
        tableName,
        service: SERVICE,
        count: N,
        token,
        nowMs: Date.now(),
        ttl: 3600,
      });
      const invoke = await loadApiHandler({
        MUSTER_TABLE: tableName,
        MUSTER_TOKENS: token,
        MUSTER_SHARD_CONCURRENCY: "2",
        AWS_ENDPOINT_URL_DYNAMODB: engine("dynamodb-local").endpoint,
        POWERTOOLS_LOG_LEVEL: "SILENT",
      });
      const bodies: string[] = [];
      for (const path of ["peers.json", "peers.txt", "instances"]) {
        const result = await invoke(
          httpEvent({
            method: "GET",
            path: `/v1/services/${SERVICE}/${path}`,
            token,
            headers: { "accept-encoding": "gzip" },
          }),
        );
        expect(result.statusCode).toBe(200);
        expect(result.headers["content-encoding"]).toBe("gzip");
        // What Lambda returns to the function URL: the whole result, base64 body included.
        expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(LAMBDA_LIMIT);
        const { isBase64Encoded } = result as unknown as { isBase64Encoded: boolean };
        expect(isBase64Encoded).toBe(true);
        bodies.push(gunzipSync(Buffer.from(result.body, "base64")).toString("utf8"));
      }
      checkListings(bodies[0] as string, bodies[1] as string, bodies[2] as string);
    },
    TIMEOUT,
  );
});
