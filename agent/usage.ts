import { FORMATS, WATCHABLE } from "../shared/formats/registry.js";
import { optionLines, orList, wrap } from "../shared/formats/usage.js";
import { TTL_DEFAULT, TTL_MAX, TTL_MIN } from "../shared/model/heartbeat.js";
import { TIMEOUT_DEFAULT_SECONDS } from "./defaults.js";
import { IMDS_ENDPOINT } from "./imds.js";

/** The `--format`s of `watch`. */
const WATCH_NAMES = [...WATCHABLE.keys()].sort().join("|");

/** What `join` reads, by the registry path it is served at. */
const JOIN_LOCATIONS = orList([
  ...FORMATS.flatMap((f) => (f.read ? [f.path] : [])),
  ...(FORMATS.some((f) => f.read && f.presign === "join") ? ["a join URL"] : []),
]);

/** A mistake in how the agent was called: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `muster-agent: a node's side of the muster registry

Usage:
  muster-agent run  --registry <url> --service <name> --id <id> --address <host:port> [options]
  muster-agent join <url|file>... [--out <file>] [options]
  muster-agent watch --registry <url> --service <name> --format <${WATCH_NAMES}>
                     (--out <file> | --out-dir <dir> | --configmap <ns/name>) [options]
  muster-agent bootstrap --registry <url> --service <name> [--listen <host:port>] [options]
  muster-agent consul --registry <url> [--listen 127.0.0.1:8500] [options]
  muster-agent help [run|join|watch|bootstrap|consul]

Environment:
  MUSTER_REGISTRY           default for --registry
  MUSTER_TOKEN              bearer token (--token-file wins when both are set)
  MUSTER_JOIN_URL           bootstrap: default for --join-url (kept out of the command line)
  AWS_*                     with --aws-iam: the AWS SDK's credential variables
  BLIXARD_NODE_REGISTRIES   join: comma-separated locations when none are given
`;

export const BOOTSTRAP_USAGE = `muster-agent bootstrap: relay the registry's bootstrap node to Blixard over plain HTTP

Blixard's join client (reqwest with native-tls) offers no ALPN but speaks HTTP/2 with prior
knowledge, which no HTTPS front on AWS (CloudFront, Lambda function URLs) answers. This relay
fetches the service's BootstrapInfo from the registry over HTTPS, checks its signature, and
answers GET /bootstrap (and <any path>/bootstrap) over h2c and HTTP/1.1, so that
  blixard node --join-address http://127.0.0.1:8788
joins with no credential on Blixard's command line. Answers are asked again with
If-None-Match at most once a second; while the registry is unreachable the last verified
answer is given (header Muster-Relay-Stale) for --max-stale, then 503 naming the cause.

Usage:
  muster-agent bootstrap --registry <url> --service <name> [--token-file <file>] [options]
  muster-agent bootstrap --join-url <url> [options]

Options:
  --listen <host:port>      where to answer (default 127.0.0.1:8788; loopback: only this host)
  --registry <url>          registry base URL (default $MUSTER_REGISTRY)
  --service <name>          the Blixard service
  --token-file <file>       bearer token that may read the service, re-read at every request
                            (default $MUSTER_TOKEN)
  --join-url <url>          a join URL (npm run presign -- --file bootstrap) instead of a token
                            (default $MUSTER_JOIN_URL; the variable keeps it out of ps)
  --verify-key <file|url>   the registry's muster-keys.json; repeatable (default
                            <registry>/.well-known/muster-keys.json, read again on rotation)
  --timeout <seconds>       per registry request (default 5)
  --max-stale <seconds>     how long the last answer outlives an unreachable registry
                            (default 900; 0: never)

Exit status: 0 after SIGTERM or SIGINT, 1 when the port cannot be had, 2 bad usage.
`;

export const RUN_USAGE = `muster-agent run: register this node and keep it registered

Registers on start, heartbeats every ttl/3 (with jitter) carrying the health check's status,
retries with backoff behind a circuit breaker while the registry is down (it never exits for
that), and deregisters on SIGTERM or SIGINT before exiting.

Usage:
  muster-agent run --registry <url> --service <name> --id <id> --address <host:port> [options]

Registry:
  --registry <url>          registry base URL (default $MUSTER_REGISTRY); on AWS the stack's
                            FunctionUrl with --aws-iam (a node in AWS), else its RegistryUrl
  --token-file <file>       file holding the bearer token, re-read at every heartbeat so it
                            can be rotated in place (default: $MUSTER_TOKEN)
  --aws-iam                 sign with SigV4 under this node's AWS role (environment, web
                            identity, ECS/EKS container credentials, else the EC2 instance
                            profile through IMDSv2) instead of a token: for the stack's
                            FunctionUrl, whose IAM mapping (muster:iamRoles) names the role
  --aws-region <region>     the region to sign for (default: the function URL's own)
  --timeout <seconds>       per request (default ${TIMEOUT_DEFAULT_SECONDS})

Instance:
  --service <name>          service name (a DNS label)
  --id <id>                 instance id (with --ec2: default the EC2 instance id)
  --address <host:port>     where peers reach this node (with --ec2: local IPv4 and --port)
  --ttl <seconds>           lease, ${TTL_MIN}-${TTL_MAX} (default ${TTL_DEFAULT}); heartbeats every ttl/3
  --tags <a,b>              tags, comma-separated; repeatable
  --meta <key=value>        metadata; repeatable
  --weight <n>              1-1000 (default 1)
  --instance-version <v>    the instance's version
  --cluster-node-id <n>     Blixard cluster node id
  --iroh-node-id <id>       Blixard iroh node id
  --direct-address <h:p>    Blixard direct address; repeatable
  --relay-url <url>         Blixard relay URL

Health check (at most one; without one the node reports passing while the agent runs):
  --check-http <url>        2xx passing, 429 warning, anything else critical
  --check-tcp <host:port>   connects: passing, else critical
  --check-exec <command>    /bin/sh -c: exit 0 passing, 1 warning, other critical
  --check-interval <s>      default the heartbeat interval; a change is reported at once
  --check-timeout <s>       default the smaller of 5 and the check interval

EC2:
  --ec2                     read instance-id and local-ipv4 from instance metadata (IMDSv2);
                            sets metadata.ec2_instance_id
  --port <port>             with --ec2 and no --address: the port to pair with local-ipv4
  --imds-endpoint <url>     instance metadata, also where --aws-iam finds the instance
                            profile's credentials (default ${IMDS_ENDPOINT})

Exit status: 0 after a signal (deregistered, or the lease left to lapse if the registry
could not be reached), 1 if the registry refuses the heartbeat as invalid, 2 bad usage.
`;

export const JOIN_USAGE = `muster-agent join: fetch peers and print them or write Blixard's discovery-peers.json

${wrap(`Locations are registry URLs (${JOIN_LOCATIONS}), file: URLs or paths; all of them are read and merged. Layers are tried in order and the first that yields a peer wins: --seed, then the locations, then --srv.`, 0)}

The json file holds only peers Blixard can read (a cluster node id and a valid Iroh key);
join says how many it left out. Seeds, peers.txt lines and SRV records are addresses only:
use --format txt for those.

Usage:
  muster-agent join <url|file>... [options]

Options:
  --out <file>              write the file (atomically) instead of printing
  --data-dir <dir>          same as --out <dir>/discovery-peers.json, where Blixard looks
  --format <json|txt>       json: discovery-peers.json (default); txt: one host:port a line
  --seed <host:port>        a static seed; repeatable
  --srv <name>              DNS SRV name, e.g. _blixard._tcp.cluster.local
  --dns-server <ip[:port]>  DNS server for --srv; repeatable (default: the system's)
  --token-file <file>       bearer token for the locations (default $MUSTER_TOKEN)
  --aws-iam                 sign with SigV4 under this node's AWS role (environment, web
                            identity, ECS/EKS container credentials, else the EC2 instance
                            profile through IMDSv2) instead of a token: for the stack's
                            FunctionUrl, whose IAM mapping (muster:iamRoles) names the role
  --aws-region <region>     the region to sign for (default: the function URL's own)
  --imds-endpoint <url>     where --aws-iam finds the instance profile (169.254.169.254)
  --timeout <seconds>       per location and per DNS try (default 5 and 2)
  --verify-key <file|url>   the registry's muster-keys.json (/.well-known/muster-keys.json);
                            repeatable. Every http(s) answer must then carry a good
                            Muster-Signature by one of its keys, or join writes nothing and
                            exits 1. Files on disk, --seed and --srv are not signed.

With no location given, BLIXARD_NODE_REGISTRIES (comma-separated) is used.

Exit status: 0 when peers were found, or when every layer answered and none had any (a
single-node start; an empty list is written); 1 when nothing was found and a layer failed
(nothing is written, so a good file is not replaced by an empty one); 2 bad usage.
`;

export const WATCH_USAGE = `muster-agent watch: keep peer files current and run a command when they change

Holds a blocking read open on the registry (?wait=, answered the moment the list changes),
or polls with If-None-Match where the registry does not hold reads. Files are replaced
atomically, and only when their content changes: a renewal changes nothing. While the
registry is unreachable it backs off (up to 30 s) and the last good files stay.

With --configmap the files are keys of a Kubernetes ConfigMap instead (--format stellar:
peers.json, peers.txt and peer_count, as the Stellar operator's stellar-peers), created or
replaced with its resource version, and only when a key changes. Credentials: the Pod's
service account, else KUBECONFIG, else ~/.kube/config (a token or a client certificate).
RBAC: get, create and update on configmaps in its namespace.

Usage:
  muster-agent watch --registry <url> --service <name> --format <${WATCH_NAMES}>
                     (--out <file> | --out-dir <dir> | --configmap <namespace/name>) [options]

Formats:
${[...WATCHABLE.values()].map((f) => optionLines(f.watch.as, f.watch.help)).join("\n")}

Options:
  --registry <url>          registry base URL (default $MUSTER_REGISTRY)
  --service <name>          service name
  --configmap <ns/name>     the ConfigMap to keep the files in (a name alone: the Pod's own
                            namespace)
  --tag <t>                 only instances carrying the tag; repeatable or comma-separated
  --on-change <command>     /bin/sh -c command run once after each write that changed a file
                            or the ConfigMap (the first one too), after --debounce of quiet
  --check-http <url>        run --on-change only while this answers 2xx; a held run goes
                            ahead once it does
  --debounce <seconds>      quiet time before --on-change runs (default 1)
  --wait <seconds>          how long each blocking read is held (default 60; 0 polls)
  --interval <seconds>      between polls when polling (default 5)
  --token-file <file>       bearer token, re-read at every request (default $MUSTER_TOKEN)
  --aws-iam                 sign with SigV4 under this node's AWS role (environment, web
                            identity, ECS/EKS container credentials, else the EC2 instance
                            profile through IMDSv2) instead of a token: for the stack's
                            FunctionUrl, whose IAM mapping (muster:iamRoles) names the role
  --aws-region <region>     the region to sign for (default: the function URL's own)
  --imds-endpoint <url>     where --aws-iam finds the instance profile (169.254.169.254)
  --timeout <seconds>       per request, on top of the wait (default ${TIMEOUT_DEFAULT_SECONDS})

Exit status: 0 after SIGTERM or SIGINT, 1 no Kubernetes credentials for --configmap,
2 bad usage.
`;

export const CONSUL_USAGE = `muster-agent consul: Consul's agent endpoint on this node, over a muster registry

Applications that use Consul call their local agent (CONSUL_HTTP_ADDR, 127.0.0.1:8500): this
answers there. What they register lives here — HTTP, TCP and script checks run here, TTL
checks wait here for the application's updates — and is held in the registry as TTL checks
kept alive by this agent (each change at once, every check every third of --ttl), and
deregistered when it stops. Catalog, health and status reads go to the registry as they come,
blocking queries included. A token the application sends is used for its requests; else the
agent's own.

Usage:
  muster-agent consul --registry <url> [--listen 127.0.0.1:8500] [options]

Options:
  --registry <url>          the registry's base URL (default $MUSTER_REGISTRY)
  --token-file <file>       the agent's token, re-read at every use (default $MUSTER_TOKEN)
  --listen <host:port>      where to answer (default 127.0.0.1:8500; port 0: any free one)
  --node <name>             the node's name (default the host name); a service registered
                            without an ID is <name>-<node> in the registry
  --address <ip>            the node's address, for services registered without one
                            (default the first non-internal IPv4 address)
  --ttl <seconds>           TTL of the checks the registry holds for this agent (default 135):
                            how long the registry waits for an agent that stopped answering
  --timeout <seconds>       per request to the registry, blocking reads aside (default 5)

Exit status: 0 after SIGTERM or SIGINT (everything deregistered), 2 bad usage.
`;
