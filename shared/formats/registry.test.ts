import { describe, expect, it } from "vitest";
import { presignedService } from "../auth/presign.js";
import { FORMATS, formatAt, formatNamed, formatPath, PEER_READERS, WATCHABLE } from "./registry.js";

describe("the format registry", () => {
  it("finds every format again at the path it is served at", () => {
    for (const format of FORMATS) {
      const path = formatPath(format, "web", "node-1");
      expect(formatAt(path), path).toEqual(
        format.scope === "services" ? { format } : { format, service: "web" },
      );
      expect(formatNamed(format.name)).toBe(format);
    }
  });

  it("gives each format its own name and path, and at most one text reader and join format", () => {
    expect(new Set(FORMATS.map((f) => f.name)).size).toBe(FORMATS.length);
    expect(new Set(FORMATS.map((f) => `${f.scope}:${f.path}`)).size).toBe(FORMATS.length);
    expect(PEER_READERS.filter((r) => r.accepts === "text").length).toBeLessThanOrEqual(1);
    expect(FORMATS.filter((f) => f.presign === "join").length).toBeLessThanOrEqual(1);
    expect(WATCHABLE.size).toBe(FORMATS.filter((f) => f.watch).length);
  });

  it("claims no other path, so nothing else is public or presignable", () => {
    for (const path of [
      "/v1/services/web/heartbeats",
      "/v1/services/web/instances/node-1",
      "/v1/services/web/peers.json/x",
      "/v1/services/web/join/1.k.s",
      "/v1/services",
      "/v1/services/web",
      "/v1/admin/presign",
      "/v1/http_sd/x",
    ]) {
      expect(formatAt(path), path).toBeUndefined();
    }
  });

  it("presigns with a query only the formats that say so", () => {
    for (const format of FORMATS) {
      const path = formatPath(format, "web", "node-1");
      expect(presignedService(path), path).toBe(
        format.presign === "query" && format.scope !== "services" ? "web" : undefined,
      );
    }
    expect(presignedService("/v1/services/web/peers.json")).toBe("web");
    expect(presignedService("/v1/services/web/stellar/peers.json")).toBeUndefined();
  });
});
