import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { CredentialProvider } from "./credentials.js";

/**
 * SHA-256 as @smithy/signature-v4 takes it, from node:crypto: the signer is the AWS SDK's own
 * (about 14 KiB in the agent's bundle), its hashing Node's, so no other part of the SDK comes
 * along.
 */
class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash =
      secret === undefined
        ? createHash("sha256")
        : createHmac("sha256", typeof secret === "string" ? secret : toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === "string" ? data : toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

/** `<url-id>.lambda-url.<region>.on.aws`: a function URL names its region. */
const FUNCTION_URL_HOST = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

/** The region of a Lambda function URL, or undefined for any other host. */
export function functionUrlRegion(url: string): string | undefined {
  return URL.canParse(url) ? FUNCTION_URL_HOST.exec(new URL(url).hostname)?.[1] : undefined;
}

/** The hex SHA-256 of a body: `x-amz-content-sha256`, which CloudFront's origin access control needs too. */
export function payloadHash(body: string | undefined): string {
  return createHash("sha256")
    .update(body ?? "")
    .digest("hex");
}

export interface SignableRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface SignerOptions {
  credentials: CredentialProvider;
  /** Default: the region in the function URL's host name. */
  region?: string;
  /** The SigV4 service name; a function URL's is `lambda`. */
  service?: string;
  /** For tests: the signing time. */
  now?: () => Date;
}

/**
 * Signs requests to a Lambda function URL (AuthType AWS_IAM) with SigV4 under the caller's own
 * credentials: `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials) and
 * `x-amz-content-sha256` (the body's hash, which Lambda checks against the body).
 */
export class RequestSigner {
  readonly #options: SignerOptions;
  readonly #signers = new Map<string, SignatureV4>();

  constructor(options: SignerOptions) {
    this.#options = options;
  }

  /** The headers to send: the request's own, signed, plus the signature's. */
  async sign(request: SignableRequest): Promise<Record<string, string>> {
    const url = new URL(request.url);
    const region = this.#options.region ?? functionUrlRegion(request.url);
    if (region === undefined) {
      throw new Error(
        `${url.host} is not a Lambda function URL (<id>.lambda-url.<region>.on.aws): give the region to sign for`,
      );
    }
    let signer = this.#signers.get(region);
    if (!signer) {
      signer = new SignatureV4({
        service: this.#options.service ?? "lambda",
        region,
        credentials: this.#options.credentials,
        sha256: NodeSha256,
      });
      this.#signers.set(region, signer);
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const had = query[k];
      query[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
    }
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: {
          ...request.headers,
          host: url.host,
          "x-amz-content-sha256": payloadHash(request.body),
        },
        ...(request.body === undefined ? {} : { body: request.body }),
      },
      this.#options.now ? { signingDate: this.#options.now() } : {},
    );
    // fetch sets Host from the URL itself, to the same value that was signed.
    const { host: _fromUrl, ...headers } = signed.headers;
    return headers;
  }
}
