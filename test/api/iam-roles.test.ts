import { beforeEach, describe, expect, it } from "vitest";
import { iamFingerprint, parseIamRoles } from "../../shared/auth/iam-roles.js";
import { lambdaCaller } from "../../shared/http/iam-caller.js";
import { engine } from "../engines/index.js";
import { json, type TestRegistry, TOKEN_A, testRegistry } from "../support/registry.js";

const ACCOUNT = "123456789012";
const ROLES = parseIamRoles(
  JSON.stringify({
    "web-nodes": { role: "register", services: ["web"], bindInstanceId: true },
    "db-nodes": { role: "register", services: ["db"] },
    dashboards: { role: "read", services: ["*"] },
  }),
);

/**
 * The bindings hono's Lambda adapter hands the app for a function URL request that IAM let
 * through (`c.env.requestContext`): the request context of the event, authorizer included,
 * read by the same `lambdaCaller` the Lambda entry uses.
 */
function signedBy(userArn: string, accountId = ACCOUNT) {
  return {
    requestContext: {
      accountId: ACCOUNT,
      authorizer: {
        iam: {
          accessKey: "ASIAEXAMPLE",
          accountId,
          callerId: "AROAEXAMPLE:session",
          cognitoIdentity: null,
          principalOrgId: null,
          userArn,
          userId: "AROAEXAMPLE:session",
        },
      },
    },
  };
}
const role = (name: string, session: string) =>
  signedBy(`arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${session}`);
/** CloudFront signing through origin access control: an identity the map never names. */
const CLOUDFRONT = signedBy(
  "arn:aws:sts::999999999999:assumed-role/CloudFront/oac",
  "999999999999",
);

describe("IAM roles as principals (AWS_IAM function URL)", () => {
  let r: TestRegistry;
  beforeEach(async () => {
    r = await testRegistry(engine("sqlite"), {
      security: { iam: { roles: ROLES, callerOf: lambdaCaller } },
    });
  });

  const send = (
    method: string,
    path: string,
    bindings: object,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    r.app.request(
      path,
      {
        method,
        headers: {
          // What IAM leaves in Authorization: the caller's own SigV4 signature, no token.
          Authorization:
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261201/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
      bindings,
    );

  it("lets a mapped role write its services and no other, with no token", async () => {
    const node = role("db-nodes", "i-0aaa");
    const ok = await send("POST", "/v1/services/db/heartbeats", node, {
      id: "db-1",
      address: "10.0.0.1:5432",
    });
    expect(ok.status).toBe(201);
    const listed = await json(await r.get("/v1/services/db/instances"));
    expect(listed.instances[0].registered_by).toBe(iamFingerprint(ACCOUNT, "db-nodes"));

    const other = await send("POST", "/v1/services/web/heartbeats", node, {
      id: "db-1",
      address: "10.0.0.1:5432",
    });
    expect(other.status).toBe(403);
    expect((await json(other)).error.message).toBe(
      "this IAM role is not allowed to write service web",
    );
    expect((await send("DELETE", "/v1/services/web/instances/x", node)).status).toBe(403);
    // Ownership holds across kinds: the bootstrap token cannot take the role's instance.
    expect((await r.heartbeat("db", { id: "db-1", address: "10.0.0.9:1" })).status).toBe(409);
    expect((await send("DELETE", "/v1/services/db/instances/db-1", node)).status).toBe(204);
  });

  it("lets a read role read everything and write nothing", async () => {
    await r.heartbeat("web", { id: "i-0bbb", address: "10.0.0.2:80" });
    const reader = role("dashboards", "grafana");
    const read = await send("GET", "/v1/services/web/peers.txt", reader);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("10.0.0.2:80\n");
    const write = await send("POST", "/v1/services/web/heartbeats", reader, {
      id: "x",
      address: "10.0.0.3:80",
    });
    expect(write.status).toBe(403);
    expect((await json(write)).error.message).toBe(
      "this IAM role may only read; it cannot write service web",
    );
  });

  it("binds an EC2 instance's role session to its own instance id", async () => {
    const node = role("web-nodes", "i-0ccc");
    const beat = (id: string) =>
      send("POST", "/v1/services/web/heartbeats", node, { id, address: "10.0.0.4:80" });
    expect((await beat("i-0ccc")).status).toBe(201);
    expect((await beat("i-0ccc:8443")).status).toBe(201);
    const other = await beat("i-0ddd");
    expect(other.status).toBe(403);
    expect((await json(other)).error.message).toMatch(/may only write instance i-0ccc/);
    expect((await send("DELETE", "/v1/services/web/instances/i-0ddd", node)).status).toBe(403);
    // In a batch, item by item.
    const batch = await send("POST", "/v1/heartbeats", node, {
      heartbeats: [
        { service: "web", id: "i-0ccc", address: "10.0.0.4:81" },
        { service: "web", id: "i-0eee", address: "10.0.0.5:80" },
      ],
    });
    expect((await json(batch)).results.map((x: { status: number }) => x.status)).toEqual([
      200, 403,
    ]);
    expect((await send("DELETE", "/v1/services/web/instances/i-0ccc", node)).status).toBe(204);
  });

  it("asks anyone else for a token, in X-Muster-Token where Authorization is taken", async () => {
    for (const [n, caller] of [
      CLOUDFRONT,
      role("unmapped", "x"),
      signedBy(`arn:aws:sts::210987654321:assumed-role/web-nodes/i-0ccc`, "210987654321"),
      signedBy(`arn:aws:iam::${ACCOUNT}:user/web-nodes`),
    ].entries()) {
      const body = { id: `i-0fff${n}`, address: "10.0.0.6:80" };
      const none = await send("POST", "/v1/services/web/heartbeats", caller, body);
      expect(none.status).toBe(401);
      expect((await json(none)).error.message).toMatch(/X-Muster-Token/);
      const withToken = await send("POST", "/v1/services/web/heartbeats", caller, body, {
        "X-Muster-Token": TOKEN_A,
      });
      expect(withToken.status).toBe(201);
    }
  });

  it("takes a token from X-Muster-Token with no IAM in front (local mode)", async () => {
    const res = await r.app.request("/v1/services", { headers: { "X-Muster-Token": TOKEN_A } });
    expect(res.status).toBe(200);
    const bad = await r.app.request("/v1/services", { headers: { "X-Muster-Token": "nope" } });
    expect(bad.status).toBe(401);
    // A mapped role's identity means nothing where no adapter put it there.
    const spoofed = await r.app.request("/v1/services", {
      headers: { "X-Amz-Security-Token": "x", "X-Muster-Iam": "web-nodes" },
    });
    expect(spoofed.status).toBe(401);
  });
});
