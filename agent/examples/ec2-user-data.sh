#!/bin/bash
# EC2 user data: install the muster agent, join the cluster, then keep the node registered.
# No token anywhere: the agent signs its requests with the instance role's credentials
# (instance profile, read through IMDSv2; HttpTokens=required is fine). The stack must map the
# role (muster:iamRoles, e.g. {"blixard-nodes": {"role": "register", "services": ["blixard"],
# "bindInstanceId": true}}), which also lets it through the function URL's resource policy.
# The instance role itself needs s3:GetObject on the agent file, and nothing of muster's.
set -euo pipefail

# The stack's FunctionUrl output: AuthType AWS_IAM, so an unsigned request never reaches it.
REGISTRY="https://abcdefghij.lambda-url.us-east-1.on.aws"
ARTIFACT="s3://my-artifacts/muster/muster-agent.mjs"   # dist/muster-agent.mjs, uploaded
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

install -d -m 0755 "$DATA_DIR"
aws s3 cp "$ARTIFACT" /usr/local/bin/muster-agent
chmod 0755 /usr/local/bin/muster-agent

# Before blixard starts: write the peers it loads from its data folder, read with the same
# signature (a register role reads its services too). An empty list (the first node) is fine;
# a failure keeps any file already there and does not stop the boot.
"$NODE" /usr/local/bin/muster-agent join --aws-iam \
  --data-dir "$DATA_DIR" \
  "$REGISTRY/v1/services/$SERVICE/peers.json" || echo "muster join failed; starting without peers"

cat >/etc/systemd/system/muster-agent.service <<UNIT
[Unit]
Description=muster agent (registry heartbeat for $SERVICE)
Wants=network-online.target
After=network-online.target $SERVICE.service

[Service]
# --ec2: id = the instance id (the role session name, which bindInstanceId holds it to),
# address = local IPv4 and --port, metadata.ec2_instance_id set, all read from IMDSv2 at start.
# --aws-iam: every heartbeat and the deregistration signed with the instance role (SigV4).
ExecStart=$NODE /usr/local/bin/muster-agent run \\
  --registry $REGISTRY \\
  --aws-iam \\
  --service $SERVICE \\
  --ec2 --port $PORT \\
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
