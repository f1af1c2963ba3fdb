import { describe, expect, it } from "vitest";
import {
  iamFingerprint,
  iamPrincipal,
  instanceAllowed,
  parseIamRoles,
  roleName,
  rolePath,
} from "./iam-roles.js";

const ACCOUNT = "123456789012";
const roles = parseIamRoles(
  JSON.stringify({
    "ops/web-nodes": { role: "register", services: ["web", "web-*"], bindInstanceId: true },
    dashboards: { role: "read", services: ["*"] },
  }),
);
const session = (role: string, name: string, account = ACCOUNT) => ({
  accountId: account,
  userArn: `arn:aws:sts::${account}:assumed-role/${role}/${name}`,
});

describe("MUSTER_IAM_ROLES", () => {
  it("keys roles by name, keeping the path for the resource policy's ARN", () => {
    expect([...roles.keys()]).toEqual(["web-nodes", "dashboards"]);
    expect(roles.get("dashboards")).toEqual({
      role: "read",
      services: ["*"],
      bindInstanceId: false,
    });
    expect([roleName("ops/web-nodes"), rolePath("ops/web-nodes")]).toEqual(["web-nodes", "/ops/"]);
    expect([roleName("a/b/c"), rolePath("a/b/c"), rolePath("c")]).toEqual(["c", "/a/b/", "/"]);
  });

  it("names the role and field of every mistake", () => {
    const bad = (value: unknown) => () => parseIamRoles(JSON.stringify(value));
    expect(bad({ n: { role: "admin", services: ["a"] } })).toThrow(
      /n\.role: must be read or register/,
    );
    expect(bad({ n: { role: "read", services: ["Not_A_Label"] } })).toThrow(/n\.services\.0/);
    expect(bad({ n: { role: "read", services: [] } })).toThrow(/n\.services/);
    expect(bad({ n: { role: "read", services: ["a"], extra: 1 } })).toThrow(/extra/);
    expect(bad({ "bad name!": { role: "read", services: ["a"] } })).toThrow(/IAM role name/);
    expect(
      bad({ "a/n": { role: "read", services: ["a"] }, "b/n": { role: "read", services: ["b"] } }),
    ).toThrow(/named twice/);
    expect(() => parseIamRoles("web-nodes=register")).toThrow(/JSON object/);
  });
});

describe("iamPrincipal", () => {
  it("maps an assumed role of the function's own account to its grant", () => {
    expect(iamPrincipal(session("web-nodes", "i-0abc1234def567890"), roles, ACCOUNT)).toEqual({
      fingerprint: iamFingerprint(ACCOUNT, "web-nodes"),
      role: "register",
      services: ["web", "web-*"],
      kind: "iam",
      instance: "i-0abc1234def567890",
    });
    const reader = iamPrincipal(session("dashboards", "grafana"), roles, ACCOUNT);
    expect(reader).toMatchObject({ role: "read", services: ["*"], kind: "iam" });
    expect(reader).not.toHaveProperty("instance");
  });

  it("knows no other caller: those need a token like any request", () => {
    // A role the map does not name, the same name in another account, an IAM user, and
    // CloudFront signing through origin access control.
    expect(iamPrincipal(session("other", "x"), roles, ACCOUNT)).toBeUndefined();
    expect(iamPrincipal(session("web-nodes", "x", "210987654321"), roles, ACCOUNT)).toBeUndefined();
    expect(
      iamPrincipal(
        { accountId: ACCOUNT, userArn: `arn:aws:iam::${ACCOUNT}:user/web-nodes` },
        roles,
        ACCOUNT,
      ),
    ).toBeUndefined();
    expect(
      iamPrincipal(
        { accountId: ACCOUNT, userArn: "arn:aws:sts::123456789012:assumed-role/web-nodes" },
        roles,
        ACCOUNT,
      ),
    ).toBeUndefined();
    // The caller's own account field must agree with its ARN's.
    expect(
      iamPrincipal(
        { accountId: "210987654321", userArn: session("web-nodes", "x").userArn },
        roles,
        ACCOUNT,
      ),
    ).toBeUndefined();
  });

  it("gives one fingerprint per role and account, never the role's name", () => {
    const a = iamFingerprint(ACCOUNT, "web-nodes");
    expect(a).toMatch(/^iam_[0-9a-f]{16}$/);
    expect(a).not.toBe(iamFingerprint("210987654321", "web-nodes"));
    expect(a).not.toBe(iamFingerprint(ACCOUNT, "web-node"));
  });

  it("binds a session to its own instance id, alone or followed by a colon", () => {
    const bound = iamPrincipal(session("web-nodes", "i-0abc"), roles, ACCOUNT);
    if (!bound) throw new Error("unmapped");
    expect(instanceAllowed(bound, "i-0abc")).toBe(true);
    expect(instanceAllowed(bound, "i-0abc:7002")).toBe(true);
    expect(instanceAllowed(bound, "i-0abcd")).toBe(false);
    expect(instanceAllowed(bound, "i-0ab")).toBe(false);
    expect(instanceAllowed(bound, "web-1")).toBe(false);
    const free = iamPrincipal(session("dashboards", "x"), roles, ACCOUNT);
    if (!free) throw new Error("unmapped");
    expect(instanceAllowed(free, "anything")).toBe(true);
  });
});
