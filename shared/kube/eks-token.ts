import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";

type Credentials = ConstructorParameters<typeof SignatureV4>[0]["credentials"];

/**
 * An EKS bearer token, as `aws eks get-token` and aws-iam-authenticator make it: an STS
 * `GetCallerIdentity` request presigned with the caller's AWS credentials, the header
 * `x-k8s-aws-id: <cluster>` among the signed ones, its URL in unpadded base64url after
 * `k8s-aws-v1.`. The cluster's authenticator sends that request to STS, learns the role from
 * the answer, and maps it to a Kubernetes user through an access entry. Nothing is sent from
 * here: presigning is local.
 */
export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/**
 * `X-Amz-Expires` as the AWS CLI sets it. STS ignores it for GetCallerIdentity: the URL is good
 * for 15 minutes after `X-Amz-Date` whatever it says (aws-iam-authenticator's comment on it).
 */
export const PRESIGN_SECONDS = 60;
/** The AWS CLI tells clients to refresh its token after 14 minutes; one made here is reused for 10. */
export const TOKEN_REUSE_MS = 10 * 60_000;

/** The regional STS endpoint, in the partition of the EKS endpoint's domain. */
export function stsHost(region: string): string {
  return region.startsWith("cn-")
    ? `sts.${region}.amazonaws.com.cn`
    : `sts.${region}.amazonaws.com`;
}

/** The region in an EKS endpoint (`https://ABC.gr7.eu-west-1.eks.amazonaws.com`), if it is one. */
export function eksEndpointRegion(endpoint: string): string | undefined {
  const host = new URL(endpoint).hostname;
  return /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/** RFC 3986 percent-encoding, as SigV4 and botocore's `percent_encode` do it. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

export interface EksTokenInput {
  cluster: string;
  region: string;
  credentials: Credentials;
  /** When it is signed; default now. */
  signingDate?: Date;
}

export async function eksToken(input: EksTokenInput): Promise<string> {
  const host = stsHost(input.region);
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: "sts",
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: true,
  });
  const operation = { Action: "GetCallerIdentity", Version: "2011-06-15" };
  const signed = await signer.presign(
    {
      method: "GET",
      protocol: "https:",
      hostname: host,
      path: "/",
      query: { ...operation },
      headers: { host, [CLUSTER_ID_HEADER]: input.cluster },
    },
    { expiresIn: PRESIGN_SECONDS, signingDate: input.signingDate ?? new Date() },
  );
  const query = signed.query as Record<string, string>;
  // The order of the AWS CLI's URL: the operation's parameters, then the signature's (a reader
  // parses the query, so the order only matters to a byte-for-byte comparison).
  const order = [
    "Action",
    "Version",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
  ];
  const pairs = order
    .filter((key) => query[key] !== undefined)
    .map((key) => `${encode(key)}=${encode(query[key] as string)}`);
  const url = `https://${host}/?${pairs.join("&")}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url");
}

/** A token reused while it is fresh (TOKEN_REUSE_MS), a new one made after. */
export function eksTokens(
  input: Omit<EksTokenInput, "signingDate">,
  now: () => number = Date.now,
): () => Promise<string> {
  let cached: { token: string; at: number } | undefined;
  let making: Promise<string> | undefined;
  return async () => {
    if (cached && now() - cached.at < TOKEN_REUSE_MS) return cached.token;
    making ??= (async () => {
      const at = now();
      try {
        const token = await eksToken({ ...input, signingDate: new Date(at) });
        cached = { token, at };
        return token;
      } finally {
        making = undefined;
      }
    })();
    return making;
  };
}
