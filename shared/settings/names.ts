/**
 * Every environment variable a muster process reads, the agent's aside (agent/ keeps its own
 * flags and variables). Code names a variable through `Env` (`Env.MUSTER_TABLE`), never as a
 * string of its own, so that a typo does not compile and a search finds every use; each
 * section of this folder reads some of them, and docs/configuration.md lists them all (a unit
 * test holds the three together).
 */
export const VARIABLES = [
  // The HTTP API, on Lambda and in local mode (api.ts).
  "MUSTER_TABLE",
  "MUSTER_TOKENS",
  "MUSTER_TOKENS_SECRET_ARN",
  "MUSTER_PUBLIC_SERVICES",
  "MUSTER_TOKEN_CACHE_SECONDS",
  "MUSTER_RATE_LIMIT",
  "MUSTER_RATE_BURST",
  "MUSTER_MAX_INSTANCES_PER_SERVICE",
  "MUSTER_MAX_INSTANCES_PER_TOKEN",
  "MUSTER_BASE_URL",
  "MUSTER_PRESIGN_KEYS",
  "MUSTER_PRESIGN_KEYS_SECRET_ARN",
  "MUSTER_SIGNING_KEYS_SECRET_ARN",
  "MUSTER_SHARD_CONCURRENCY",
  "MUSTER_MAX_WAIT_SECONDS",
  "MUSTER_CONSUL_DATACENTER",
  "MUSTER_CONSUL_REASK_SECONDS",
  "MUSTER_IAM_ROLES",
  "MUSTER_UI_POLL_SECONDS",
  // DNS names, for DNS over HTTPS and plain DNS (dns.ts).
  "MUSTER_DNS_ZONE",
  "MUSTER_DNS_IROH_SERVICE",
  // The reconciler, scheduled on Lambda or in local mode's loop (reconciler.ts).
  "MUSTER_RECONCILE_INTERVAL",
  "MUSTER_EC2_DISCOVERY",
  "MUSTER_EC2_FILTERS",
  "MUSTER_EC2_DEFAULT_PORTS",
  "MUSTER_CLOUDMAP_NAMESPACE",
  "MUSTER_K8S_DISCOVERY",
  "MUSTER_K8S_NAMESPACE",
  "MUSTER_K8S_LABEL_SELECTOR",
  "MUSTER_EKS_CLUSTER",
  "MUSTER_EKS_ENDPOINT",
  "MUSTER_EKS_CA_DATA",
  "MUSTER_SAFETY_RATIO",
  // The table's stream to EventBridge (stream.ts).
  "MUSTER_EVENT_BUS",
  // Local mode's process: `muster serve` (local.ts).
  "MUSTER_DATA_DIR",
  "PORT",
  "HOST",
  "MUSTER_STORE",
  "MUSTER_TLS_CERT",
  "MUSTER_TLS_KEY",
  "MUSTER_DNS_PORT",
  "MUSTER_DNS_HOST",
  "MUSTER_METRICS_PUBLIC",
  "MUSTER_HEADERS_TIMEOUT_SECONDS",
  "MUSTER_REQUEST_TIMEOUT_SECONDS",
  "MUSTER_IDLE_TIMEOUT_SECONDS",
  "MUSTER_MAX_CONNECTIONS_PER_CLIENT",
  "MUSTER_OUTLIVE_PARENT",
  "MUSTER_DEBUG",
  // The admin CLIs: `npm run token`, `presign`, `keys` (admin-cli.ts).
  "MUSTER_REGISTRY",
  "MUSTER_TOKEN",
  "MUSTER_SIGNING_GRACE",
] as const;

export type VariableName = (typeof VARIABLES)[number];

/** Each variable's name, by its name: `Env.MUSTER_TABLE === "MUSTER_TABLE"`. */
export const Env = Object.freeze(Object.fromEntries(VARIABLES.map((name) => [name, name]))) as {
  readonly [N in VariableName]: N;
};

/** The environment as the readers take it: `process.env`, or a plain object in tests and infra. */
export type Environment = Readonly<Record<string, string | undefined>>;
