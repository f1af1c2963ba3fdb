#!/bin/bash
# EC2 user data for a Blixard node joining through a registry behind CloudFront: the bootstrap
# relay on loopback (docs/blixard.md, "On AWS, end to end"), Blixard joining through it, and the
# agent keeping the node registered with the instance role's signature (no register token: the
# stack maps the role, muster:iamRoles). The instance role needs s3:GetObject on the two
# artifacts and secretsmanager:GetSecretValue on the relay's read token; IMDSv2 is fine.
set -euo pipefail

REGISTRY="https://registry.example.com"                      # the stack's RegistryUrl (CloudFront)
WRITES="https://abcdefghij.lambda-url.us-east-1.on.aws"       # its FunctionUrl: signed heartbeats
AGENT="s3://my-artifacts/muster/muster-agent.mjs"             # npm run build:agent
BLIXARD="s3://my-artifacts/blixard/blixard"                   # Blixard's release binary
READ_TOKEN_SECRET="muster/blixard-read"       # npm run token -- create --role read --service blixard
SERVICE="blixard"
NODE_ID=2                   # Blixard's --id for this node (e.g. from a tag, or the ASG's index)
PORT=7001
DATA_DIR=/var/lib/blixard
RELAY=127.0.0.1:8788

dnf install -y nodejs20
NODE="$(command -v node-20 || command -v node)"
install -d -m 0755 /usr/local/bin "$DATA_DIR"
install -d -m 0700 /etc/muster
aws s3 cp "$AGENT" /usr/local/bin/muster-agent
aws s3 cp "$BLIXARD" /usr/local/bin/blixard
chmod 0755 /usr/local/bin/muster-agent /usr/local/bin/blixard
umask 077
aws secretsmanager get-secret-value --secret-id "$READ_TOKEN_SECRET" \
  --query SecretString --output text >/etc/muster/read-token
printf 'MUSTER_REGISTRY=%s\n' "$REGISTRY" >/etc/muster/bootstrap.env
umask 022

# 1. The relay: Blixard's join client speaks HTTP/2 with prior knowledge and offers no ALPN,
#    which CloudFront does not answer; the relay asks CloudFront over HTTPS for it.
cat >/etc/systemd/system/muster-bootstrap.service <<UNIT
[Unit]
Description=muster bootstrap relay for $SERVICE
Wants=network-online.target
After=network-online.target
Before=$SERVICE.service

[Service]
EnvironmentFile=/etc/muster/bootstrap.env
LoadCredential=read-token:/etc/muster/read-token
ExecStart=$NODE /usr/local/bin/muster-agent bootstrap \\
  --listen $RELAY --service $SERVICE --token-file \${CREDENTIALS_DIRECTORY}/read-token
Restart=on-failure
RestartSec=5
DynamicUser=yes
NoNewPrivileges=yes
ProtectSystem=strict

[Install]
WantedBy=multi-user.target
UNIT

# 2. Blixard, joining through the relay (no credential on its command line). The first node
#    of a cluster starts without --join-address.
cat >/etc/systemd/system/$SERVICE.service <<UNIT
[Unit]
Description=Blixard node $NODE_ID
Wants=network-online.target muster-bootstrap.service
After=network-online.target muster-bootstrap.service

[Service]
ExecStart=/usr/local/bin/blixard node --id $NODE_ID --bind 0.0.0.0:$PORT \\
  --data-dir $DATA_DIR --join-address http://$RELAY
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT

# 3. The heartbeat, once Blixard runs (agent/examples/ec2-user-data.sh has the same unit with
#    its comments). With both ids the node is a Blixard node to muster: in peers.json, in
#    bootstrap for the next joiner, and in DNS and Cloud Map under its NodeId. IROH_NODE_ID is
#    the node's Iroh public key in standard base64.
cat >/etc/systemd/system/muster-agent.service <<UNIT
[Unit]
Description=muster agent (registry heartbeat for $SERVICE)
Wants=network-online.target
After=network-online.target $SERVICE.service

[Service]
ExecStart=$NODE /usr/local/bin/muster-agent run \\
  --registry $WRITES --aws-iam --service $SERVICE --ec2 --port $PORT \\
# --cluster-node-id $NODE_ID --iroh-node-id \${IROH_NODE_ID} \\
  --check-tcp 127.0.0.1:$PORT
KillSignal=SIGTERM
TimeoutStopSec=10
Restart=on-failure
RestartSec=5
DynamicUser=yes

[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable --now muster-bootstrap
# Blixard asks once, at start: wait (bounded) until the relay has a verified answer.
for _ in $(seq 1 30); do
  curl -fsS "http://$RELAY/bootstrap" >/dev/null && break
  sleep 2
done
systemctl enable --now "$SERVICE" muster-agent
