import { type TestRegistry, TOKEN_A } from "./registry.js";

export interface ConsulCall {
  method?: string;
  /** Sent as X-Consul-Token; null: none. */
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request to the app's Consul API, as Consul's clients send it. */
export function consul(r: Pick<TestRegistry, "app">, path: string, call: ConsulCall = {}) {
  const { method = "GET", token = TOKEN_A, body, headers = {} } = call;
  return r.app.request(path, {
    method,
    headers: {
      ...(token === null ? {} : { "X-Consul-Token": token }),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

/** The body of `PUT /v1/agent/service/register` as HashiCorp's Go client encodes it. */
export function goRegistration(
  overrides: Record<string, unknown> = {},
  check: Record<string, unknown> = {},
) {
  return {
    ID: "web-1",
    Name: "web",
    Tags: ["primary"],
    Port: 8080,
    Address: "10.0.0.5",
    Meta: { version: "1.2.3" },
    Check: { TTL: "10s", ...check },
    Checks: null,
    ...overrides,
  };
}

/** X-Consul-Index as a number. */
export const indexOf = (res: Response) => Number(res.headers.get("x-consul-index"));
