#!/usr/bin/env bash
# A muster heartbeat for nodes without Node.js: bash, curl and sha256sum only. Registers at
# once, heartbeats every ttl/3 with a little jitter, reports critical when the local health URL
# fails, and deregisters on SIGTERM / SIGINT (systemd stop, Ctrl-C). A 429 (a heartbeat too
# soon after the last) needs nothing: the next one will do.
# On AWS, MUSTER_REGISTRY is the stack's RegistryUrl (CloudFront): the token goes in
# X-Muster-Token (CloudFront's origin access control takes Authorization for its own signature)
# and each POST carries its body's SHA-256 in x-amz-content-sha256, which OAC needs. A local
# registry reads either header.
# MUSTER_REGISTRY=https://registry.example.com MUSTER_TOKEN_FILE=/etc/muster/token \
# SERVICE=blixard ID=$(hostname) ADDRESS=10.0.0.5:7001 [TTL=135] [CHECK_URL=http://127.0.0.1:7001/health] \
# [CLUSTER_NODE_ID=2 IROH_NODE_ID=<the node's 32-byte key: base64, or hex>] ./curl-heartbeat.sh
set -u
REGISTRY=${MUSTER_REGISTRY:?} SERVICE=${SERVICE:?} ID=${ID:?} ADDRESS=${ADDRESS:?}
TTL=${TTL:-135} CHECK_URL=${CHECK_URL:-}
INTERVAL=$((TTL / 3 > 0 ? TTL / 3 : 1))

# A Blixard node sends both ids (muster refuses one without the other).
# Checked here because they go into the JSON body as they are.
CLUSTER_NODE_ID=${CLUSTER_NODE_ID:-} IROH_NODE_ID=${IROH_NODE_ID:-} BLIXARD=
if [ -n "$CLUSTER_NODE_ID$IROH_NODE_ID" ]; then
  if ! [[ $CLUSTER_NODE_ID =~ ^[0-9]{1,15}$ && $IROH_NODE_ID =~ ^([A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64})$ ]]; then
    echo "CLUSTER_NODE_ID (a number) and IROH_NODE_ID (32 bytes in base64, or hex) go together" >&2
    exit 2
  fi
  BLIXARD=$(printf ',"cluster_node_id":%s,"iroh_node_id":"%s"' "$CLUSTER_NODE_ID" "$IROH_NODE_ID")
fi

# The token goes to curl in a header file, not on its command line, where ps would show it.
HEADERS=$(mktemp); chmod 600 "$HEADERS"
TOKEN=$(cat "${MUSTER_TOKEN_FILE:?}")
printf 'X-Muster-Token: %s\nAuthorization: Bearer %s\n' "$TOKEN" "$TOKEN" >"$HEADERS"
unset TOKEN

deregister() {
  [ -n "${SLEEPER:-}" ] && kill "$SLEEPER" 2>/dev/null
  curl -sS -m 2 -o /dev/null -X DELETE -H @"$HEADERS" "$REGISTRY/v1/services/$SERVICE/instances/$ID"
  rm -f "$HEADERS"; exit 0
}
trap deregister TERM INT

while :; do
  STATUS=passing
  if [ -n "$CHECK_URL" ] && ! curl -fsS -m 2 -o /dev/null "$CHECK_URL"; then STATUS=critical; fi
  BODY=$(printf '{"id":"%s","address":"%s","ttl":%d,"status":"%s"%s}' \
    "$ID" "$ADDRESS" "$TTL" "$STATUS" "$BLIXARD")
  # curl -d sends exactly these bytes, so their hash is the body's.
  SHA=$(printf '%s' "$BODY" | sha256sum | cut -d' ' -f1)
  CODE=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' -X POST -H @"$HEADERS" \
    -H 'Content-Type: application/json' -H "x-amz-content-sha256: $SHA" -d "$BODY" \
    "$REGISTRY/v1/services/$SERVICE/heartbeats")
  case $CODE in 200 | 201 | 429) ;; *) echo "heartbeat: HTTP $CODE" >&2 ;; esac
  # Backgrounded and waited for: `wait` returns as soon as a signal arrives, so the trap runs
  # at once; a foreground sleep would hold the deregistration back until it ended.
  sleep $((INTERVAL - RANDOM % (INTERVAL / 10 + 1))) & SLEEPER=$!
  wait "$SLEEPER"
done
