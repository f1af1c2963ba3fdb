import { describe, expect, it } from "vitest";
import { KubeCredentialsError } from "../../shared/kube/credentials.js";
import { UsageError } from "../usage.js";
import { watchCommand } from "./command.js";

const base = ["--registry", "http://127.0.0.1:1", "--service", "stellar", "--format", "stellar"];
const env = { MUSTER_TOKEN: "t".repeat(24), KUBECONFIG: "/nonexistent/kubeconfig" };
const run = (more: string[]) => watchCommand([...base, ...more], env).catch((e: unknown) => e);

describe("muster-agent watch --configmap", () => {
  it("is one of the three places an answer can go", async () => {
    const err = await run(["--out-dir", "/tmp/x", "--configmap", "stellar/stellar-peers"]);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      "give --out FILE, --out-dir DIR or --configmap NAMESPACE/NAME (one of them)",
    );
    const three = await run(["--out", "/tmp/x"]);
    expect((three as Error).message).toBe(
      "--format stellar writes three files: give --out-dir DIR or --configmap NAMESPACE/NAME",
    );
  });

  it("looks for the credentials first and says when there are none", async () => {
    const err = await run(["--configmap", "stellar/stellar-peers"]);
    expect(err).toBeInstanceOf(KubeCredentialsError);
    expect((err as Error).message).toBe(
      "KUBECONFIG names /nonexistent/kubeconfig, and none of those files exists",
    );
  });
});
