import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import { vi } from "vitest";

export interface LambdaRequest {
  method: string;
  /** Path with an optional `?query`. */
  path: string;
  /** Sent as `Authorization: Bearer <token>` unless null. */
  token: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** The URL's host (default a function URL's). */
  host?: string;
  /** What Lambda puts in `requestContext.authorizer.iam` once IAM accepted the signature. */
  iam?: { accessKey: string; accountId: string; callerId: string; userArn: string };
  /** A body as sent, when it is not JSON of `body`. */
  rawBody?: string;
}

/** A function URL / HTTP API (payload v2) event, as Lambda hands it to the handler. */
export function httpEvent({
  method,
  path,
  token,
  body,
  headers = {},
  host = "abc123.lambda-url.us-east-1.on.aws",
  iam,
  rawBody,
}: LambdaRequest): APIGatewayProxyEventV2 {
  const [rawPath = "/", rawQueryString = ""] = path.split("?");
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: {
      host,
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      ...(iam
        ? {
            authorizer: {
              iam: {
                ...iam,
                cognitoIdentity: null,
                principalOrgId: null,
                userId: iam.callerId,
              },
            },
          }
        : {}),
      domainName: host,
      domainPrefix: host.split(".")[0] ?? "",
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "muster-test",
      },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "21/Nov/2026:00:00:00 +0000",
      timeEpoch: Date.now(),
    },
    ...(rawBody !== undefined
      ? { body: rawBody }
      : body === undefined
        ? {}
        : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyResultV2>;
export type LambdaResult = { statusCode: number; headers: Record<string, string>; body: string };

/**
 * Imports functions/api.ts afresh with this environment (it reads its configuration at
 * import); undo with `vi.unstubAllEnvs()` after each test.
 */
export async function loadApiHandler(
  env: Record<string, string>,
): Promise<(e: APIGatewayProxyEventV2) => Promise<LambdaResult>> {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.resetModules();
  const { handler } = (await import("../../functions/api.js")) as unknown as { handler: Handler };
  return async (e) => (await handler(e, {} as Context)) as LambdaResult;
}
