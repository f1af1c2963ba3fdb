import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ImdsDouble {
  endpoint: string;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for EC2's instance metadata service speaking IMDSv2 only: a token from
 * `PUT /latest/api/token` (which needs the TTL header), then GETs that must carry it; a GET
 * without it gets 401, as with `HttpTokens=required`. No engine provides IMDS, and tests must
 * never reach 169.254.169.254.
 */
export async function startImdsDouble(identity: {
  instanceId: string;
  localIpv4: string;
}): Promise<ImdsDouble> {
  const token = `imds-token-${Math.random().toString(36).slice(2)}`;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!(ttl >= 1 && ttl <= 21600)) return void res.writeHead(400).end();
      return void res.writeHead(200, { "Content-Type": "text/plain" }).end(token);
    }
    if (req.method !== "GET") return void res.writeHead(405).end();
    if (req.headers["x-aws-ec2-metadata-token"] !== token) return void res.writeHead(401).end();
    const values: Record<string, string> = {
      "/latest/meta-data/instance-id": identity.instanceId,
      "/latest/meta-data/local-ipv4": identity.localIpv4,
    };
    const value = values[req.url ?? ""];
    if (value === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": "text/plain" }).end(value);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
