import { describe, expect, it } from "vitest";
import { readEc2Identity } from "../../agent/imds.js";
import { startImdsDouble } from "./imds-double.js";

describe("readEc2Identity", () => {
  it("reads instance-id and local-ipv4 with an IMDSv2 session token", async () => {
    const imds = await startImdsDouble({ instanceId: "i-0abc123", localIpv4: "10.1.2.3" });
    try {
      expect(await readEc2Identity({ endpoint: imds.endpoint })).toEqual({
        instanceId: "i-0abc123",
        localIpv4: "10.1.2.3",
      });
      expect(imds.requests.sort()).toEqual([
        "GET /latest/meta-data/instance-id",
        "GET /latest/meta-data/local-ipv4",
        "PUT /latest/api/token",
      ]);
    } finally {
      await imds.close();
    }
  });

  it("gives up after its attempts when nothing answers, naming the endpoint", async () => {
    const imds = await startImdsDouble({ instanceId: "i-1", localIpv4: "10.0.0.1" });
    const { endpoint } = imds;
    await imds.close();
    await expect(readEc2Identity({ endpoint, attempts: 2, timeoutMs: 200 })).rejects.toThrow(
      `instance metadata (IMDSv2) at ${endpoint} did not answer`,
    );
  });

  it("refuses an answer that is not an instance id and an IPv4 address", async () => {
    const imds = await startImdsDouble({ instanceId: "i-1", localIpv4: "not-an-ip" });
    try {
      await expect(readEc2Identity({ endpoint: imds.endpoint, attempts: 1 })).rejects.toThrow(
        /unexpected local-ipv4/,
      );
    } finally {
      await imds.close();
    }
  });
});
