//! Reads files muster wrote the way a Blixard node reads them: serde into copies of Blixard's
//! structs (BrittonR/blixard: blixard/src/discovery_manager.rs `DiscoveredPeer`,
//! blixard/src/node_discovery.rs `NodeRegistryEntry`, blixard-core/src/iroh_types/p2p.rs
//! `BootstrapInfo`), then the Iroh node id through iroh's own key type: standard base64 and
//! `NodeId::from_bytes` for the files, `NodeId::from_str` for bootstrap's `p2p_node_id`.
//!
//! It also runs Blixard's network clients against muster: its join client (join.rs) and its DNS
//! discovery (dns.rs).
//!
//! Usage: blixard-shapes <peers|registry|bootstrap> <file>
//!        blixard-shapes nodeid <text>                  iroh's NodeId::from_str (hex or base32)
//!        blixard-shapes join <join-address>            Blixard's HTTP bootstrap fetch
//!        blixard-shapes dns <domain> <ip:port>         Blixard's DNS discovery of one domain
//! Prints what it decoded as JSON on stdout; exits 1 with Blixard's kind of error otherwise.

mod dns;
mod join;

use base64::Engine;
use iroh_base::NodeId;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct DiscoveredPeer {
    node_id: u64,
    iroh_node_id: String,
    direct_addresses: Vec<String>,
    relay_url: Option<String>,
    source: String,
    discovered_at: SystemTime,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct NodeRegistryEntry {
    cluster_node_id: u64,
    iroh_node_id: String,
    direct_addresses: Vec<String>,
    relay_url: Option<String>,
    address: String,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
pub(crate) struct BootstrapInfo {
    pub(crate) node_id: u64,
    pub(crate) p2p_node_id: String,
    pub(crate) p2p_addresses: Vec<String>,
    pub(crate) p2p_relay_url: Option<String>,
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// As Blixard does: `base64::decode`, then `NodeId::from_bytes` (a point on the curve).
fn node_id_from_base64(id: &str) -> Result<NodeId, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(id)
        .map_err(|e| format!("Failed to decode Iroh node ID: {e}"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("Invalid Iroh node ID: {} bytes, not 32", b.len()))?;
    NodeId::from_bytes(&bytes).map_err(|e| format!("Invalid Iroh node ID: {e}"))
}

/// Blixard keeps only the addresses that parse as `SocketAddr`; muster must write only those.
pub(crate) fn socket_addrs(addrs: &[String]) -> Result<Vec<String>, String> {
    addrs
        .iter()
        .map(|a| {
            a.parse::<SocketAddr>()
                .map(|s| s.to_string())
                .map_err(|e| format!("{a:?} is not a SocketAddr: {e}"))
        })
        .collect()
}

fn run(kind: &str, text: &str) -> Result<Value, String> {
    match kind {
        "peers" => {
            let peers: Vec<DiscoveredPeer> = serde_json::from_str(text)
                .map_err(|e| format!("Failed to parse discovery file: {e}"))?;
            let mut out = Vec::new();
            for p in &peers {
                let id = node_id_from_base64(&p.iroh_node_id)?;
                let secs = p.discovered_at.duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?;
                out.push(json!({
                    "node_id": p.node_id,
                    "key": hex(id.as_bytes()),
                    "addresses": socket_addrs(&p.direct_addresses)?,
                    "discovered_at_ms": secs.as_millis() as u64,
                }));
            }
            Ok(Value::Array(out))
        }
        "registry" => {
            let e: NodeRegistryEntry = serde_json::from_str(text)
                .map_err(|e| format!("Failed to parse node registry: {e}"))?;
            let id = node_id_from_base64(&e.iroh_node_id)?;
            Ok(json!({
                "node_id": e.cluster_node_id,
                "key": hex(id.as_bytes()),
                "addresses": socket_addrs(&e.direct_addresses)?,
            }))
        }
        "bootstrap" => {
            let b: BootstrapInfo = serde_json::from_str(text)
                .map_err(|e| format!("Invalid bootstrap response: {e}"))?;
            let id = b
                .p2p_node_id
                .parse::<NodeId>()
                .map_err(|e| format!("Invalid P2P node ID: {e}"))?;
            Ok(json!({
                "node_id": b.node_id,
                "key": hex(id.as_bytes()),
                "addresses": socket_addrs(&b.p2p_addresses)?,
            }))
        }
        other => Err(format!("unknown kind {other:?}: peers, registry or bootstrap")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("nodeid") if args.len() == 3 => args[2]
            .parse::<NodeId>()
            .map(|id| json!({ "key": hex(id.as_bytes()) }))
            .map_err(|e| format!("Invalid node ID: {e}")),
        Some("join") if args.len() == 3 => runtime().block_on(join::join(&args[2])),
        Some("dns") if args.len() == 4 => args[3]
            .parse()
            .map_err(|e| format!("{:?} is not an ip:port: {e}", args[3]))
            .and_then(|server| runtime().block_on(dns::discover(&args[2], server))),
        Some("peers" | "registry" | "bootstrap") if args.len() == 3 => {
            std::fs::read_to_string(&args[2])
                .map_err(|e| format!("{}: {e}", args[2]))
                .and_then(|text| run(&args[1], &text))
        }
        _ => {
            eprintln!(
                "usage: blixard-shapes <peers|registry|bootstrap> <file>\n       \
                 blixard-shapes nodeid <text>\n       \
                 blixard-shapes join <join-address>\n       \
                 blixard-shapes dns <domain> <ip:port>"
            );
            std::process::exit(2);
        }
    };
    match result {
        Ok(v) => println!("{v}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// Blixard runs on tokio's multi-threaded runtime (`tokio = { features = ["full"] }`).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
