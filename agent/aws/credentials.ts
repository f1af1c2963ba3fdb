import { readFile } from "node:fs/promises";
import { send } from "../client/http.js";
import { IMDS_ENDPOINT, imdsSession } from "../imds.js";

/**
 * AWS credentials as the AWS SDK's providers shape them, so that a library user may pass one
 * of those (`fromNodeProviderChain()` of `@aws-sdk/credential-providers`) instead of ours.
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

export interface ChainOptions {
  /** Default 169.254.169.254 (`--imds-endpoint`; IAM Roles Anywhere's helper serves one too). */
  imdsEndpoint?: string;
  /** Per request. Default 2 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Epoch ms, for refreshing before expiry. */
  now?: () => number;
}

/** Credentials are fetched again this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * The part of the AWS SDK's default chain a node in AWS uses, without the SDK (the agent is one
 * small file): the first source the environment names, in the SDK's order —
 *
 * 1. `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`);
 * 2. a web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`: EKS IAM roles for service
 *    accounts), exchanged with STS's AssumeRoleWithWebIdentity, which takes no signature;
 * 3. a container endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`: an ECS task role;
 *    `AWS_CONTAINER_CREDENTIALS_FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`: EKS Pod
 *    Identity);
 * 4. else the EC2 instance profile, through IMDSv2.
 *
 * Shared config files and SSO are left out: a node has a role, not a person's profile. The
 * answer is kept until five minutes before it expires; concurrent callers share one fetch.
 */
export function defaultCredentials(
  env: NodeJS.ProcessEnv,
  options: ChainOptions = {},
): CredentialProvider {
  return cached(pickSource(env, options), options.now ?? Date.now);
}

function pickSource(env: NodeJS.ProcessEnv, options: ChainOptions): CredentialProvider {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN?.trim();
    const creds = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    return async () => creds;
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return webIdentity(env, options);
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return container(env, options);
  }
  return instanceProfile(options);
}

function cached(source: CredentialProvider, now: () => number): CredentialProvider {
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return async () => {
    const fresh =
      current &&
      (current.expiration === undefined ||
        current.expiration.getTime() - REFRESH_BEFORE_MS > now());
    if (fresh && current) return current;
    pending ??= source()
      .then((creds) => {
        current = creds;
        return creds;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** `{AccessKeyId, SecretAccessKey, Token, Expiration}`: what IMDS and container endpoints answer. */
function fromJson(text: string, where: string): AwsCredentials {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${where} answered something other than JSON credentials`);
  }
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = json;
  if (typeof AccessKeyId !== "string" || typeof SecretAccessKey !== "string") {
    throw new Error(
      `${where} answered no credentials (${String(json.Code ?? json.Message ?? "")})`,
    );
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(typeof Token === "string" ? { sessionToken: Token } : {}),
    ...(typeof Expiration === "string" ? { expiration: new Date(Expiration) } : {}),
  };
}

/** The instance profile's role credentials over IMDSv2 (a token from a PUT, then GETs). */
function instanceProfile(options: ChainOptions): CredentialProvider {
  return async () => {
    const endpoint = options.imdsEndpoint ?? IMDS_ENDPOINT;
    const get = await imdsSession({
      endpoint,
      timeoutMs: options.timeoutMs ?? 2000,
      fetch: options.fetch,
    });
    const roles = (await get("iam/security-credentials/")).split("\n").filter((r) => r !== "");
    const role = roles[0];
    if (role === undefined) {
      throw new Error(`instance metadata at ${endpoint} names no role: attach an instance profile`);
    }
    return fromJson(await get(`iam/security-credentials/${role}`), `instance metadata (${role})`);
  };
}

/** Hosts a full container-credentials URI may name: the ECS and EKS agents', or loopback. */
const CONTAINER_HOSTS =
  /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|169\.254\.170\.2|169\.254\.170\.23|\[fd00:ec2::23\])$/;

function container(env: NodeJS.ProcessEnv, options: ChainOptions): CredentialProvider {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const url = relative
    ? `http://169.254.170.2${relative}`
    : (env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? "");
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  // The SDK's own rule: credentials are fetched from the container agent or loopback only, so
  // that a planted variable cannot send the authorization token to another host.
  if (!parsed || (parsed.protocol === "http:" && !CONTAINER_HOSTS.test(parsed.hostname))) {
    throw new Error(
      `container credentials URI ${JSON.stringify(url)} is not the ECS or EKS agent's`,
    );
  }
  return async () => {
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const authorization = tokenFile
      ? (await readFile(tokenFile, "utf8")).trim()
      : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    const answer = await send(url, {
      timeoutMs: options.timeoutMs ?? 2000,
      headers: authorization ? { Authorization: authorization } : {},
      fetch: options.fetch,
    });
    return fromJson(answer.text, "the container credentials endpoint");
  };
}

/** STS for a web identity: AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, else the region's. */
function stsEndpoint(env: NodeJS.ProcessEnv): string {
  const given = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  if (given) return given.replace(/\/+$/, "");
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  return region ? `https://sts.${region}.amazonaws.com` : "https://sts.amazonaws.com";
}

function webIdentity(env: NodeJS.ProcessEnv, options: ChainOptions): CredentialProvider {
  return async () => {
    const token = (await readFile(env.AWS_WEB_IDENTITY_TOKEN_FILE ?? "", "utf8")).trim();
    const body = new URLSearchParams({
      Action: "AssumeRoleWithWebIdentity",
      Version: "2011-06-15",
      RoleArn: env.AWS_ROLE_ARN ?? "",
      RoleSessionName: env.AWS_ROLE_SESSION_NAME ?? `muster-agent-${Date.now()}`,
      WebIdentityToken: token,
    }).toString();
    const answer = await send(`${stsEndpoint(env)}/`, {
      method: "POST",
      timeoutMs: options.timeoutMs ?? 5000,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body,
      fetch: options.fetch,
    });
    // STS's query API answers XML; the four values are plain text elements of the answer.
    const field = (name: string) =>
      unescapeXml(new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer.text)?.[1]);
    const accessKeyId = field("AccessKeyId");
    const secretAccessKey = field("SecretAccessKey");
    const sessionToken = field("SessionToken");
    const expiration = field("Expiration");
    if (!accessKeyId || !secretAccessKey || !sessionToken) {
      throw new Error("STS AssumeRoleWithWebIdentity answered no credentials");
    }
    return {
      accessKeyId,
      secretAccessKey,
      sessionToken,
      ...(expiration ? { expiration: new Date(expiration) } : {}),
    };
  };
}

const XML_ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
};

function unescapeXml(text: string | undefined): string | undefined {
  return text?.replace(/&(amp|lt|gt|quot|apos);/g, (e) => XML_ENTITIES[e] ?? e);
}
