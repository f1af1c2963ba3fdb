import { type Context, Hono } from "hono";
import { ConsulError } from "../../consul/errors.js";
import { foldKeys, isPlainObject } from "../../consul/fold-keys.js";
import { decodeRegistration } from "../../consul/registration.js";
import { deregister, register, updateCheck } from "../../consul/writes.js";
import { STATUSES, type Status } from "../../model/instance.js";
import type { AppEnv } from "../env.js";
import { MAX_BODY_BYTES } from "../json-body.js";
import { consulWritten } from "./answer.js";
import type { ConsulDeps } from "./options.js";
import { consulPrincipal } from "./principal.js";

/** The body of a write, as Consul's agent reads it (16 KiB at most, as muster's own). */
async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new ConsulError(413, `Request body too large: more than ${MAX_BODY_BYTES} bytes`);
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConsulError(400, `Request decode failed: ${(err as Error).message}`);
  }
}

/** Consul's words for a registration it refuses, then what muster adds. */
function registrationRefusal(issues: { path: string; message: string }[]): ConsulError {
  const first = issues[0] ?? { path: "(body)", message: "invalid" };
  if (first.path === "Name" && first.message === "Missing service name") {
    return new ConsulError(400, "Missing service name");
  }
  if (first.message === "is not a known field") {
    const field = first.path.split(".").at(-1) ?? first.path;
    return new ConsulError(400, `Request decode failed: json: unknown field "${field}"`);
  }
  const all = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  if (/^Checks?(\.|$)/.test(first.path)) return new ConsulError(400, `Invalid check: ${all}`);
  if (first.path.startsWith("Weights")) return new ConsulError(400, `Invalid Weights: ${all}`);
  if (first.path.startsWith("Meta")) return new ConsulError(400, `Invalid Service Meta: ${all}`);
  return new ConsulError(400, `Request decode failed: ${all}`);
}

/** `?replace-existing-checks`: present and empty, or a Go boolean. */
function replaceExistingChecks(c: Context): boolean {
  const value = c.req.query("replace-existing-checks");
  if (value === undefined) return false;
  if (value === "" || ["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  throw new ConsulError(
    400,
    `Invalid value for ?replace-existing-checks: ${JSON.stringify(value)}`,
  );
}

const isStatus = (v: unknown): v is Status => STATUSES.includes(v as Status);

/**
 * The agent endpoints' writes: register, deregister, and TTL check updates. Each answers
 * Consul's 200 with an empty body.
 */
export function consulWrites(deps: ConsulDeps): Hono<AppEnv> {
  const writer = {
    store: deps.store,
    aliases: deps.aliases,
    now: deps.now,
    quotas: deps.quotas,
  };
  const app = new Hono<AppEnv>();

  app.put("/agent/service/register", async (c) => {
    const principal = await consulPrincipal(c, deps);
    const replace = replaceExistingChecks(c);
    const decoded = decodeRegistration(await jsonBody(c));
    if (!decoded.ok) throw registrationRefusal(decoded.issues);
    await register(writer, principal, decoded.value, replace);
    return consulWritten(c);
  });

  app.put("/agent/service/deregister/:id{.+}", async (c) => {
    const principal = await consulPrincipal(c, deps);
    await deregister(writer, principal, c.req.param("id"));
    return consulWritten(c);
  });

  app.put("/agent/check/update/:id{.+}", async (c) => {
    const principal = await consulPrincipal(c, deps);
    const body = await jsonBody(c);
    if (!isPlainObject(body))
      throw new ConsulError(400, "Request decode failed: not a JSON object");
    const { value } = foldKeys(body, ["Status", "Output"]);
    const status = value.Status ?? "";
    if (!isStatus(status)) throw new ConsulError(400, `Invalid check status: '${String(status)}'`);
    const output = value.Output ?? "";
    if (typeof output !== "string")
      throw new ConsulError(400, "Request decode failed: Output must be a string");
    await updateCheck(writer, principal, c.req.param("id"), status, output);
    return consulWritten(c);
  });

  const legacy: Record<string, Status> = { pass: "passing", warn: "warning", fail: "critical" };
  for (const [verb, status] of Object.entries(legacy)) {
    app.put(`/agent/check/${verb}/:id{.+}`, async (c) => {
      const principal = await consulPrincipal(c, deps);
      await updateCheck(writer, principal, c.req.param("id"), status, c.req.query("note") ?? "");
      return consulWritten(c);
    });
  }

  return app;
}
