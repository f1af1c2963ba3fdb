/**
 * The muster client library: what a node or a service's client imports. Depends on shared/'s
 * schemas and formats only, never on the AWS SDK.
 */

export type { BootstrapInfo } from "../shared/formats/bootstrap.js";
export type { DiscoveredPeer } from "../shared/formats/peers-json.js";
export type { NodeRegistryEntry } from "../shared/formats/registry-json.js";
export type { SerdeSystemTime } from "../shared/formats/system-time.js";
export type { Lease } from "../shared/model/heartbeat.js";
export type { Instance, Source, Status } from "../shared/model/instance.js";
export type { StatusFilter } from "../shared/model/query.js";
export {
  type AwsCredentials,
  type CredentialProvider,
  defaultCredentials,
} from "./aws/credentials.js";
export { functionUrlRegion, RequestSigner } from "./aws/sigv4.js";
export * from "./balancers/index.js";
export type { CheckResult, HealthCheck } from "./checks/index.js";
export { execCheck, httpCheck, tcpCheck } from "./checks/index.js";
export { Backoff, type BackoffOptions } from "./client/backoff.js";
export { type CacheOptions, TtlCache } from "./client/cache.js";
export {
  type BreakerOptions,
  type BreakerState,
  CircuitBreaker,
} from "./client/circuit-breaker.js";
export { isRegistryDown, RegistryError, UnreachableError } from "./client/http.js";
export {
  type BatchResult,
  CircuitOpenError,
  type DiscoverOptions,
  type HeartbeatInput,
  NoInstanceError,
  RegistryClient,
  type RegistryClientOptions,
  type TokenSource,
} from "./client/registry-client.js";
export type { Watcher, WatchOptions } from "./client/watch.js";
export {
  FatalHeartbeatError,
  Heartbeater,
  type HeartbeaterOptions,
  type StopOptions,
} from "./heartbeater.js";
export { type Ec2Identity, IMDS_ENDPOINT, type ImdsOptions, readEc2Identity } from "./imds.js";
export { type FetchPeersOptions, fetchAllPeers, fetchPeers } from "./join/fetch-peers.js";
export {
  discoverLayered,
  type JoinSources,
  joinLayers,
  type Layer,
  type LayeredResult,
} from "./join/layered.js";
export { blixardPeers, formatPeers, writeFileAtomically } from "./join/output.js";
export { type DiscoveryPeer, dedupePeers, parsePeerDocument } from "./join/peers.js";
export { lookupSrv, type SrvOptions, srvToPeers } from "./join/srv.js";
export type { Logger } from "./log.js";
export { type Rng, seededRng } from "./rng.js";
