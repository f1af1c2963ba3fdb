import { hash } from "node:crypto";
import type { Principal } from "../model/principal.js";
import * as z from "../validation/zod.js";
import { servicePattern } from "./scopes.js";

/**
 * IAM roles whose callers the API knows without a token: nodes in AWS sign their requests to
 * the function URL (AuthType AWS_IAM) with SigV4 under their own role, Lambda checks the
 * signature and the function's resource policy, and hands the function the caller's identity
 * (`requestContext.authorizer.iam`). This map turns that identity into a principal.
 *
 * Keyed by role name, optionally with its IAM path (`ops/web-nodes`): the stack names each
 * role's ARN in the resource policy from it, and the caller's session ARN
 * (`arn:aws:sts::<account>:assumed-role/<name>/<session>`) carries the name without the path.
 * By name, not by tag: the event carries the caller's ARN only, and reading a role's tags
 * would cost an IAM call and an IAM right on the request path.
 */
export interface IamRoleGrant {
  /** `read` reads its services; `register` also heartbeats and deregisters in them. */
  role: "read" | "register";
  /** Service patterns, as a scoped token's (`web`, `web-*`, `*`). */
  services: string[];
  /**
   * Writes only of the instance whose id is the caller's role session name, or starts with it
   * and a colon (`i-0abc…`, `i-0abc…:7002`). An EC2 instance profile's session name is the
   * instance id, so each instance can register and remove itself and no other.
   */
  bindInstanceId: boolean;
}

export type IamRoleMap = ReadonlyMap<string, IamRoleGrant>;

/** IAM's own rules for a role name and a path segment. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_KEY = /^(?:[\w+=,.@-]{1,64}\/){0,8}[\w+=,.@-]{1,64}$/;

const grant = z.strictObject({
  role: z.enum(["read", "register"], {
    message: "must be read or register (administration takes a token)",
  }),
  services: z.array(servicePattern).check(z.minLength(1), z.maxLength(32)),
  bindInstanceId: z._default(z.boolean(), false),
});

/** The JSON object of MUSTER_IAM_ROLES: `{"<[path/]role name>": {role, services, bindInstanceId?}}`. */
export const iamRoleMapJson = z.record(z.string(), grant);

/** Reads the map from its JSON text, naming the role and field of every problem. */
export function parseIamRoles(text: string): Map<string, IamRoleGrant> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('must be a JSON object {"<role name>": {"role", "services"}}');
  }
  const parsed = iamRoleMapJson.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; "),
    );
  }
  const byName = new Map<string, IamRoleGrant>();
  for (const [key, value] of Object.entries(parsed.data)) {
    if (!ROLE_KEY.test(key)) {
      throw new Error(
        `${key}: must be an IAM role name, optionally after its path (ops/web-nodes)`,
      );
    }
    const name = roleName(key);
    if (byName.has(name)) throw new Error(`${key}: role ${name} is named twice`);
    byName.set(name, value);
  }
  return byName;
}

/** `ops/web-nodes` → `web-nodes`. */
export function roleName(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** `ops/web-nodes` → `/ops/` (IAM's form of a path), `web-nodes` → `/`. */
export function rolePath(key: string): string {
  const at = key.lastIndexOf("/");
  return at < 0 ? "/" : `/${key.slice(0, at)}/`;
}

/** The caller as Lambda describes it in a function URL event (`requestContext.authorizer.iam`). */
export interface IamCaller {
  accountId: string;
  userArn: string;
}

const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/;

/**
 * The principal of a caller whose role the map names, in the function's own account; undefined
 * for any other caller (CloudFront through origin access control, an IAM user, a role of
 * another account or not in the map), which then needs a token like any request.
 */
export function iamPrincipal(
  caller: IamCaller,
  roles: IamRoleMap,
  functionAccount: string,
): Principal | undefined {
  const match = ASSUMED_ROLE.exec(caller.userArn);
  if (!match) return undefined;
  const [, account, name, session] = match as unknown as [string, string, string, string];
  if (account !== functionAccount || caller.accountId !== functionAccount) return undefined;
  if (!ROLE_NAME.test(name)) return undefined;
  const grant = roles.get(name);
  if (!grant) return undefined;
  return {
    fingerprint: iamFingerprint(account, name),
    role: grant.role,
    services: grant.services,
    kind: "iam",
    ...(grant.bindInstanceId ? { instance: session } : {}),
  };
}

/**
 * What instances a role registers carry as `registered_by`: one per role, as a shared token's,
 * so that any node of a fleet may renew what another registered. Hashed like a token's
 * fingerprint, so the role's name is not shown to readers.
 */
export function iamFingerprint(account: string, name: string): string {
  return `iam_${hash("sha256", `muster-iam-v1\0${account}:${name}`, "hex").slice(0, 16)}`;
}

/** Whether a principal bound to its session may write this instance id. */
export function instanceAllowed(principal: Principal, id: string): boolean {
  const bound = principal.instance;
  return bound === undefined || id === bound || id.startsWith(`${bound}:`);
}
