import { randomInt, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EVENT_SOURCE,
  MEMBERSHIP_CHANGED,
  membershipChanges,
  type StreamRecord,
} from "../../shared/events/membership.js";
import { publishChanges } from "../../shared/events/publish.js";
import { engine, motoEndpoint } from "../engines/index.js";
import { type TestRegistry, testRegistry } from "../support/registry.js";

/** The EventPattern of examples/eventbridge-rule.json with its `Service` parameter filled. */
function examplePattern(service: string): unknown {
  const template = JSON.parse(
    readFileSync(new URL("../../examples/eventbridge-rule.json", import.meta.url), "utf8"),
  );
  const pattern = template.Resources.Rule.Properties.EventPattern;
  return { ...pattern, detail: { service: [service] } };
}

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
const REGION = "us-east-1";

/** moto keeps one fake account per id; this test's EventBridge and SQS live in their own. */
function inAccount<C extends { middlewareStack: unknown }>(client: C, account: string): C {
  (
    client.middlewareStack as {
      add(m: unknown, o: { step: string; name: string }): void;
    }
  ).add(
    (next: (args: unknown) => Promise<unknown>) =>
      async (args: { request: { headers?: Record<string, string> } }) => {
        if (args.request.headers) args.request.headers["x-moto-account-id"] = account;
        return next(args);
      },
    { step: "build", name: "motoAccount" },
  );
  return client;
}

/** The table's stream on DynamoDB Local, read onwards from where the last read stopped. */
async function streamOf(r: TestRegistry) {
  const { endpoint, tableName } = r.settings;
  if (!endpoint) throw new Error("the stream tests need DynamoDB Local");
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    }),
  );
  const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
  client.destroy();
  const streams = new DynamoDBStreamsClient({
    endpoint: engine("dynamodb-local").endpoint,
    region: REGION,
    credentials: CREDENTIALS,
  });
  const arn = table.Table?.LatestStreamArn as string;
  const iterators = new Map<string, string | undefined>();
  return {
    streams,
    /** Every record written since the last call, over every shard, in shard order. */
    read: async (): Promise<StreamRecord[]> => {
      const described = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
      const records: StreamRecord[] = [];
      for (const shard of described.StreamDescription?.Shards ?? []) {
        const id = shard.ShardId as string;
        let iterator = iterators.get(id);
        if (!iterators.has(id)) {
          const it = await streams.send(
            new GetShardIteratorCommand({
              StreamArn: arn,
              ShardId: id,
              ShardIteratorType: "TRIM_HORIZON",
            }),
          );
          iterator = it.ShardIterator;
        }
        // Bounded: a shard's backlog here is a few dozen records.
        for (let page = 0; page < 20 && iterator; page++) {
          const got = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
          records.push(...((got.Records ?? []) as StreamRecord[]));
          iterators.set(id, got.NextShardIterator);
          if (!got.Records?.length) break;
          iterator = got.NextShardIterator;
        }
      }
      return records;
    },
  };
}

describe("membership-change events from the table's stream", () => {
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const aws = { endpoint: "", region: REGION, credentials: CREDENTIALS };
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let queueUrl: string;
  const bus = `muster-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    aws.endpoint = motoEndpoint();
    events = inAccount(new EventBridgeClient(aws), account);
    sqs = inAccount(new SQSClient(aws), account);
    // The rule of examples/eventbridge-rule.json, its service parameter set to "stellar".
    await events.send(new CreateEventBusCommand({ Name: bus }));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: bus }))).QueueUrl as string;
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    await events.send(
      new PutRuleCommand({
        Name: "membership",
        EventBusName: bus,
        EventPattern: JSON.stringify(examplePattern("stellar")),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: "membership",
        EventBusName: bus,
        Targets: [{ Id: "queue", Arn: attrs.Attributes?.QueueArn as string }],
      }),
    );
  });
  afterAll(() => {
    events?.destroy();
    sqs?.destroy();
  });

  /** Every event the rule delivered so far. */
  const delivered = async () => {
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    return (got.Messages ?? []).map((m) => JSON.parse(m.Body as string));
  };

  it("puts one event per service that changed, none for renewals", async () => {
    const r = await testRegistry(engine("dynamodb-local"));
    const stream = await streamOf(r);
    const node = (id: string, extra: Record<string, unknown> = {}) => ({
      id,
      address: `10.0.0.${id.length}:11625`,
      ttl: 60,
      ...extra,
    });
    const publish = async () => {
      const records = await stream.read();
      const changes = membershipChanges(records, Math.floor(r.clock.ms / 1000));
      await publishChanges(events, bus, changes);
      return { records, changes };
    };
    try {
      await r.heartbeat("stellar", node("v1"));
      await r.heartbeat("stellar", node("v2"));
      await r.heartbeat("other", node("o1"));
      const first = await publish();
      expect(first.changes).toEqual([
        { service: "other", added: ["o1"], removed: [], expired: [], changed: [] },
        { service: "stellar", added: ["v1", "v2"], removed: [], expired: [], changed: [] },
      ]);
      // Two events put; the example rule wants service "stellar" only.
      const one = await delivered();
      expect(one).toHaveLength(1);
      expect(one[0]).toMatchObject({
        source: EVENT_SOURCE,
        "detail-type": MEMBERSHIP_CHANGED,
        detail: first.changes[1],
      });

      // Renewals only: the stream has records, and they make no event.
      r.advance(10);
      expect((await r.heartbeat("stellar", node("v1"))).status).toBe(200);
      expect((await r.heartbeat("stellar", node("v2"))).status).toBe(200);
      const renewals = await publish();
      expect(renewals.records.length).toBe(2);
      expect(renewals.changes).toEqual([]);
      expect(await delivered()).toEqual([]);

      r.advance(10);
      await r.heartbeat("stellar", node("v2", { status: "critical" }));
      expect((await r.remove("stellar", "v1")).status).toBe(204);
      const second = await publish();
      expect(second.changes).toEqual([
        { service: "stellar", added: [], removed: ["v1"], expired: [], changed: ["v2"] },
      ]);
      const two = await delivered();
      expect(two.map((e) => e.detail)).toEqual(second.changes);
    } finally {
      stream.streams.destroy();
    }
  });
});
