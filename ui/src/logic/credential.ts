/** What the page signs in with: a bearer token, or a presigned URL of one service's /instances. */
export type Credential =
  | { kind: "token"; token: string }
  | { kind: "presigned"; service: string; query: string; expires: number };

const INSTANCES_PATH = /^\/v1\/services\/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\/instances$/;

/**
 * What the sign-in field holds: a presigned URL (absolute, or a path with its query) of a
 * service's `/instances`, or else a token. Only the signature's own parameters are kept, and
 * only the path is used: the page reads its own origin, whatever host the URL names.
 */
export function parseCredential(input: string, origin: string): Credential | { error: string } {
  const text = input.trim();
  if (text === "") return { error: "enter a token or a presigned URL" };
  if (/^https?:\/\//i.test(text) || text.startsWith("/")) {
    let url: URL;
    try {
      url = new URL(text, origin);
    } catch {
      return { error: "this is not a URL" };
    }
    const match = INSTANCES_PATH.exec(url.pathname);
    const expires = url.searchParams.get("expires");
    const kid = url.searchParams.get("kid");
    const sig = url.searchParams.get("sig");
    if (!expires || !kid || !sig)
      return { error: "this URL is not presigned (no expires, kid and sig)" };
    if (!match?.[1]) {
      return {
        error:
          "a presigned URL opens a service only when it is for its /instances (--file instances)",
      };
    }
    const query = new URLSearchParams({ expires, kid, sig }).toString();
    return { kind: "presigned", service: match[1], query, expires: Number(expires) * 1000 };
  }
  if (/\s/.test(text)) return { error: "a token has no spaces" };
  return { kind: "token", token: text };
}

/** A credential read back from storage, or undefined when it is not one. */
export function credentialFrom(value: unknown): Credential | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.kind === "token" && typeof v.token === "string" && v.token !== "") {
    return { kind: "token", token: v.token };
  }
  if (
    v.kind === "presigned" &&
    typeof v.service === "string" &&
    typeof v.query === "string" &&
    typeof v.expires === "number"
  ) {
    return { kind: "presigned", service: v.service, query: v.query, expires: v.expires };
  }
  return undefined;
}
