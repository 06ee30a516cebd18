//! The SSRF guard: webhook targets must be public http(s) addresses.
//!
//! A URL is checked when a subscription is written (its host resolved, every address checked) and again at every
//! delivery: the worker's HTTP client resolves names through [`GuardedResolver`], which refuses a name when any of
//! its addresses is forbidden, so the address checked is the address connected to (no DNS-rebinding window).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("must be an absolute http or https URL")]
    InvalidUrl,
    #[error("must not contain user name or password")]
    Credentials,
    #[error("the host name does not resolve")]
    Unresolvable,
    #[error("resolves to a private, loopback, link-local or otherwise non-public address")]
    Forbidden,
}

/// True for addresses a webhook may not reach: private (RFC 1918), loopback, link-local, unique-local (fc00::/7),
/// CGNAT (100.64.0.0/10), multicast, unspecified, broadcast, and other reserved ranges; IPv4 inside IPv6
/// (mapped, NAT64) is judged by its IPv4 address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT, RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_forbidden_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return is_forbidden_v4(v4);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (segments[0] & 0xffc0) == 0xfe80 // link local fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // site local (deprecated)
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated)
}

/// Parses a webhook URL: absolute, http or https, with a host and without credentials.
pub fn parse_url(raw: &str) -> Result<Url, TargetError> {
    let url = Url::parse(raw).map_err(|_| TargetError::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(TargetError::InvalidUrl);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::Credentials);
    }
    Ok(url)
}

/// Resolves the URL's host and checks every address (unless `allow_private`).
pub async fn check_target(url: &Url, allow_private: bool) -> Result<(), TargetError> {
    let host = url.host().ok_or(TargetError::InvalidUrl)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| TargetError::Unresolvable)?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(TargetError::Unresolvable);
    }
    if !allow_private && addrs.into_iter().any(is_forbidden) {
        return Err(TargetError::Forbidden);
    }
    Ok(())
}

/// The DNS resolver of the delivery client: resolves with the system resolver and refuses names with a forbidden
/// address (unless private targets are allowed).
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_private && addrs.iter().any(|a| is_forbidden(a.ip())) {
                return Err(Box::new(TargetError::Forbidden) as Box<_>);
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

impl GuardedResolver {
    pub fn shared(allow_private: bool) -> Arc<Self> {
        Arc::new(Self { allow_private })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for addr in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "127.8.8.8",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(is_forbidden(ip(addr)), "{addr} should be forbidden");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_forbidden(ip(addr)), "{addr} should be allowed");
        }
    }

    #[test]
    fn urls_must_be_http_or_https_without_credentials() {
        assert!(parse_url("https://hooks.example.com/bimtek").is_ok());
        assert!(parse_url("http://203.0.113.7:8080/x").is_ok());
        assert_eq!(
            parse_url("ftp://example.com/"),
            Err(TargetError::InvalidUrl)
        );
        assert_eq!(
            parse_url("file:///etc/passwd"),
            Err(TargetError::InvalidUrl)
        );
        assert_eq!(parse_url("example.com"), Err(TargetError::InvalidUrl));
        assert_eq!(
            parse_url("https://user:pw@example.com/"),
            Err(TargetError::Credentials)
        );
    }

    #[tokio::test]
    async fn literal_private_targets_are_refused_unless_allowed() {
        let url = parse_url("http://127.0.0.1:9/hook").unwrap_or_else(|_| unreachable!());
        assert_eq!(check_target(&url, false).await, Err(TargetError::Forbidden));
        assert_eq!(check_target(&url, true).await, Ok(()));
        let url = parse_url("http://[::1]:9/hook").unwrap_or_else(|_| unreachable!());
        assert_eq!(check_target(&url, false).await, Err(TargetError::Forbidden));
    }
}
