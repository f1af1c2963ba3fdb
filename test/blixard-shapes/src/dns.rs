//! Blixard's DNS discovery of one domain: `DnsDiscoveryProvider::query_domain` and
//! `parse_txt_record` (BrittonR/blixard blixard-core/src/discovery/dns_discovery.rs), line for
//! line, then what `DiscoveryState::add_node` keeps of them (blixard-core/src/discovery/mod.rs:
//! one entry per NodeId, the later one replacing the earlier).
//!
//! One difference, on purpose: Blixard builds its resolver with `ResolverConfig::default()`,
//! which is Google Public DNS, never the system's resolver; here the resolver asks muster's DNS
//! port. `ResolverOpts::default()` is Blixard's. trust-dns retries over TCP an answer truncated
//! over UDP, as it would against any server.

use crate::hex;
use iroh_base::NodeId;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use trust_dns_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use trust_dns_resolver::TokioAsyncResolver;

/// Blixard's `IrohNodeInfo`, the fields discovery fills.
struct IrohNodeInfo {
    node_id: NodeId,
    addresses: Vec<SocketAddr>,
    source: &'static str,
}

async fn query_domain(resolver: &TokioAsyncResolver, domain: &str) -> Vec<IrohNodeInfo> {
    let mut discovered_nodes: Vec<IrohNodeInfo> = Vec::new();

    if let Ok(srv_response) = resolver.srv_lookup(domain).await {
        for srv in srv_response.iter() {
            let target = srv.target().to_string();
            // Expected format: <node-id>.<domain>
            if let Some(node_id_str) = target.split('.').next() {
                if let Ok(node_id) = node_id_str.parse::<NodeId>() {
                    let port = srv.port();
                    if let Ok(ipv4_response) = resolver.ipv4_lookup(srv.target().clone()).await {
                        let addresses: Vec<SocketAddr> = ipv4_response
                            .iter()
                            .map(|ip| SocketAddr::new(IpAddr::V4(ip.0), port))
                            .collect();
                        if !addresses.is_empty() {
                            discovered_nodes.push(IrohNodeInfo {
                                node_id,
                                addresses,
                                source: "dns",
                            });
                        }
                    }
                    // IPv6 only adds to a node IPv4 already found (Blixard's own rule).
                    if let Ok(ipv6_response) = resolver.ipv6_lookup(srv.target().clone()).await {
                        let addresses: Vec<SocketAddr> = ipv6_response
                            .iter()
                            .map(|ip| SocketAddr::new(IpAddr::V6(ip.0), port))
                            .collect();
                        if !addresses.is_empty() {
                            if let Some(existing) =
                                discovered_nodes.iter_mut().find(|n| n.node_id == node_id)
                            {
                                existing.addresses.extend(addresses);
                            }
                        }
                    }
                }
            }
        }
    }

    if let Ok(txt_response) = resolver.txt_lookup(domain).await {
        for txt in txt_response.iter() {
            // Each character-string of a TXT record on its own.
            for data in txt.iter() {
                if let Ok(text) = std::str::from_utf8(data) {
                    parse_txt_record(text, &mut discovered_nodes);
                }
            }
        }
    }

    discovered_nodes
}

fn parse_txt_record(text: &str, nodes: &mut Vec<IrohNodeInfo>) {
    let mut node_id = None;
    let mut addresses = Vec::new();
    for part in text.split_whitespace() {
        if let Some(value) = part.strip_prefix("node=") {
            node_id = value.parse::<NodeId>().ok();
        } else if let Some(value) = part.strip_prefix("addr=") {
            if let Ok(addr) = SocketAddr::from_str(value) {
                addresses.push(addr);
            }
        }
    }
    if let Some(id) = node_id {
        if !addresses.is_empty() {
            nodes.push(IrohNodeInfo {
                node_id: id,
                addresses,
                source: "dns-txt",
            });
        }
    }
}

fn as_json(info: &IrohNodeInfo) -> Value {
    json!({
        "node": hex(info.node_id.as_bytes()),
        "addresses": info.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "source": info.source,
    })
}

/// What one query of `domain` found: every entry in the order Blixard made them, and the nodes
/// its discovery state holds afterwards (by hex NodeId).
pub async fn discover(domain: &str, server: SocketAddr) -> Result<Value, String> {
    let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
    let resolver = TokioAsyncResolver::tokio(
        ResolverConfig::from_parts(None, vec![], servers),
        ResolverOpts::default(),
    );
    let found = query_domain(&resolver, domain).await;
    let mut state: BTreeMap<String, Value> = BTreeMap::new();
    for info in &found {
        state.insert(hex(info.node_id.as_bytes()), as_json(info));
    }
    Ok(json!({
        "found": found.iter().map(as_json).collect::<Vec<_>>(),
        "nodes": state.into_values().collect::<Vec<_>>(),
    }))
}
