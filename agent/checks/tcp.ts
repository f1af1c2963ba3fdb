import { connect } from "node:net";
import { parseHostPort } from "../../shared/model/address.js";
import type { CheckResult, HealthCheck } from "./check.js";

/** Passing when a TCP connection to `host:port` opens, critical otherwise. */
export function tcpCheck(address: string): HealthCheck {
  const target = parseHostPort(address);
  if (!target) throw new TypeError(`not a host:port: ${address}`);
  return (signal) =>
    new Promise<CheckResult>((resolve) => {
      const socket = connect({ host: target.host, port: target.port });
      const finish = (result: CheckResult) => {
        signal.removeEventListener("abort", onAbort);
        socket.destroy();
        resolve(result);
      };
      const onAbort = () => finish({ status: "critical", output: `${address}: timed out` });
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      socket.once("connect", () => finish({ status: "passing", output: `${address}: connected` }));
      socket.once("error", (err: NodeJS.ErrnoException) =>
        finish({ status: "critical", output: `${address}: ${err.code ?? err.message}` }),
      );
    });
}
