import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isNetworkFailure, whyUnreachable } from "./why-unreachable.js";

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const failure = (url: string) =>
  fetch(url).then(
    () => {
      throw new Error("answered");
    },
    (err: unknown) => err,
  );

/** What undici throws when the server's certificate is not trusted (its shape, as in Node 24). */
const untrusted = (code: string, message: string) =>
  new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) });

describe("whyUnreachable", () => {
  it("says a refused connection is nothing listening, naming the address", async () => {
    const port = await closedPort();
    const err = await failure(`http://127.0.0.1:${port}/v1/services`);
    expect(isNetworkFailure(err)).toBe(true);
    expect(whyUnreachable(err, `http://127.0.0.1:${port}/v1/services`)).toBe(
      `connection refused (ECONNREFUSED): nothing listens on 127.0.0.1:${port}; is the registry running, and is the URL right?`,
    );
  });

  it("says https to a port that speaks plain HTTP needs http://", async () => {
    const server = createServer((socket) =>
      socket.on("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n")),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      const err = await failure(`https://127.0.0.1:${port}/`);
      expect(whyUnreachable(err, `https://127.0.0.1:${port}/`)).toMatch(
        /does not speak TLS; use http:\/\/ for it$/,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("says how to trust a CA for a certificate Node does not trust, and what is wrong with NODE_EXTRA_CA_CERTS", async () => {
    const err = untrusted("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate");
    const url = "https://127.0.0.1:8787/v1/admin/presign";
    expect(whyUnreachable(err, url, { env: {} })).toBe(
      "the certificate of 127.0.0.1:8787 is not trusted here (self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT): give Node the CA that signed it (for a self-signed certificate, the certificate itself) in PEM: NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or NODE_OPTIONS=--use-system-ca if the system trusts it",
    );
    const dir = await mkdtemp(join(tmpdir(), "muster-ca-"));
    try {
      const missing = join(dir, "missing.pem");
      expect(whyUnreachable(err, url, { env: { NODE_EXTRA_CA_CERTS: missing } })).toMatch(
        new RegExp(
          `NODE_EXTRA_CA_CERTS=${missing} cannot be read \\(ENOENT\\), so Node ignored it$`,
        ),
      );
      const notPem = join(dir, "not.pem");
      await writeFile(notPem, "hello");
      expect(whyUnreachable(err, url, { env: { NODE_EXTRA_CA_CERTS: notPem } })).toMatch(
        /holds no PEM certificate$/,
      );
      const other = join(dir, "other.pem");
      await writeFile(other, "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");
      expect(whyUnreachable(err, url, { env: { NODE_EXTRA_CA_CERTS: other } })).toMatch(
        /does not hold the CA that signed it/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(
      whyUnreachable(untrusted("CERT_HAS_EXPIRED", "certificate has expired"), url, { env: {} }),
    ).toMatch(/needs a certificate valid today$/);
  });

  it("names what was meant to be reached, and passes other errors on as they are", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8000"), {
        code: "ECONNREFUSED",
      }),
    });
    expect(whyUnreachable(refused, "http://127.0.0.1:8000", { what: "DynamoDB" })).toContain(
      "is DynamoDB running",
    );
    expect(whyUnreachable(new Error("boom"), "http://x")).toBe("boom");
    expect(isNetworkFailure(new Error("boom"))).toBe(false);
  });
});
