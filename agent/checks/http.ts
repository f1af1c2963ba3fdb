import { type CheckResult, describeError, type HealthCheck } from "./check.js";

/**
 * GET `url`: 2xx passing, 429 warning (the service is up but shedding load), anything else
 * or no answer critical. Consul's HTTP check reads a status the same way.
 */
export function httpCheck(url: string): HealthCheck {
  return async (signal): Promise<CheckResult> => {
    try {
      const res = await fetch(url, { signal, headers: { "User-Agent": "muster-agent" } });
      // The body is not read; cancelling it frees the connection at once.
      await res.body?.cancel();
      const output = `HTTP ${res.status} from ${url}`;
      if (res.status >= 200 && res.status < 300) return { status: "passing", output };
      if (res.status === 429) return { status: "warning", output };
      return { status: "critical", output };
    } catch (err) {
      return { status: "critical", output: `GET ${url}: ${describeError(err)}` };
    }
  };
}
