import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { SIGNATURE_HEADER } from "../../shared/signing/header.js";
import { TrustedKeys } from "../../shared/signing/trust.js";
import type { RequestSigner } from "../aws/sigv4.js";
import { send } from "../client/http.js";
import { withAuth } from "../client/request-auth.js";

/**
 * A fetched answer that failed signature verification. Not a location that is merely down:
 * someone may be serving forged peers, so join stops rather than falling through to the
 * next layer, and writes nothing.
 */
export class UntrustedAnswerError extends Error {
  override readonly name = "UntrustedAnswerError";
}

/**
 * The keys of `--verify-key`: muster-keys.json documents by path, file: URL or URL. Pin a
 * copy on disk where you can; a URL is only as trustworthy as its TLS connection, so fetch
 * it over https from the registry itself, never through a mirror you would not trust.
 */
export async function loadTrustedKeys(
  sources: readonly string[],
  options: {
    timeoutMs?: number;
    fetch?: typeof fetch;
    /** `--aws-iam`: a URL is read signed, as the function URL answers no unsigned request. */
    signer?: RequestSigner | undefined;
  } = {},
): Promise<TrustedKeys> {
  const texts = await Promise.all(
    sources.map(async (source) => {
      try {
        if (/^https?:\/\//i.test(source)) {
          const accept = { Accept: "application/json" };
          const headers = options.signer
            ? await withAuth(
                { signer: options.signer },
                { method: "GET", url: source, headers: accept },
              )
            : accept;
          const answer = await send(source, {
            timeoutMs: options.timeoutMs ?? 5000,
            headers,
            fetch: options.fetch,
          });
          return answer.text;
        }
        return await readFile(source.startsWith("file:") ? fileURLToPath(source) : source, "utf8");
      } catch (err) {
        throw new Error(`--verify-key ${source}: ${err instanceof Error ? err.message : err}`);
      }
    }),
  );
  try {
    return TrustedKeys.fromDocuments(texts);
  } catch (err) {
    throw new Error(`--verify-key: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Throws UntrustedAnswerError unless `text` carries a good signature by a trusted key. The
 * text is re-encoded as UTF-8, which gives back the bytes served for any valid UTF-8 body
 * (the registry serves nothing else); a body that was not valid UTF-8 fails.
 */
export function verifyAnswer(
  location: string,
  text: string,
  headers: Headers,
  trusted: TrustedKeys,
  nowMs: number,
): void {
  const why = trusted.check(Buffer.from(text, "utf8"), headers.get(SIGNATURE_HEADER), nowMs);
  if (why !== undefined) {
    throw new UntrustedAnswerError(`${redact(location)} refused: ${why}`);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return url;
  }
}
