export type { CheckResult, HealthCheck } from "./check.js";
export { execCheck } from "./exec.js";
export { httpCheck } from "./http.js";
export { tcpCheck } from "./tcp.js";
