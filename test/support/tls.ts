import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { connect } from "node:http2";
import { join } from "node:path";
import { promisify } from "node:util";

export const run = promisify(execFile);

/** A throwaway self-signed certificate for 127.0.0.1 (and localhost), made by the openssl CLI. */
export async function selfSigned(dir: string): Promise<{ cert: string; key: string; pem: string }> {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  return { cert, key, pem: await readFile(cert, "utf8") };
}

/**
 * One HTTP/2 connection trusting `ca`, for many requests (hundreds of heartbeats would
 * otherwise each pay a TLS handshake).
 */
export function h2Client(origin: string, ca: string) {
  const session = connect(origin, { ca });
  session.on("error", () => {});
  const request = (
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const stream = session.request({ ":method": method, ":path": path, ...headers });
      let status = 0;
      let text = "";
      stream.setEncoding("utf8");
      stream.on("response", (h) => {
        status = Number(h[":status"]);
      });
      stream.on("data", (d: string) => {
        text += d;
      });
      stream.on("end", () => resolve({ status, body: text }));
      stream.on("error", reject);
      stream.end(body);
    });
  return { request, close: () => new Promise<void>((done) => session.close(() => done())) };
}

/**
 * A throwaway certificate authority and a server certificate it signed for 127.0.0.1 (and
 * localhost), made by the openssl CLI: what a client trusts through its CA store
 * (`SSL_CERT_FILE` for OpenSSL, `NODE_EXTRA_CA_CERTS` for Node) rather than by pinning.
 */
export async function testCa(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, "ca.pem");
  const caKey = join(dir, "ca-key.pem");
  const cert = join(dir, "server.pem");
  const key = join(dir, "server-key.pem");
  const csr = join(dir, "server.csr");
  const ext = join(dir, "server.ext");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run("openssl", [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    caKey,
    "-out",
    ca,
    "-days",
    "1",
    "-subj",
    "/CN=muster test CA",
  ]);
  await run("openssl", ["req", ...ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"]);
  await writeFile(
    ext,
    "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-out",
    cert,
    "-days",
    "1",
    "-extfile",
    ext,
  ]);
  return { ca, cert, key };
}
