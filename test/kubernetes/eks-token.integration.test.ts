import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { motoVenv } from "../../scripts/tool-cache.mjs";
import { eksToken } from "../../shared/kube/eks-token.js";

const SCRIPT = fileURLToPath(new URL("./aws-cli-eks-token.py", import.meta.url));

/** The token botocore makes as `aws eks get-token` does, at a fixed second (moto's venv has botocore). */
function awsCliToken(input: {
  cluster: string;
  region: string;
  access_key: string;
  secret_key: string;
  session_token?: string;
  time: string;
}): string {
  const { AWS_ENDPOINT_URL: _, AWS_ENDPOINT_URL_STS: __, ...env } = process.env;
  return execFileSync(join(motoVenv(), "bin", "python"), [SCRIPT], {
    input: JSON.stringify(input),
    env,
    encoding: "utf8",
  }).trim();
}

describe("the EKS token", () => {
  it.each([
    {
      cluster: "prod-eu",
      region: "eu-west-1",
      access_key: "ASIAEXAMPLEKEY",
      secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      session_token: "IQoJb3JpZ2luX2VjE//session/token+with=odd chars",
      time: "2026-12-02T10:20:30Z",
    },
    {
      cluster: "c_1",
      region: "us-east-1",
      access_key: "AKIDEXAMPLE",
      secret_key: "secret",
      time: "2027-02-28T23:59:59Z",
    },
  ])("is byte for byte what botocore makes for `aws eks get-token` ($region)", async (input) => {
    const ours = await eksToken({
      cluster: input.cluster,
      region: input.region,
      credentials: {
        accessKeyId: input.access_key,
        secretAccessKey: input.secret_key,
        sessionToken: input.session_token,
      },
      signingDate: new Date(input.time),
    });
    expect(ours).toBe(awsCliToken(input));
  });
});
