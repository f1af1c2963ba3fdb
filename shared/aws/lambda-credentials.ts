import { fromEnv } from "@aws-sdk/credential-provider-env";
import { chain } from "@smithy/core/config";
import { fromContainerMetadata } from "@smithy/credential-provider-imds";

type Init = Parameters<typeof fromEnv>[0] & Parameters<typeof fromContainerMetadata>[0];

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (an esbuild
 * alias, infra/lambda-bundle.ts). Lambda hands a function its role's credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, the first link of the SDK's
 * default chain; the rest of that chain (SSO, profiles, processes, web identity, login) never
 * answers there but bundles the SDK's STS, SSO and sign-in clients, about 120 KiB. A container
 * credentials endpoint (AWS_CONTAINER_CREDENTIALS_*) is still tried after the environment.
 * The client memoises and refreshes what this returns, as it does the default chain's.
 */
export const defaultProvider = (init: Init = {}) =>
  chain(fromEnv(init), fromContainerMetadata(init));
