import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { motoVenv } from "../../scripts/tool-cache.mjs";

const PYTHON = join(motoVenv(), "bin", "python");

/**
 * Checks a SigV4 signature the way the receiving service does, with botocore's signer (the
 * AWS CLI's and boto3's own implementation, from moto's virtualenv): the canonical request is
 * rebuilt from the method, the URL, the headers the signature says it signed and the body (an
 * `x-amz-content-sha256` must be the SHA-256 of the bytes received), the string to sign from the
 * request's own X-Amz-Date and credential scope, and the signature recomputed with the
 * secret key. Says why when the signature does not hold.
 */
const VERIFY = `
import hashlib, hmac, json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

def verdict(r):
  h = {k.lower(): v for k, v in r["headers"].items()}
  auth = h.get("authorization", "")
  if not auth.startswith("AWS4-HMAC-SHA256 "):
      return {"ok": False, "why": "no SigV4 Authorization header"}
  parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
  key_id, date, region, service, term = parts["Credential"].split("/")
  if key_id != r["accessKeyId"] or term != "aws4_request":
      return {"ok": False, "why": "credential scope"}
  signed = parts["SignedHeaders"].split(";")
  # botocore takes a given x-amz-content-sha256 as the payload's hash; the receiving service
  # checks it against the bytes it received.
  body = r["body"].encode() if r["body"] is not None else b""
  if "x-amz-content-sha256" in h and h["x-amz-content-sha256"] != hashlib.sha256(body).hexdigest():
      return {"ok": False, "why": "payload hash mismatch"}
  request = AWSRequest(
      method=r["method"], url=r["url"],
      data=r["body"].encode() if r["body"] is not None else None,
      headers={k: v for k, v in h.items() if k in signed and k != "host"},
  )
  request.context["timestamp"] = h["x-amz-date"]
  if not h["x-amz-date"].startswith(date):
      return {"ok": False, "why": "date outside the credential scope"}
  signer = SigV4Auth(Credentials(r["accessKeyId"], r["secretAccessKey"], r.get("sessionToken")), service, region)
  canonical = signer.canonical_request(request)
  expected = signer.signature(signer.string_to_sign(request, canonical), request)
  if "x-amz-security-token" in h and "x-amz-security-token" not in signed:
      return {"ok": False, "why": "session token not signed"}
  ok = hmac.compare_digest(expected, parts["Signature"])
  return {"ok": ok, "why": "" if ok else "signature mismatch", "service": service,
                    "region": region, "signed": signed, "canonical": canonical}

for line in sys.stdin:
  print(json.dumps(verdict(json.loads(line))), flush=True)
`;

export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface Verdict {
  ok: boolean;
  why: string;
  service?: string;
  region?: string;
  signed?: string[];
}

let verifier: { child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string> } | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * One botocore process for the whole test file (starting Python costs a few hundred ms),
 * asked one request at a time; it ends with the test process.
 */
export function verifySigV4(
  request: SignedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): Promise<Verdict> {
  if (!existsSync(PYTHON)) {
    throw new Error(`botocore (moto's virtualenv) is missing; run: node scripts/moto.mjs install`);
  }
  if (!verifier) {
    const child = spawn(PYTHON, ["-c", VERIFY], { stdio: ["pipe", "pipe", "pipe"] });
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void }).unref?.();
    }
    verifier = {
      child,
      lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](),
    };
  }
  const { child, lines } = verifier;
  const asked = queue.then(async () => {
    child.stdin.write(`${JSON.stringify({ ...request, ...credentials })}\n`);
    const line = await lines.next();
    if (line.done) throw new Error("the SigV4 verifier ended");
    return JSON.parse(line.value) as Verdict;
  });
  queue = asked.catch(() => {});
  return asked;
}
