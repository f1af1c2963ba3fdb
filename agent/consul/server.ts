import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { agentSelf } from "../../shared/consul/agent-self.js";
import { foldKeys, isPlainObject } from "../../shared/consul/fold-keys.js";
import { consulToken } from "../../shared/consul/query-params.js";
import type { Status } from "../../shared/model/instance.js";
import type { Logger } from "../log.js";
import type { LocalAgent } from "./local-agent.js";
import type { Upstream, UpstreamAnswer } from "./upstream.js";

const MAX_BODY = 16 * 1024;
const STATUSES: Record<string, Status> = {
  passing: "passing",
  warning: "warning",
  critical: "critical",
};
const LEGACY: Record<string, Status> = { pass: "passing", warn: "warning", fail: "critical" };

function answer(res: ServerResponse, a: UpstreamAnswer): void {
  if (a.status === 200 && a.text === "") {
    res.writeHead(200, { "content-length": "0" });
    res.end();
    return;
  }
  res.writeHead(a.status, { "content-type": "text/plain; charset=utf-8" });
  res.end(a.text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new BodyError(413, `Request body too large: more than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BodyError(400, `Request decode failed: ${(err as Error).message}`);
  }
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `?replace-existing-checks`, present and empty or a true Go boolean. */
const replaceChecks = (url: URL) => {
  const v = url.searchParams.get("replace-existing-checks");
  return v !== null && (v === "" || ["1", "t", "T", "TRUE", "true", "True"].includes(v));
};

/**
 * The agent's HTTP endpoint, where applications find Consul's agent (127.0.0.1:8500): the
 * agent endpoints answered here (local-agent.ts), catalog, health and status reads passed on
 * to the registry (upstream.ts), blocking queries included.
 */
export async function serveConsulAgent(options: {
  agent: LocalAgent;
  upstream: Upstream;
  host: string;
  port: number;
  datacenter: () => Promise<string>;
  log: Logger;
}): Promise<{ server: Server; url: string }> {
  const { agent, upstream, log } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://agent");
    const path = url.pathname;
    const token = consulToken(url.searchParams, (name) => {
      const v = req.headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    });
    const method = req.method ?? "GET";
    if (/^\/v1\/(health|catalog|status)\//.test(path)) return await upstream.proxy(req, res, url);
    if (path === "/v1/agent/self" && method === "GET") {
      const body = agentSelf({
        datacenter: await options.datacenter(),
        nodeName: agent.node.name,
        version: "1.20.0",
        revision: "muster-agent",
        address: agent.node.address,
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
      return;
    }
    if (method !== "PUT" && /^\/v1\/agent\/(service|check)\//.test(path)) {
      res.writeHead(405, { allow: "OPTIONS,PUT", "content-type": "text/plain; charset=utf-8" });
      res.end(`method ${method} not allowed`);
      return;
    }
    if (path === "/v1/agent/service/register") {
      return answer(res, await agent.register(await readBody(req), token, replaceChecks(url)));
    }
    const deregister = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path);
    if (deregister) {
      return answer(
        res,
        await agent.deregister(decodeURIComponent(deregister[1] as string), token),
      );
    }
    const update = /^\/v1\/agent\/check\/update\/(.+)$/.exec(path);
    if (update) {
      const body = await readBody(req);
      const { value } = isPlainObject(body)
        ? foldKeys(body, ["Status", "Output"])
        : { value: {} as Record<string, unknown> };
      const status = STATUSES[String(value.Status ?? "")];
      if (!status)
        return answer(res, {
          status: 400,
          text: `Invalid check status: '${String(value.Status ?? "")}'`,
        });
      const output = typeof value.Output === "string" ? value.Output : "";
      return answer(
        res,
        await agent.update(decodeURIComponent(update[1] as string), status, output, token),
      );
    }
    const legacy = /^\/v1\/agent\/check\/(pass|warn|fail)\/(.+)$/.exec(path);
    if (legacy) {
      const status = LEGACY[legacy[1] as string] as Status;
      const note = url.searchParams.get("note") ?? "";
      return answer(
        res,
        await agent.update(decodeURIComponent(legacy[2] as string), status, note, token),
      );
    }
    answer(res, {
      status: 404,
      text: `muster-agent does not serve ${path} (its Consul subset: docs/consul.md)`,
    });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof BodyError) return answer(res, { status: err.status, text: err.message });
      log.warn(`${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent)
        answer(res, {
          status: 502,
          text: `the registry did not answer: ${(err as Error).message}`,
        });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return { server, url: `http://${host}:${port}` };
}
