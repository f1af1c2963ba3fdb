import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asList,
  cleanUp,
  logicalId,
  roleStatements,
  type Synthesized,
  synthesize,
} from "./synth.js";

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ membershipEvents: true, eventBusName: "ops", maxWaitSeconds: 8 }, false);
}, 120_000);
afterAll(() => cleanUp(s));

describe("membership-change events", () => {
  it("streams old and new images to the events function", () => {
    s.template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      StartingPosition: "LATEST",
      BisectBatchOnFunctionError: true,
      FunctionName: { Ref: logicalId(s.stack.membershipEvents?.fn.function as never) },
    });
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: { MUSTER_EVENT_BUS: "ops" } },
    });
  });

  it("lets the function read the stream and put events on its one bus, nothing more", () => {
    const statements = roleStatements(s.template, s.stack.membershipEvents?.fn.role as never);
    const actions = statements.flatMap((st) => asList(st.Action)).sort();
    expect(actions).toEqual(
      [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "events:PutEvents",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ].sort(),
    );
    const put = statements.find((st) => asList(st.Action).includes("events:PutEvents"));
    expect(JSON.stringify(put?.Resource)).toContain(":event-bus/ops");
    for (const st of statements)
      expect(asList(st.Action).every((a) => !a.endsWith("*"))).toBe(true);
    // The stream actions, ListStreams included, on this table's stream only.
    const stream = statements.find((st) => asList(st.Action).includes("dynamodb:ListStreams"));
    expect(stream?.Resource).toEqual({
      "Fn::GetAtt": [logicalId(s.stack.table.table), "StreamArn"],
    });
  });

  it("lets the API hold reads for muster:maxWaitSeconds", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ MUSTER_MAX_WAIT_SECONDS: "8" }) },
    });
  });

  it("passes cdk-nag", () => {
    expect(s.nagViolations).toEqual([]);
  });

  it("is off by default: no stream, no events function", () => {
    const plain = synthesize({}, false);
    try {
      expect(plain.stack.membershipEvents).toBeUndefined();
      plain.template.resourceCountIs("AWS::Lambda::EventSourceMapping", 0);
      const table = Object.values(plain.template.findResources("AWS::DynamoDB::GlobalTable"))[0];
      expect(table?.Properties.StreamSpecification).toBeUndefined();
    } finally {
      cleanUp(plain);
    }
  });
});
