//! The network policy: which sockets a guest may create, bind, connect and which names it may
//! resolve. Everything is refused unless the embedder (or the CLI's flags) allowed it; a
//! refusal is `EACCES`, and the first one prints a line on the host's stderr naming the flag
//! that would allow it.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::str::FromStr;

/// A set of addresses and ports: `ADDR:PORTS`, where `ADDR` is an IP address (`[…]` around
/// IPv6), a CIDR block (`10.0.0.0/8`, `[fd00::]/8`), a host name (resolved once, when the rule
/// is parsed) or `*` (any address), and `PORTS` is `N`, `N-M` or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRule {
    /// Address blocks: a network address and a prefix length. Empty means any address.
    nets: Vec<(IpAddr, u8)>,
    /// The first and last port admitted.
    ports: (u16, u16),
}

/// Why a [`NetRule`] did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRuleError(String);

impl fmt::Display for NetRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NetRuleError {}

impl FromStr for NetRule {
    type Err = NetRuleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| NetRuleError(format!("`{text}`: {why} (expected ADDR:PORTS)"));
        let (host, ports) = text.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        let ports = parse_ports(ports).ok_or_else(|| bad("bad port or port range"))?;
        let (host, prefix) = match host.rsplit_once('/') {
            Some((h, p)) if !h.ends_with(':') => (h, Some(p)),
            _ => (host, None),
        };
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host == "*" {
            if prefix.is_some() {
                return Err(bad("`*` takes no prefix"));
            }
            return Ok(NetRule {
                nets: Vec::new(),
                ports,
            });
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = match prefix {
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|&n| n <= max)
                    .ok_or_else(|| bad("bad prefix length"))?,
                None => max,
            };
            return Ok(NetRule {
                nets: vec![(ip, len)],
                ports,
            });
        }
        if prefix.is_some() || host.is_empty() {
            return Err(bad("bad address"));
        }
        // A host name: every address it resolves to now.
        let nets: Vec<(IpAddr, u8)> = (host, 0)
            .to_socket_addrs()
            .map_err(|e| bad(&format!("cannot resolve `{host}`: {e}")))?
            .map(|a| {
                let ip = a.ip().to_canonical();
                (ip, if ip.is_ipv4() { 32 } else { 128 })
            })
            .collect();
        if nets.is_empty() {
            return Err(bad(&format!("`{host}` has no address")));
        }
        Ok(NetRule { nets, ports })
    }
}

fn parse_ports(text: &str) -> Option<(u16, u16)> {
    if text == "*" {
        return Some((0, u16::MAX));
    }
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => text.parse().ok().map(|p| (p, p)),
    }
}

impl NetRule {
    /// Whether `addr` is one of the rule's addresses and ports.
    pub fn admits(&self, addr: SocketAddr) -> bool {
        let port = addr.port();
        if port < self.ports.0 || port > self.ports.1 {
            return false;
        }
        let ip = addr.ip().to_canonical();
        self.nets.is_empty() || self.nets.iter().any(|&(net, len)| in_block(ip, net, len))
    }
}

fn in_block(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net.to_canonical()) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// What the guest asked for, for the policy and its hint line.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NetOp {
    /// Creating a socket.
    Open,
    /// Binding (or listening on an unbound socket, which binds it implicitly).
    Bind(SocketAddr),
    /// Connecting, or sending a datagram.
    Connect(SocketAddr),
    /// Resolving a name.
    Lookup,
}

/// The network policy of one context (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct NetPolicy {
    /// Everything allowed (`-S inherit-network`).
    pub inherit: bool,
    /// Name resolution allowed (`-S allow-ip-name-lookup`).
    pub lookup: bool,
    /// Addresses that may be bound.
    pub bind: Vec<NetRule>,
    /// Addresses that may be connected or sent to.
    pub connect: Vec<NetRule>,
    /// Whether the hint line was printed.
    pub hinted: bool,
}

impl NetPolicy {
    /// `Ok` if `op` is allowed; else `EACCES`, printing the hint line on the first refusal.
    pub fn check(&mut self, op: NetOp) -> Result<(), crate::preview1::Errno> {
        let allowed = self.inherit
            || match op {
                NetOp::Open => !self.bind.is_empty() || !self.connect.is_empty(),
                NetOp::Bind(a) => self.bind.iter().any(|r| r.admits(a)),
                NetOp::Connect(a) => self.connect.iter().any(|r| r.admits(a)),
                NetOp::Lookup => self.lookup,
            };
        if allowed {
            return Ok(());
        }
        if !self.hinted {
            self.hinted = true;
            let hint = match op {
                NetOp::Open => "creating a socket; allow it with --allow-bind ADDR:PORTS, \
                    --allow-connect HOST:PORTS or -S inherit-network"
                    .to_string(),
                NetOp::Bind(a) => {
                    format!("binding {a}; allow it with --allow-bind {a} or -S inherit-network")
                }
                NetOp::Connect(a) => format!(
                    "connecting to {a}; allow it with --allow-connect {a} or -S inherit-network"
                ),
                NetOp::Lookup => "resolving a name; allow it with -S allow-ip-name-lookup \
                    or -S inherit-network"
                    .to_string(),
            };
            eprintln!("wasi-host: network access denied: {hint}");
        }
        Err(crate::preview1::Errno::Acces)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rules_parse_and_admit() {
        let r: NetRule = "127.0.0.1:8000-8010".parse().unwrap();
        assert!(r.admits(sa("127.0.0.1:8005")));
        assert!(!r.admits(sa("127.0.0.1:8011")));
        assert!(!r.admits(sa("127.0.0.2:8005")));
        assert!(r.admits(sa("[::ffff:127.0.0.1]:8000")));
        let r: NetRule = "10.0.0.0/8:*".parse().unwrap();
        assert!(r.admits(sa("10.1.2.3:1")) && !r.admits(sa("11.0.0.0:1")));
        let r: NetRule = "[::1]:53".parse().unwrap();
        assert!(r.admits(sa("[::1]:53")) && !r.admits(sa("127.0.0.1:53")));
        let r: NetRule = "[fd00::]/8:1".parse().unwrap();
        assert!(r.admits(sa("[fdab::1]:1")));
        let r: NetRule = "*:0".parse().unwrap();
        assert!(r.admits(sa("0.0.0.0:0")) && !r.admits(sa("0.0.0.0:1")));
        let r: NetRule = "localhost:80".parse().unwrap();
        assert!(r.admits(sa("127.0.0.1:80")));
        for bad in [
            "127.0.0.1",
            "1.2.3.4:70000",
            "1.2.3.4:9-8",
            "1.2.3.4/33:1",
            "*/8:1",
            ":1",
        ] {
            assert!(bad.parse::<NetRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn turning_the_hint_off_keeps_the_refusals() {
        let mut quiet = crate::ctx::WasiCtx::builder()
            .network_hint(false)
            .build()
            .unwrap();
        assert!(quiet.net.hinted, "the hint counts as printed already");
        assert!(quiet.net.check(NetOp::Open).is_err());
        assert!(quiet.net.check(NetOp::Lookup).is_err());
        let default = crate::ctx::WasiCtx::builder().build().unwrap();
        assert!(!default.net.hinted);
    }

    #[test]
    fn the_default_refuses_everything() {
        let mut p = NetPolicy::default();
        assert!(p.check(NetOp::Open).is_err());
        assert!(p.check(NetOp::Lookup).is_err());
        assert!(p.check(NetOp::Bind(sa("127.0.0.1:1"))).is_err());
        assert!(p.hinted);
        p.connect.push("127.0.0.1:5".parse().unwrap());
        assert!(p.check(NetOp::Open).is_ok());
        assert!(p.check(NetOp::Connect(sa("127.0.0.1:5"))).is_ok());
        assert!(p.check(NetOp::Connect(sa("127.0.0.1:6"))).is_err());
        assert!(p.check(NetOp::Bind(sa("127.0.0.1:5"))).is_err());
    }
}
