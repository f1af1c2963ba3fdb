import { Duration } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { addUiBehavior } from "./ui-behavior.js";

/**
 * Errors CloudFront would otherwise cache for 10 s by default: a node asking for its
 * registry.json just before registering must not be told 404 for the next ten seconds.
 */
const UNCACHED_ERRORS = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];

export interface FrontDoorProps {
  /** The API function; it gets a function URL, which CloudFront uses as its origin. */
  readonly function: lambda.IFunction;
  /**
   * The longest CloudFront may keep a read. The app's `s-maxage` decides within this cap;
   * responses without one (errors, writes, /health) are not cached at all.
   * @default 5
   */
  readonly maxCacheSeconds?: number;
  /** @default cloudfront.PriceClass.PRICE_CLASS_100 */
  readonly priceClass?: cloudfront.PriceClass;
  /**
   * A custom domain for the registry, with `certificateArn`; you point its DNS at the
   * distribution yourself.
   * @default - the distribution's *.cloudfront.net name
   */
  readonly domainName?: string;
  /**
   * An ACM certificate for `domainName`, in us-east-1 (CloudFront's requirement).
   * @default - none; required with `domainName`
   */
  readonly certificateArn?: string;
  /**
   * An AWS WAF web ACL (CLOUDFRONT scope) to attach, e.g. with a rate-based rule.
   * @default - none
   */
  readonly webAclArn?: string;
}

/**
 * Headers that carry a caller's credential through CloudFront, and so key the cache: a token
 * (`X-Muster-Token`; the Consul API's `X-Consul-Token`). Not Authorization: origin access
 * control replaces the viewer's with CloudFront's own SigV4 signature, so a bearer token sent
 * there never reaches the function.
 */
export const CREDENTIAL_HEADERS = ["X-Muster-Token", "X-Consul-Token"] as const;

/**
 * The HTTPS front door: a CloudFront distribution in front of the API function's URL, which
 * only CloudFront (and the node roles the stack maps) may invoke.
 *
 * The function URL's AuthType is AWS_IAM: Lambda refuses an unsigned request before the
 * function runs, and does not bill it. CloudFront signs each origin request with SigV4 through
 * origin access control (OAC), under a resource policy that admits cloudfront.amazonaws.com for
 * this distribution only. OAC takes the Authorization header for its signature, so a client
 * sends its token in `X-Muster-Token`, and a POST sends its body's SHA-256 in
 * `x-amz-content-sha256` (Lambda takes no unsigned payload; CloudFront cannot hash a body).
 *
 * Reads (GET/HEAD) are cached for a few seconds, keyed on the credential headers and the whole
 * query string, so that a herd of joining nodes costs one invocation per token and URL every
 * few seconds and no caller is ever served another caller's answer. Writes (POST, DELETE)
 * always pass through: CloudFront caches only GET and HEAD.
 */
export class FrontDoor extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly functionUrl: lambda.FunctionUrl;
  /** `https://<domain>`, no trailing slash. */
  readonly url: string;
  /** The custom domain, when there is one (its certificate enforces TLS 1.2). */
  readonly domainName: string | undefined;
  /** The attached web ACL, when there is one. */
  readonly webAclArn: string | undefined;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    this.domainName = props.domainName;
    this.webAclArn = props.webAclArn;
    if ((props.domainName === undefined) !== (props.certificateArn === undefined)) {
      throw new Error("domainName and certificateArn go together: set both or neither");
    }
    this.functionUrl = props.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });

    const cachePolicy = new cloudfront.CachePolicy(this, "Reads", {
      comment: "muster reads: a few seconds, per token and query string",
      minTtl: Duration.seconds(0),
      // No Cache-Control, no caching: only what the app marks with s-maxage is kept.
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(props.maxCacheSeconds ?? 5),
      // Part of the cache key, so that an answer is served to the credential that asked for it.
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList(...CREDENTIAL_HEADERS),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const certificate =
      props.certificateArn === undefined
        ? undefined
        : acm.Certificate.fromCertificateArn(this, "Certificate", props.certificateArn);
    // Signs every origin request (SigV4 "always"), and grants cloudfront.amazonaws.com both
    // invoke actions with this distribution as the source ARN. The API and the UI's files
    // share it: one origin, one access control.
    const origin = origins.FunctionUrlOrigin.withOriginAccessControl(this.functionUrl);
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: "muster registry",
      defaultBehavior: {
        origin,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        cachePolicy,
        // Everything the app reads (Content-Type, If-None-Match, x-amz-content-sha256, …)
        // except Host: a function URL routes on its own host name.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        // Refuse plain HTTP rather than redirect: a redirected POST may come back as a GET.
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        compress: true,
      },
      errorResponses: UNCACHED_ERRORS.map((httpStatus) => ({
        httpStatus,
        ttl: Duration.seconds(0),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      ...(props.domainName === undefined
        ? {}
        : {
            domainNames: [props.domainName],
            certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }),
      ...(props.webAclArn === undefined ? {} : { webAclId: props.webAclArn }),
    });
    addUiBehavior(this, this.distribution, origin);
    this.url = `https://${props.domainName ?? this.distribution.distributionDomainName}`;
  }
}
