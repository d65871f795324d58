//! Behind a reverse proxy that terminates TLS (docs/operations.md): which client a request
//! is from, and whether it reached the proxy over HTTPS. The proxy's `X-Forwarded-For`
//! and `X-Forwarded-Proto` are believed only from the addresses in `trusted_proxies`;
//! once a proxy is configured, tokens are refused on requests that did not come through
//! it over HTTPS, so a token never crosses a network in clear.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{ApiError, Server};

/// The connection's peer, set by the accept loop on every request.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// Who a request is from, as the audit log names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub addr: IpAddr,
    /// Came through a trusted proxy.
    pub proxied: bool,
    /// Reached the proxy over HTTPS.
    pub https: bool,
}

/// The client of a request from `peer` with `headers`, given the trusted proxies.
pub fn client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> Client {
    if !trusted.contains(&peer) {
        return Client { addr: peer, proxied: false, https: false };
    }
    // The proxy appends the address it saw; anything before it the client could write, so
    // only the last entry counts (if it does not parse, the proxy's own address does).
    let last = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .next_back()
            .map(str::to_string)
    };
    let forwarded = last("x-forwarded-for").and_then(|a| a.parse::<IpAddr>().ok());
    let https = last("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
    Client { addr: forwarded.unwrap_or(peer), proxied: true, https }
}

/// Why a token may not be used on this request, if it may not.
pub fn refuse_token(client: &Client, peer: IpAddr, trusted: &[IpAddr]) -> Option<&'static str> {
    if trusted.is_empty() {
        return None;
    }
    if client.proxied && !client.https {
        return Some("tokens are accepted over HTTPS only: this request reached the proxy over HTTP");
    }
    if !client.proxied && !peer.is_loopback() {
        return Some("tokens are accepted only through the TLS proxy");
    }
    None
}

/// Tags each request with its [`Client`] and refuses tokens that travelled in clear.
pub(super) async fn identify(State(server): State<Arc<Server>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<Peer>().map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |p| p.0.ip());
    let trusted = &server.config.trusted_proxies;
    let client = client(peer, request.headers(), trusted);
    if request.headers().contains_key(header::AUTHORIZATION) {
        if let Some(reason) = refuse_token(&client, peer, trusted) {
            return ApiError(StatusCode::FORBIDDEN, reason.into()).into_response();
        }
    }
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let forwarded = headers(&[("x-forwarded-for", "1.2.3.4, 192.0.2.7"), ("x-forwarded-proto", "https")]);
        let c = client(proxy, &forwarded, &[proxy]);
        assert_eq!(
            c,
            Client { addr: "192.0.2.7".parse().unwrap(), proxied: true, https: true },
            "the address the proxy appended, not what the client wrote"
        );
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(client(stranger, &forwarded, &[proxy]), Client { addr: stranger, proxied: false, https: false });
        let unparsable =
            headers(&[("x-forwarded-for", "192.0.2.7, unknown"), ("x-forwarded-proto", "https"), ("x-forwarded-proto", "http")]);
        assert_eq!(
            client(proxy, &unparsable, &[proxy]),
            Client { addr: proxy, proxied: true, https: false },
            "the last entries, which the proxy wrote"
        );
    }

    #[test]
    fn tokens_travel_only_over_https_once_a_proxy_is_set() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let over_http = client(proxy, &headers(&[("x-forwarded-for", "192.0.2.7"), ("x-forwarded-proto", "http")]), &[proxy]);
        assert!(refuse_token(&over_http, proxy, &[proxy]).is_some());
        let over_https = client(proxy, &headers(&[("x-forwarded-for", "192.0.2.7"), ("x-forwarded-proto", "https")]), &[proxy]);
        assert_eq!(refuse_token(&over_https, proxy, &[proxy]), None);
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert!(refuse_token(&client(stranger, &HeaderMap::new(), &[proxy]), stranger, &[proxy]).is_some(), "around the proxy");
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(refuse_token(&client(local, &HeaderMap::new(), &[proxy]), local, &[proxy]), None, "an operator on the machine");
        assert_eq!(refuse_token(&client(stranger, &HeaderMap::new(), &[]), stranger, &[]), None, "no proxy configured: as before");
    }
}
