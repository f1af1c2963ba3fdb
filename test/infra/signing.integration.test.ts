import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allStatements,
  asList,
  cleanUp,
  logicalId,
  roleStatements,
  type Synthesized,
  synthesize,
} from "./synth.js";

const SIGNING_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/signing-AbCdEf";

/** The API function's environment in a synthesized template. */
function apiEnv(s: Synthesized): Record<string, unknown> {
  const api = s.template.findResources("AWS::Lambda::Function", {
    Properties: { Description: "muster HTTP API" },
  });
  return Object.values(api)[0]?.Properties.Environment.Variables ?? {};
}

/** Every resource a GetSecretValue statement of the API role names. */
function readableSecrets(s: Synthesized): unknown[] {
  return roleStatements(s.template, s.stack.api.fn.role)
    .filter((st) => asList(st.Action).includes("secretsmanager:GetSecretValue"))
    .flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]));
}

describe("signing keys in the stack", () => {
  let byDefault: Synthesized;
  let imported: Synthesized;
  beforeAll(() => {
    byDefault = synthesize({}, false);
    imported = synthesize({ signingKeysSecret: SIGNING_ARN }, false);
  }, 120_000);
  afterAll(() => {
    cleanUp(byDefault);
    cleanUp(imported);
  });

  it("seeds the key set in a generated secret: no key material in the template", () => {
    // Secrets Manager makes the random value at deploy; the first key is derived from it
    // (shared/signing/keys.ts), so no custom resource and no PutSecretValue are needed.
    const secrets = byDefault.template.findResources("AWS::SecretsManager::Secret");
    const signing = secrets[logicalId(byDefault.stack.signingKeysSecret)]?.Properties;
    expect(signing).toMatchObject({
      GenerateSecretString: {
        SecretStringTemplate: "{}",
        GenerateStringKey: "generated",
        PasswordLength: 64,
      },
    });
    expect(signing.SecretString).toBeUndefined();
    expect(apiEnv(byDefault)).toMatchObject({
      MUSTER_SIGNING_KEYS_SECRET_ARN: { Ref: logicalId(byDefault.stack.signingKeysSecret) },
    });
  });

  it("lets the API read the signing secret and nothing write any secret", () => {
    expect(readableSecrets(byDefault)).toContainEqual({
      Ref: logicalId(byDefault.stack.signingKeysSecret),
    });
    for (const s of [byDefault, imported]) {
      const actions = allStatements(s.template).flatMap((st) => asList(st.Action));
      expect(actions.filter((a) => a.startsWith("secretsmanager:"))).not.toContainEqual(
        expect.not.stringMatching(/^secretsmanager:GetSecretValue$/),
      );
    }
  });

  it("outputs the secret's ARN and the well-known URL joining nodes verify with", () => {
    byDefault.template.hasOutput("SigningKeysSecretArn", {
      Value: { Ref: logicalId(byDefault.stack.signingKeysSecret) },
    });
    const domain = {
      "Fn::GetAtt": [logicalId(byDefault.stack.frontDoor.distribution), "DomainName"],
    };
    byDefault.template.hasOutput("SigningKeysUrl", {
      Value: { "Fn::Join": ["", ["https://", domain, "/.well-known/muster-keys.json"]] },
    });
  });

  it("uses an existing secret by full ARN, exactly that one, and creates no signing secret", () => {
    expect(apiEnv(imported)).toMatchObject({ MUSTER_SIGNING_KEYS_SECRET_ARN: SIGNING_ARN });
    expect(readableSecrets(imported)).toContainEqual(SIGNING_ARN);
    const secrets = imported.template.findResources("AWS::SecretsManager::Secret");
    for (const secret of Object.values(secrets)) {
      expect(secret.Properties.GenerateSecretString?.GenerateStringKey).not.toBe("generated");
    }
  });

  it("acknowledges no cdk-nag finding it does not explain", () => {
    expect(byDefault.nagViolations).toEqual([]);
    expect(imported.nagViolations).toEqual([]);
  });
});
