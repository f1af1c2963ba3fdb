import { isIPv4 } from "node:net";
import { INSTANCE_ID } from "../shared/model/names.js";
import { Backoff } from "./client/backoff.js";
import { send } from "./client/http.js";
import { delay } from "./sleep.js";

export const IMDS_ENDPOINT = "http://169.254.169.254";

export interface Ec2Identity {
  instanceId: string;
  localIpv4: string;
}

export interface ImdsOptions {
  /** Default the link-local address every EC2 instance answers on. */
  endpoint?: string;
  /** Per request. Default 1 s: IMDS answers in milliseconds or not at all. */
  timeoutMs?: number;
  /** Early in boot IMDS may not answer yet. Default 4 tries. */
  attempts?: number;
  fetch?: typeof fetch;
}

/**
 * The instance's id and private IPv4 address over IMDSv2: a session token from a PUT, then
 * GETs that carry it. v1 (GET without a token) is never used, since accounts rightly turn it
 * off (`HttpTokens=required`).
 */
export async function readEc2Identity(options: ImdsOptions = {}): Promise<Ec2Identity> {
  const attempts = options.attempts ?? 4;
  const backoff = new Backoff({ initialMs: 250, maxMs: 2000 });
  for (let attempt = 1; ; attempt++) {
    try {
      return await readOnce(options);
    } catch (err) {
      if (attempt >= attempts) {
        throw new Error(
          `instance metadata (IMDSv2) at ${options.endpoint ?? IMDS_ENDPOINT} did not answer: ${
            err instanceof Error ? err.message : String(err)
          }`,
        );
      }
      await delay(backoff.next());
    }
  }
}

/**
 * An IMDSv2 session: a token from a PUT, then a reader of `/latest/meta-data/<path>` that
 * sends it. v1 (GET without a token) is never used.
 */
export async function imdsSession(options: {
  endpoint: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}): Promise<(path: string) => Promise<string>> {
  const base = options.endpoint.replace(/\/+$/, "");
  const common = { timeoutMs: options.timeoutMs, fetch: options.fetch };
  const token = (
    await send(`${base}/latest/api/token`, {
      ...common,
      method: "PUT",
      // Long enough for a few reads; a token is worth nothing once the agent has its answer.
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" },
    })
  ).text.trim();
  return async (path: string) =>
    (
      await send(`${base}/latest/meta-data/${path}`, {
        ...common,
        headers: { "X-aws-ec2-metadata-token": token },
      })
    ).text.trim();
}

async function readOnce(options: ImdsOptions): Promise<Ec2Identity> {
  const get = await imdsSession({
    endpoint: options.endpoint ?? IMDS_ENDPOINT,
    timeoutMs: options.timeoutMs ?? 1000,
    fetch: options.fetch,
  });
  const [instanceId, localIpv4] = await Promise.all([get("instance-id"), get("local-ipv4")]);
  if (!INSTANCE_ID.test(instanceId))
    throw new Error(`unexpected instance-id ${JSON.stringify(instanceId)}`);
  if (!isIPv4(localIpv4)) throw new Error(`unexpected local-ipv4 ${JSON.stringify(localIpv4)}`);
  return { instanceId, localIpv4 };
}
