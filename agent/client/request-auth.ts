import { payloadHash, RequestSigner, type SignableRequest } from "../aws/sigv4.js";

/** A bearer token, or where to get it each time (a token file that is rotated in place). */
export type TokenSource = string | (() => string | Promise<string>);

export interface RequestAuth {
  token?: TokenSource;
  /** Signs with SigV4 (a node in AWS writing to the function URL under its own role). */
  signer?: RequestSigner;
}

export const TOKEN_HEADER = "X-Muster-Token";

/**
 * The headers a request goes with, credentials added:
 * - a body's SHA-256 in `x-amz-content-sha256`, which CloudFront's origin access control needs
 *   for a POST (Lambda accepts no unsigned payload) and SigV4 signs;
 * - a token in `X-Muster-Token`, the header that reaches the function through CloudFront (whose
 *   origin access control takes Authorization for its own signature), and also in
 *   `Authorization: Bearer`, for a registry reached directly (local mode, older registries);
 * - with a signer, the SigV4 signature in Authorization (and the token, if any, beside it).
 */
export async function withAuth(
  auth: RequestAuth,
  request: SignableRequest,
): Promise<Record<string, string>> {
  const headers = { ...request.headers };
  if (request.body !== undefined) headers["x-amz-content-sha256"] = payloadHash(request.body);
  const token = typeof auth.token === "function" ? await auth.token() : auth.token;
  if (token) {
    headers[TOKEN_HEADER] = token;
    if (!auth.signer) headers.Authorization = `Bearer ${token}`;
  }
  return auth.signer ? auth.signer.sign({ ...request, headers }) : headers;
}

export { RequestSigner };
