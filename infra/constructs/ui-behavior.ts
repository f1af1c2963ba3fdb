import { Duration } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import type { Construct } from "constructs";

/**
 * `/ui*`: the web UI's files (docs/ui.md), from the same origin as the API. They hold no data
 * and need no token, so the cache key is the path alone (no Authorization, no query string, no
 * cookie), and CloudFront keeps what the app allows: the content-named script and stylesheet
 * for a year, the page itself (`no-cache`) revalidated every time. Only GET and HEAD.
 */
export function addUiBehavior(
  scope: Construct,
  distribution: cloudfront.Distribution,
  origin: cloudfront.IOrigin,
): void {
  const cachePolicy = new cloudfront.CachePolicy(scope, "UiFiles", {
    comment: "muster web UI: the origin's Cache-Control, keyed on the path only",
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.seconds(0),
    maxTtl: Duration.days(365),
    headerBehavior: cloudfront.CacheHeaderBehavior.none(),
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    enableAcceptEncodingGzip: true,
    enableAcceptEncodingBrotli: true,
  });
  distribution.addBehavior("/ui*", origin, {
    allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
    cachePolicy,
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
    compress: true,
  });
}
