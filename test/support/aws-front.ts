import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { RequestSigner } from "../../agent/aws/sigv4.js";
import { httpEvent, type LambdaResult } from "./lambda.js";
import { type SignedRequest, type Verdict, verifySigV4 } from "./sigv4-verify.js";

export const ACCOUNT = "123456789012";

/** An AWS principal's credentials, and who IAM says holds them. */
export interface Identity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, as IAM resolves the key. */
  userArn: string;
  accountId: string;
}

export const roleSession = (role: string, session: string, key: string): Identity => ({
  accessKeyId: key,
  secretAccessKey: `secret-of-${key}-0123456789abcdef`,
  sessionToken: `session-token-of-${key}-${"x".repeat(300)}`,
  userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
  accountId: ACCOUNT,
});

/**
 * CloudFront as it signs origin requests through origin access control. Its real identity is
 * AWS's own; the function never maps it, so any ARN outside the function's mapping stands in.
 */
export const CLOUDFRONT = roleSession(
  "CloudFrontOriginAccessControl",
  "cloudfront",
  "ASIACLOUDFRONT",
);

export interface FrontLog {
  /** Each signature check, in order. */
  verdicts: Verdict[];
  /** Each event handed to the function. */
  events: ReturnType<typeof httpEvent>[];
}

type Invoke = (event: ReturnType<typeof httpEvent>) => Promise<LambdaResult>;

const lower = (h: Headers | Record<string, string>) =>
  Object.fromEntries(
    (h instanceof Headers ? [...h.entries()] : Object.entries(h)).map(([k, v]) => [
      k.toLowerCase(),
      v,
    ]),
  );

/**
 * What Lambda does in front of an AWS_IAM function URL, as a `fetch`: the SigV4 signature is
 * checked (botocore, test/support/sigv4-verify.ts) against the secret of the key it names, and
 * the resource policy's verdict is `admitted`; a request that fails either is answered 403 by
 * Lambda itself and never reaches the function. One that passes becomes a function URL event
 * with `requestContext.authorizer.iam` naming the caller, handed to the handler.
 */
export function functionUrlFront(
  invoke: Invoke,
  identities: Identity[],
  log: FrontLog,
  admitted: (identity: Identity) => boolean = () => true,
): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = lower((init?.headers ?? {}) as Record<string, string>);
    const body = typeof init?.body === "string" ? init.body : null;
    return answer(invoke, identities, log, admitted, {
      method: init?.method ?? "GET",
      url: url.href,
      headers: { ...headers, host: url.host },
      body,
    });
  }) as typeof fetch;
}

async function answer(
  invoke: Invoke,
  identities: Identity[],
  log: FrontLog,
  admitted: (identity: Identity) => boolean,
  request: SignedRequest,
): Promise<Response> {
  const key = /Credential=([^/]+)\//.exec(request.headers.authorization ?? "")?.[1];
  const identity = identities.find((i) => i.accessKeyId === key);
  if (!identity) return forbidden("missing or unknown credentials");
  const verdict = await verifySigV4(request, identity);
  log.verdicts.push(verdict);
  if (!verdict.ok || verdict.service !== "lambda") return forbidden(verdict.why);
  if (request.headers["x-amz-security-token"] !== identity.sessionToken) {
    return forbidden("security token");
  }
  if (!admitted(identity)) return forbidden("not allowed by the resource policy");
  const url = new URL(request.url);
  const event = httpEvent({
    method: request.method,
    path: `${url.pathname}${url.search}`,
    token: null,
    headers: request.headers,
    host: url.host,
    ...(request.body === null ? {} : { rawBody: request.body }),
    iam: {
      accessKey: identity.accessKeyId,
      accountId: identity.accountId,
      callerId: `AROAEXAMPLE:${identity.userArn.split("/").pop()}`,
      userArn: identity.userArn,
    },
  });
  log.events.push(event);
  const result = (await invoke(event)) as LambdaResult & { isBase64Encoded?: boolean };
  // The function URL sends a base64 body as bytes; a client then decodes any gzip itself.
  const { "content-encoding": encoding, ...headers } = result.headers;
  let bytes = result.isBase64Encoded
    ? Buffer.from(result.body, "base64")
    : Buffer.from(result.body);
  if (encoding === "gzip") bytes = gunzipSync(bytes);
  return new Response(
    result.statusCode === 204 || result.statusCode === 304 ? null : new Uint8Array(bytes),
    { status: result.statusCode, headers },
  );
}

/** Lambda's own refusal: the function is not invoked, and not billed. */
function forbidden(why: string): Response {
  return new Response(JSON.stringify({ Message: `Forbidden (${why})` }), {
    status: 403,
    headers: { "content-type": "application/json" },
  });
}

/**
 * CloudFront with origin access control in front of that, as a `fetch` of the distribution's
 * URL: a POST or PUT without `x-amz-content-sha256` matching its body is refused (Lambda takes
 * no unsigned payload, and CloudFront signs with the viewer's hash); the viewer's Authorization
 * is replaced by CloudFront's own SigV4 signature for the function URL (signing "always"); the
 * other headers pass (the managed all-viewer-except-host origin request policy), with the
 * headers CloudFront adds.
 */
export function cloudFrontFront(functionUrl: string, front: typeof fetch): typeof fetch {
  const signer = new RequestSigner({ credentials: async () => CLOUDFRONT });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const viewer = new URL(String(input));
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? init.body : undefined;
    const { authorization: _overwritten, ...headers } = lower(
      (init?.headers ?? {}) as Record<string, string>,
    );
    if (method === "POST" || method === "PUT") {
      const hash = createHash("sha256")
        .update(body ?? "")
        .digest("hex");
      if (headers["x-amz-content-sha256"] !== hash) {
        return forbidden("x-amz-content-sha256 missing or not the body's");
      }
    }
    const origin = new URL(`${viewer.pathname}${viewer.search}`, functionUrl).href;
    const signed = await signer.sign({
      method,
      url: origin,
      headers: {
        ...headers,
        via: "2.0 0123456789abcdef.cloudfront.net (CloudFront)",
        "x-amz-cf-id": "EXAMPLE-cf-id==",
      },
      ...(body === undefined ? {} : { body }),
    });
    return front(origin, { method, headers: signed, ...(body === undefined ? {} : { body }) });
  }) as typeof fetch;
}

/** The function URL front as an HTTP server on 127.0.0.1, for programs run as processes. */
export async function serveFunctionUrlFront(
  invoke: Invoke,
  identities: Identity[],
  log: FrontLog,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = lower(
        Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(",") : (v ?? ""),
          ]),
        ),
      );
      const body = chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : null;
      const host = headers.host ?? "";
      answer(invoke, identities, log, () => true, {
        method: req.method ?? "GET",
        url: `http://${host}${req.url ?? "/"}`,
        headers,
        body,
      })
        .then(async (r) => {
          res.writeHead(r.status, Object.fromEntries(r.headers.entries()));
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch((err: unknown) => {
          res.writeHead(500).end(String(err));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `fetch` (a front above) served over HTTP on 127.0.0.1, for clients run as processes. */
export async function serveFetch(
  handle: typeof fetch,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.join(",") : (v ?? ""),
        ]),
      );
      const { host: _host, ...rest } = headers;
      const body = chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : undefined;
      handle(`http://${headers.host}${req.url ?? "/"}`, {
        method: req.method ?? "GET",
        headers: rest,
        ...(body === undefined ? {} : { body }),
      })
        .then(async (r) => {
          res.writeHead(r.status, Object.fromEntries(r.headers.entries()));
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch((err: unknown) => {
          res.writeHead(500).end(String(err));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
