import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors.js";
import { MAX_JSON_DEPTH, tooDeep } from "./json-depth.js";

export const MAX_BODY_BYTES = 16 * 1024;

/** 415 unless the request says it is JSON; runs before the size check, as the refusal order (docs/design.md) puts 415 before 413. */
export const requireJson: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type.trim())) {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  await next();
};

/**
 * 413 past `maxSize` bytes, whether the size is announced in Content-Length or only seen
 * streaming. An announced size is compared here from the header alone, as hono's bodyLimit
 * does; hono's check first asks for the body stream, which on Node builds a whole web Request
 * per write.
 */
export function limitBodyTo(maxSize: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new ApiError(413, "payload_too_large", `body is larger than ${maxSize} bytes`);
  };
  const streamedLimit = bodyLimit({ maxSize, onError: tooLarge });
  return (c, next) => {
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number.parseInt(length, 10) > maxSize ? tooLarge() : next();
    }
    return streamedLimit(c, next);
  };
}

/** A single heartbeat's body: at most 16 KiB. */
export const limitBody: MiddlewareHandler = limitBodyTo(MAX_BODY_BYTES);

/** A batch of heartbeats (routes/heartbeat-batch.ts): many bodies of up to 16 KiB each. */
export const MAX_BATCH_BODY_BYTES = 256 * 1024;

/** The body parsed as JSON, or a 400 that says it is not. */
export async function readJson(c: Context, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const text = await c.req.text();
  // bodyLimit trusts a Content-Length header when there is one; in process and on Lambda
  // (the body arrives whole) nothing holds the body to it, so a header that understates the
  // body would let any size through. Measured here, after the fact, in bytes.
  if (Buffer.byteLength(text, "utf8") > maxBytes) {
    throw new ApiError(413, "payload_too_large", `body is larger than ${maxBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "body is not valid JSON", [
      { path: "(body)", message: "is not valid JSON" },
    ]);
  }
  const deep = tooDeep(value);
  if (deep !== undefined) {
    throw new ApiError(400, "invalid_input", `invalid ${deep}`, [
      { path: deep, message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  return value;
}
