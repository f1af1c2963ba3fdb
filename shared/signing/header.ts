/**
 * The signature header of a signed read:
 *
 *   Muster-Signature: keyid="<kid>", alg="ed25519", sig="<base64url>"
 *
 * A plain header of quoted parameters rather than RFC 9421's Signature-Input/Signature pair:
 * it covers one thing, the body bytes, so there are no covered components to name, and any
 * HTTP client (curl, a shell script with openssl) can take it apart.
 */
export const SIGNATURE_HEADER = "Muster-Signature";

/** The only algorithm; named in the header so that a future one is a new value, not a guess. */
export const SIGNATURE_ALG = "ed25519";

export interface SignatureParams {
  keyid: string;
  alg: string;
  sig: string;
}

export function formatSignatureHeader({ keyid, sig }: Pick<SignatureParams, "keyid" | "sig">) {
  return `keyid="${keyid}", alg="${SIGNATURE_ALG}", sig="${sig}"`;
}

/** Room for a 43-character kid and an 86-character signature, with slack; bounds the parse. */
const MAX_HEADER_LENGTH = 512;
const PARAM = /^\s*([a-z]+)="([A-Za-z0-9_-]*)"\s*$/;

/**
 * The parameters of a header value, or undefined when it is absent or not exactly the three
 * parameters once each (a duplicate is refused: which one would be meant is a guess).
 */
export function parseSignatureHeader(
  value: string | null | undefined,
): SignatureParams | undefined {
  if (!value || value.length > MAX_HEADER_LENGTH) return undefined;
  const params = new Map<string, string>();
  for (const part of value.split(",")) {
    const match = PARAM.exec(part);
    if (!match?.[1] || match[2] === undefined || params.has(match[1])) return undefined;
    params.set(match[1], match[2]);
  }
  const keyid = params.get("keyid");
  const alg = params.get("alg");
  const sig = params.get("sig");
  if (params.size !== 3 || !keyid || !alg || !sig) return undefined;
  return { keyid, alg, sig };
}
