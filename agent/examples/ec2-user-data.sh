#!/bin/bash
# EC2 user data: install the muster agent, join the cluster, then keep the node registered.
# The instance role needs s3:GetObject on the agent file and secretsmanager:GetSecretValue on
# the token; the instance metadata service must allow IMDSv2 (HttpTokens=required is fine).
set -euo pipefail

# Reads (join) go through the stack's RegistryUrl (CloudFront caches them for a herd of joining
# nodes); heartbeats go to its FunctionUrl, which skips CloudFront's per-request fee (docs/cost.md).
REGISTRY="https://registry.example.com"                      # RegistryUrl output
WRITES="https://abcdefghij.lambda-url.us-east-1.on.aws"       # FunctionUrl output
ARTIFACT="s3://my-artifacts/muster/muster-agent.mjs"   # dist/muster-agent.mjs, uploaded
TOKEN_SECRET="muster/agent-token"
SERVICE="blixard"
PORT=7001
DATA_DIR=/var/lib/blixard
# Blixard's `node --id` and its Iroh public key (base64, or hex as iroh prints it), for the two
# flags below.
# CLUSTER_NODE_ID=1
# IROH_NODE_ID="..."

# Node.js 20 or later. On Amazon Linux 2023 the nodejs20 package installs node-20.
dnf install -y nodejs20
NODE="$(command -v node-20 || command -v node)"

install -d -m 0755 /etc/muster "$DATA_DIR"
aws s3 cp "$ARTIFACT" /usr/local/bin/muster-agent
chmod 0755 /usr/local/bin/muster-agent
umask 077
aws secretsmanager get-secret-value --secret-id "$TOKEN_SECRET" \
  --query SecretString --output text >/etc/muster/token
umask 022

# Before blixard starts: write the peers it loads from its data folder. An empty list (the
# first node) is fine; a failure keeps any file already there and does not stop the boot.
"$NODE" /usr/local/bin/muster-agent join \
  --token-file /etc/muster/token \
  --data-dir "$DATA_DIR" \
  "$REGISTRY/v1/services/$SERVICE/peers.json" || echo "muster join failed; starting without peers"

cat >/etc/systemd/system/muster-agent.service <<UNIT
[Unit]
Description=muster agent (registry heartbeat for $SERVICE)
Wants=network-online.target
After=network-online.target $SERVICE.service

[Service]
# --ec2: id = the instance id, address = local IPv4 and --port, metadata.ec2_instance_id set,
# all read from IMDSv2 at start.
ExecStart=$NODE /usr/local/bin/muster-agent run \\
  --registry $WRITES \\
  --service $SERVICE \\
  --ec2 --port $PORT \\
  --token-file /etc/muster/token \\
# A Blixard node sends both ids (muster refuses one without the other):
#  --cluster-node-id ${CLUSTER_NODE_ID:-} --iroh-node-id ${IROH_NODE_ID:-} \\
  --check-tcp 127.0.0.1:$PORT
KillSignal=SIGTERM
TimeoutStopSec=10
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable --now muster-agent
