//! The SSRF guard: webhook targets must be public http(s) addresses.
//!
//! A URL is checked when a subscription is written (its host resolved, every address checked) and again at every
//! delivery: the worker's HTTP client resolves names through [`GuardedResolver`], which refuses a name when any of
//! its addresses is forbidden, so the address checked is the address connected to (no DNS-rebinding window).
//!
//! [`is_forbidden`] is one pure classifier over two tables, [`V4_SPECIAL`] and [`V6_SPECIAL`]: the rows of the IANA
//! IPv4 and IPv6 Special-Purpose Address Registries (2025), plus multicast and the deprecated site-local block.
//! Every row that is not globally reachable is refused. So are the anycast service blocks that the registries call
//! globally reachable (PCP, TURN, DNS-SD SRP, AMT, AS112, the 6to4 relay): an anycast address is answered by the
//! nearest server, which may sit inside our own network, and no webhook receiver lives there; and the ORCHID and
//! DET blocks, which are identifiers, not locators. Addresses that carry an IPv4 address (IPv4-mapped, NAT64
//! `64:ff9b::/96`, 6to4, Teredo's server and client) are judged by that address; IPv4-translated, IPv4-compatible
//! and local-use NAT64 addresses are refused whole. Outside those rows an IPv6 address must be global unicast
//! (`2000::/3`).

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

/// What a special-purpose row means for a webhook target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Never a target.
    Refuse,
    /// Judged by the IPv4 address in the last 32 bits (IPv4-mapped, NAT64 well-known prefix).
    Last32,
    /// 6to4: judged by the IPv4 address in bits 16..48.
    SixToFour,
    /// Teredo: judged by the server (bits 32..64) and the client (the inverted last 32 bits); both must pass.
    Teredo,
}

/// One row: a prefix, its length, the registry's name for it.
struct Row<A> {
    net: A,
    len: u8,
    name: &'static str,
    rule: Rule,
}

const fn v4(net: [u8; 4], len: u8, name: &'static str) -> Row<u32> {
    Row {
        net: u32::from_be_bytes(net),
        len,
        name,
        rule: Rule::Refuse,
    }
}

const fn v6(net: [u16; 8], len: u8, name: &'static str, rule: Rule) -> Row<u128> {
    let mut bits = 0u128;
    let mut i = 0;
    while i < 8 {
        bits = (bits << 16) | net[i] as u128;
        i += 1;
    }
    Row {
        net: bits,
        len,
        name,
        rule,
    }
}

/// The IANA IPv4 Special-Purpose Address Registry, every row refused (see the module comment), and multicast; most
/// specific first, so that the first match names the row.
#[rustfmt::skip]
const V4_SPECIAL: &[Row<u32>] = &[
    v4([0, 0, 0, 0], 32, "\"this host on this network\" (RFC 1122)"),
    v4([0, 0, 0, 0], 8, "\"this network\" (RFC 791)"),
    v4([10, 0, 0, 0], 8, "private-use (RFC 1918)"),
    v4([100, 64, 0, 0], 10, "shared address space, CGNAT (RFC 6598)"),
    v4([127, 0, 0, 0], 8, "loopback (RFC 1122)"),
    v4([169, 254, 0, 0], 16, "link local (RFC 3927)"),
    v4([172, 16, 0, 0], 12, "private-use (RFC 1918)"),
    v4([192, 0, 0, 0], 29, "IPv4 service continuity prefix (RFC 7335)"),
    v4([192, 0, 0, 8], 32, "IPv4 dummy address (RFC 7600)"),
    v4([192, 0, 0, 9], 32, "port control protocol anycast (RFC 7723)"),
    v4([192, 0, 0, 10], 32, "TURN anycast (RFC 8155)"),
    v4([192, 0, 0, 170], 32, "NAT64/DNS64 discovery (RFC 8880)"),
    v4([192, 0, 0, 171], 32, "NAT64/DNS64 discovery (RFC 8880)"),
    v4([192, 0, 0, 0], 24, "IETF protocol assignments (RFC 6890)"),
    v4([192, 0, 2, 0], 24, "documentation, TEST-NET-1 (RFC 5737)"),
    v4([192, 31, 196, 0], 24, "AS112-v4 (RFC 7535)"),
    v4([192, 52, 193, 0], 24, "AMT (RFC 7450)"),
    v4([192, 88, 99, 0], 24, "deprecated 6to4 relay anycast (RFC 7526)"),
    v4([192, 168, 0, 0], 16, "private-use (RFC 1918)"),
    v4([192, 175, 48, 0], 24, "direct delegation AS112 service (RFC 7534)"),
    v4([198, 18, 0, 0], 15, "benchmarking (RFC 2544)"),
    v4([198, 51, 100, 0], 24, "documentation, TEST-NET-2 (RFC 5737)"),
    v4([203, 0, 113, 0], 24, "documentation, TEST-NET-3 (RFC 5737)"),
    v4([255, 255, 255, 255], 32, "limited broadcast (RFC 919)"),
    v4([240, 0, 0, 0], 4, "reserved (RFC 1112)"),
    v4([224, 0, 0, 0], 4, "multicast (RFC 5771; not in the registry)"),
];

/// The IANA IPv6 Special-Purpose Address Registry, with the rule for each row, most specific first (the first
/// match decides), then the blocks outside it that are never targets.
#[rustfmt::skip]
const V6_SPECIAL: &[Row<u128>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback (RFC 4291)", Rule::Refuse),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, "unspecified (RFC 4291)", Rule::Refuse),
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, "IPv4-mapped (RFC 4291)", Rule::Last32),
    v6([0, 0, 0, 0, 0xffff, 0, 0, 0], 96, "IPv4-translated (RFC 2765; not in the registry)", Rule::Refuse),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 96, "IPv4-compatible, deprecated (RFC 4291; not in the registry)", Rule::Refuse),
    v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, "IPv4-IPv6 translation, NAT64 (RFC 6052)", Rule::Last32),
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "IPv4-IPv6 translation, local use (RFC 8215)", Rule::Refuse),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only (RFC 6666)", Rule::Refuse),
    v6([0x100, 0, 0, 1, 0, 0, 0, 0], 64, "dummy IPv6 prefix (RFC 9780)", Rule::Refuse),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "TEREDO (RFC 4380)", Rule::Teredo),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 1], 128, "port control protocol anycast (RFC 7723)", Rule::Refuse),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 2], 128, "TURN anycast (RFC 8155)", Rule::Refuse),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 3], 128, "DNS-SD service registration protocol anycast (RFC 9665)", Rule::Refuse),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, "benchmarking (RFC 5180)", Rule::Refuse),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32, "AMT (RFC 7450)", Rule::Refuse),
    v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48, "AS112-v6 (RFC 7535)", Rule::Refuse),
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28, "deprecated ORCHID (RFC 4843)", Rule::Refuse),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, "ORCHIDv2 (RFC 7343)", Rule::Refuse),
    v6([0x2001, 0x30, 0, 0, 0, 0, 0, 0], 28, "drone remote ID entity tags (RFC 9374)", Rule::Refuse),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23, "IETF protocol assignments (RFC 2928)", Rule::Refuse),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation (RFC 3849)", Rule::Refuse),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4 (RFC 3056)", Rule::SixToFour),
    v6([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48, "direct delegation AS112 service (RFC 7534)", Rule::Refuse),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation (RFC 9637)", Rule::Refuse),
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, "segment routing SIDs (RFC 9602)", Rule::Refuse),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique-local (RFC 4193)", Rule::Refuse),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local unicast (RFC 4291)", Rule::Refuse),
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "site-local, deprecated (RFC 3879; not in the registry)", Rule::Refuse),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast (RFC 4291; not in the registry)", Rule::Refuse),
];

fn in_prefix<const BITS: u32>(addr: u128, net: u128, len: u8) -> bool {
    let len = u32::from(len);
    if len == 0 {
        return true;
    }
    let shift = BITS - len.min(BITS);
    (addr >> shift) == (net >> shift)
}

/// The special-purpose row an IPv4 address falls in, if any (the first listed).
fn v4_row(ip: Ipv4Addr) -> Option<&'static Row<u32>> {
    let bits = u128::from(ip.to_bits());
    V4_SPECIAL
        .iter()
        .find(|row| in_prefix::<32>(bits, u128::from(row.net), row.len))
}

/// The special-purpose row an IPv6 address falls in, if any (the first listed).
fn v6_row(ip: Ipv6Addr) -> Option<&'static Row<u128>> {
    let bits = ip.to_bits();
    V6_SPECIAL
        .iter()
        .find(|row| in_prefix::<128>(bits, row.net, row.len))
}

/// True for addresses a webhook may not reach: every special-purpose address that is not globally reachable, the
/// anycast service and identifier blocks, multicast, and any IPv6 address that carries a forbidden IPv4 address
/// or is not global unicast. A pure function: the same classifier runs when a subscription is written and at every
/// delivery.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    v4_row(ip).is_some()
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let bits = ip.to_bits();
    let v4_at = |shift: u32| Ipv4Addr::from_bits(((bits >> shift) & 0xffff_ffff) as u32);
    match v6_row(ip).map(|row| row.rule) {
        Some(Rule::Refuse) => true,
        Some(Rule::Last32) => is_forbidden_v4(v4_at(0)),
        Some(Rule::SixToFour) => is_forbidden_v4(v4_at(80)),
        Some(Rule::Teredo) => {
            let server = v4_at(64);
            let client = Ipv4Addr::from_bits(!v4_at(0).to_bits());
            is_forbidden_v4(server) || is_forbidden_v4(client)
        }
        // Global unicast is 2000::/3; everything else is unassigned or special.
        None => (bits >> 125) != 0b001,
    }
}

/// The special-purpose row `ip` falls in (`None`: an ordinary address), for the log of a refusal.
pub fn special_purpose_name(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_row(v4).map(|row| row.name),
        IpAddr::V6(v6) => v6_row(v6).map(|row| row.name),
    }
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
    if !allow_private && let Some(refused) = addrs.into_iter().find(|ip| is_forbidden(*ip)) {
        // The registry block, not the address or the URL: enough to tell an operator why.
        tracing::info!(
            webhook.refused_block =
                special_purpose_name(refused).unwrap_or("outside global unicast"),
            "webhook target refused"
        );
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
        s.parse()
            .unwrap_or_else(|_| panic!("{s} is not an IP address"))
    }

    /// One address from each row of the IANA IPv4 and IPv6 special-purpose registries (and the blocks beside
    /// them that are never targets), with the row it must fall in. Written out here rather than taken from
    /// `V4_SPECIAL`/`V6_SPECIAL`, so that a row dropped from the code fails this test.
    #[rustfmt::skip]
    const SPECIAL: &[(&str, &str)] = &[
        // IPv4 Special-Purpose Address Registry
        ("0.1.2.3", "\"this network\" (RFC 791)"),
        ("0.0.0.0", "\"this host on this network\" (RFC 1122)"),
        ("10.1.2.3", "private-use (RFC 1918)"),
        ("100.64.0.1", "shared address space, CGNAT (RFC 6598)"),
        ("100.127.255.254", "shared address space, CGNAT (RFC 6598)"),
        ("127.8.8.8", "loopback (RFC 1122)"),
        ("169.254.169.254", "link local (RFC 3927)"),
        ("172.31.255.255", "private-use (RFC 1918)"),
        ("192.0.0.77", "IETF protocol assignments (RFC 6890)"),
        ("192.0.0.5", "IPv4 service continuity prefix (RFC 7335)"),
        ("192.0.0.8", "IPv4 dummy address (RFC 7600)"),
        ("192.0.0.9", "port control protocol anycast (RFC 7723)"),
        ("192.0.0.10", "TURN anycast (RFC 8155)"),
        ("192.0.0.170", "NAT64/DNS64 discovery (RFC 8880)"),
        ("192.0.0.171", "NAT64/DNS64 discovery (RFC 8880)"),
        ("192.0.2.1", "documentation, TEST-NET-1 (RFC 5737)"),
        ("192.31.196.1", "AS112-v4 (RFC 7535)"),
        ("192.52.193.1", "AMT (RFC 7450)"),
        ("192.88.99.1", "deprecated 6to4 relay anycast (RFC 7526)"),
        ("192.168.1.1", "private-use (RFC 1918)"),
        ("192.175.48.6", "direct delegation AS112 service (RFC 7534)"),
        ("198.19.255.1", "benchmarking (RFC 2544)"),
        ("198.51.100.7", "documentation, TEST-NET-2 (RFC 5737)"),
        ("203.0.113.7", "documentation, TEST-NET-3 (RFC 5737)"),
        ("240.0.0.1", "reserved (RFC 1112)"),
        ("255.255.255.255", "limited broadcast (RFC 919)"),
        ("224.0.0.1", "multicast (RFC 5771; not in the registry)"),
        ("239.255.255.250", "multicast (RFC 5771; not in the registry)"),
        // IPv6 Special-Purpose Address Registry
        ("::1", "loopback (RFC 4291)"),
        ("::", "unspecified (RFC 4291)"),
        ("::ffff:127.0.0.1", "IPv4-mapped (RFC 4291)"),
        ("::ffff:10.0.0.1", "IPv4-mapped (RFC 4291)"),
        ("::ffff:0:127.0.0.1", "IPv4-translated (RFC 2765; not in the registry)"),
        ("::ffff:0:8.8.8.8", "IPv4-translated (RFC 2765; not in the registry)"),
        ("::127.0.0.1", "IPv4-compatible, deprecated (RFC 4291; not in the registry)"),
        ("::8.8.8.8", "IPv4-compatible, deprecated (RFC 4291; not in the registry)"),
        ("64:ff9b::a9fe:a9fe", "IPv4-IPv6 translation, NAT64 (RFC 6052)"),
        ("64:ff9b::127.0.0.1", "IPv4-IPv6 translation, NAT64 (RFC 6052)"),
        ("64:ff9b:1::7f00:1", "IPv4-IPv6 translation, local use (RFC 8215)"),
        ("64:ff9b:1::808:808", "IPv4-IPv6 translation, local use (RFC 8215)"),
        ("100::1", "discard-only (RFC 6666)"),
        ("100:0:0:1::1", "dummy IPv6 prefix (RFC 9780)"),
        ("2001::", "TEREDO (RFC 4380)"),
        // Teredo with a public server (8.8.8.8) and the client 10.0.0.1 (inverted: f5ff:fffe)
        ("2001:0:808:808:0:0:f5ff:fffe", "TEREDO (RFC 4380)"),
        // Teredo with the server 192.168.1.1 and a public client (8.8.4.4, inverted: f7f7:fbfb)
        ("2001:0:c0a8:101::f7f7:fbfb", "TEREDO (RFC 4380)"),
        ("2001:1::1", "port control protocol anycast (RFC 7723)"),
        ("2001:1::2", "TURN anycast (RFC 8155)"),
        ("2001:1::3", "DNS-SD service registration protocol anycast (RFC 9665)"),
        ("2001:2::1", "benchmarking (RFC 5180)"),
        ("2001:3::1", "AMT (RFC 7450)"),
        ("2001:4:112::1", "AS112-v6 (RFC 7535)"),
        ("2001:10::1", "deprecated ORCHID (RFC 4843)"),
        ("2001:20::1", "ORCHIDv2 (RFC 7343)"),
        ("2001:30::1", "drone remote ID entity tags (RFC 9374)"),
        ("2001:1ff::1", "IETF protocol assignments (RFC 2928)"),
        ("2001:db8::1", "documentation (RFC 3849)"),
        ("2002:7f00:1::", "6to4 (RFC 3056)"),
        ("2002:a9fe:a9fe::", "6to4 (RFC 3056)"),
        ("2002:c0a8:101::", "6to4 (RFC 3056)"),
        ("2620:4f:8000::1", "direct delegation AS112 service (RFC 7534)"),
        ("3fff::1", "documentation (RFC 9637)"),
        ("3fff:fff::1", "documentation (RFC 9637)"),
        ("5f00::1", "segment routing SIDs (RFC 9602)"),
        ("fc00::1", "unique-local (RFC 4193)"),
        ("fd12:3456::1", "unique-local (RFC 4193)"),
        ("fe80::1", "link-local unicast (RFC 4291)"),
        ("febf::1", "link-local unicast (RFC 4291)"),
        ("fec0::1", "site-local, deprecated (RFC 3879; not in the registry)"),
        ("ff02::1", "multicast (RFC 4291; not in the registry)"),
    ];

    #[test]
    fn an_address_of_every_special_purpose_row_is_refused() {
        for (addr, row) in SPECIAL {
            let ip = ip(addr);
            assert_eq!(special_purpose_name(ip), Some(*row), "{addr}");
            assert!(is_forbidden(ip), "{addr} ({row}) must be refused");
        }
    }

    #[test]
    fn addresses_outside_global_unicast_are_refused() {
        // 0200::/7 (the former NSAP block), 4000::/3 and 8000::/1 are not assigned for unicast.
        for addr in ["200::1", "4000::1", "8000::1", "c000::1", "1::1"] {
            assert_eq!(special_purpose_name(ip(addr)), None, "{addr}");
            assert!(is_forbidden(ip(addr)), "{addr} must be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "192.0.1.1",
            "192.88.98.1",
            "198.20.0.1",
            "223.255.255.254",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82a::200e",
            "2001:200::1",
            "2001:4860:4860::8888",
            "2620:4f:8001::1",
            "3ffe::1",
            // IPv4 inside IPv6 is judged by its IPv4 address
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            // Teredo: server 8.8.8.8, client 1.1.1.1 (inverted: fefe:fefe)
            "2001:0:808:808::fefe:fefe",
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
        for literal in [
            "http://[::1]:9/hook",
            "http://[::ffff:0:127.0.0.1]/hook",
            "http://[2002:7f00:1::]/hook",
            "http://[64:ff9b:1::7f00:1]/hook",
            "http://[2001::]/hook",
            "http://[100::1]/hook",
        ] {
            let url = parse_url(literal).unwrap_or_else(|_| unreachable!());
            assert_eq!(
                check_target(&url, false).await,
                Err(TargetError::Forbidden),
                "{literal}"
            );
        }
    }
}
