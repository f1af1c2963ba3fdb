//! Blixard's HTTP bootstrap, as `blixard node --join-address <url>` runs it (BrittonR/blixard):
//! `build_bootstrap_url` and `fetch_bootstrap_info` in blixard-core/src/node/cluster.rs, with the
//! client `HttpClientPool::create_client` builds in blixard-core/src/transport/http_client_pool.rs
//! under `HttpClientPoolConfig::default()`. Same crate versions and features (reqwest 0.11.27,
//! default-tls = native-tls, json), same builder calls in the same order, nothing added: the
//! test CA is trusted the way OpenSSL trusts any CA (SSL_CERT_FILE), not by a builder call.

use crate::{hex, socket_addrs, BootstrapInfo};
use iroh_base::NodeId;
use serde_json::{json, Value};
use std::time::Duration;

/// `HttpClientPoolConfig::default()`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
const MAX_CLIENTS_PER_HOST: usize = 10;
const KEEP_ALIVE: bool = true;

/// `build_bootstrap_url` for an http(s) join address (the socket-address form needs Blixard's
/// config and is not muster's).
fn build_bootstrap_url(join_addr: &str) -> Result<String, String> {
    if !(join_addr.starts_with("http://") || join_addr.starts_with("https://")) {
        return Err(format!("Invalid join address '{join_addr}': not an http(s) URL"));
    }
    Ok(if join_addr.ends_with("/bootstrap") {
        join_addr.to_string()
    } else {
        format!("{}/bootstrap", join_addr.trim_end_matches('/'))
    })
}

/// `HttpClientPool::create_client`'s builder, call for call.
fn client() -> Result<reqwest::Client, String> {
    reqwest::ClientBuilder::new()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_keepalive(if KEEP_ALIVE {
            Some(Duration::from_secs(60))
        } else {
            None
        })
        .pool_idle_timeout(Some(IDLE_TIMEOUT))
        .pool_max_idle_per_host(MAX_CLIENTS_PER_HOST)
        .http2_prior_knowledge()
        .http2_keep_alive_interval(Some(Duration::from_secs(30)))
        .http2_keep_alive_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("Failed to create HTTP client: {e}"))
}

/// `fetch_bootstrap_info`, then `create_p2p_node_addr`'s parse of the node id and addresses.
/// Prints the HTTP version the answer came over, so the tests see that it was HTTP/2.
pub async fn join(join_addr: &str) -> Result<Value, String> {
    let bootstrap_url = build_bootstrap_url(join_addr)?;
    let client = client()?;
    // `HttpClient::request`: the request under `with_timeout(request_timeout)`.
    let response = tokio::time::timeout(REQUEST_TIMEOUT, client.get(&bootstrap_url).send())
        .await
        .map_err(|_| format!("HTTP request to {bootstrap_url} timed out"))?
        .map_err(|e| {
            format!(
                "Failed to connect to bootstrap endpoint {bootstrap_url}: HTTP request failed: {e}{}",
                source_chain(&e)
            )
        })?;
    if !response.status().is_success() {
        return Err(format!(
            "Bootstrap endpoint returned {}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        ));
    }
    let version = format!("{:?}", response.version());
    let info: BootstrapInfo = response
        .json()
        .await
        .map_err(|e| format!("Invalid bootstrap response: {e}"))?;
    let id = info
        .p2p_node_id
        .parse::<NodeId>()
        .map_err(|e| format!("Invalid P2P node ID: {e}"))?;
    Ok(json!({
        "url": bootstrap_url,
        "http_version": version,
        "node_id": info.node_id,
        "key": hex(id.as_bytes()),
        "addresses": socket_addrs(&info.p2p_addresses)?,
        "relay_url": info.p2p_relay_url,
    }))
}

/// reqwest's Display stops at the outermost error; the cause (h2's "frame with invalid size",
/// a TLS failure) is what a test needs to see.
fn source_chain(err: &dyn std::error::Error) -> String {
    let mut out = String::new();
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push_str(&format!(": {c}"));
        cause = c.source();
    }
    out
}
