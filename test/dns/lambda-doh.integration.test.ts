import * as packet from "dns-packet";
import { afterEach, describe, expect, it, vi } from "vitest";
import { irohBase32 } from "../../shared/model/iroh-base32.js";
import { engine } from "../engines/index.js";
import { irohKeyBytes } from "../support/iroh-keys.js";
import { httpEvent, loadApiHandler } from "../support/lambda.js";
import { blixardNode } from "../support/registry.js";
import { freshTable } from "../support/table.js";

const TOKEN = "lambda-doh-token-0123456789abcdef";

describe("DNS over HTTPS through the Lambda adapter (DynamoDB Local)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("answers GET and base64-encoded POST bodies under MUSTER_DNS_ZONE, as binary", async () => {
    const { tableName } = await freshTable(engine("dynamodb-local"));
    const invoke = await loadApiHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      MUSTER_DNS_ZONE: "nodes.example.internal",
      AWS_ENDPOINT_URL_DYNAMODB: engine("dynamodb-local").endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const hb = await invoke(
      httpEvent({
        method: "POST",
        path: "/v1/services/blixard/heartbeats",
        token: TOKEN,
        body: { id: "node-1", address: "10.0.0.1:7001" },
      }),
    );
    expect(hb.statusCode).toBe(201);

    const query = packet.encode({
      type: "query",
      id: 99,
      questions: [{ type: "SRV", name: "_blixard._tcp.nodes.example.internal" }],
    });
    const post = await invoke({
      ...httpEvent({
        method: "POST",
        path: "/dns-query",
        token: TOKEN,
        headers: { "content-type": "application/dns-message" },
      }),
      body: query.toString("base64"),
      isBase64Encoded: true,
    });
    expect(post.statusCode).toBe(200);
    expect(post.headers["content-type"]).toBe("application/dns-message");
    expect((post as { isBase64Encoded?: boolean }).isBase64Encoded).toBe(true);
    const answer = packet.decode(Buffer.from(post.body, "base64"));
    expect(answer.id).toBe(99);
    expect(answer.answers?.map((a) => "data" in a && a.data)).toEqual([
      { priority: 0, weight: 1, port: 7001, target: "node-1.blixard.nodes.example.internal" },
    ]);

    // Without a token the service is not public: REFUSED, not an HTTP error.
    const get = await invoke(
      httpEvent({
        method: "GET",
        path: `/dns-query?dns=${query.toString("base64url")}`,
        token: null,
      }),
    );
    expect(get.statusCode).toBe(200);
    expect(packet.decode(Buffer.from(get.body, "base64"))).toMatchObject({ rcode: "REFUSED" });
  });

  it("names Blixard nodes by their NodeId, with TXT records, and answers _iroh._tcp for MUSTER_DNS_IROH_SERVICE", async () => {
    const { tableName } = await freshTable(engine("dynamodb-local"));
    const invoke = await loadApiHandler({
      MUSTER_TABLE: tableName,
      MUSTER_TOKENS: TOKEN,
      MUSTER_DNS_IROH_SERVICE: "blixard",
      AWS_ENDPOINT_URL_DYNAMODB: engine("dynamodb-local").endpoint,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const hb = await invoke(
      httpEvent({
        method: "POST",
        path: "/v1/services/blixard/heartbeats",
        token: TOKEN,
        body: blixardNode(1),
      }),
    );
    expect(hb.statusCode).toBe(201);
    const ask = async (type: "SRV" | "TXT") => {
      const query = packet.encode({
        type: "query",
        id: 7,
        questions: [{ type, name: "_iroh._tcp.muster.internal" }],
      });
      const res = await invoke(
        httpEvent({
          method: "GET",
          path: `/dns-query?dns=${query.toString("base64url")}`,
          token: TOKEN,
        }),
      );
      expect(res.statusCode).toBe(200);
      return packet.decode(Buffer.from(res.body, "base64")).answers ?? [];
    };
    const id = irohBase32(irohKeyBytes(1));
    expect((await ask("SRV")).map((a) => "data" in a && a.data)).toEqual([
      { priority: 0, weight: 1, port: 7001, target: `${id}.blixard.muster.internal` },
    ]);
    expect((await ask("TXT")).map((a) => "data" in a && (a.data as Buffer[]).map(String))).toEqual([
      [`node=${id} addr=192.168.1.11:7001 addr=10.0.0.1:7001`],
    ]);
  });
});
