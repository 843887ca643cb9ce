//! Which addresses Herald may call on a tenant's behalf.
//!
//! Refused unless allow-listed: loopback, private (RFC 1918, unique local), link-local
//! (which holds the cloud metadata address 169.254.169.254), shared address space (CGNAT),
//! unspecified, multicast, broadcast and reserved ranges, documentation and benchmarking
//! ranges, and IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) when
//! the carried address is refused, plus Teredo. The allow-list is a setting; tests and
//! sandbox mode put loopback on it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `ADDR/PREFIX` or a bare address.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not an IP network like 127.0.0.0/8 or ::1/128");
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().map_err(|_| bad())?)),
            None => (text.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if a[..full] != b[..full] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (a[full] & mask) == (b[full] & mask)
}

/// The outbound address policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    allowed: Vec<Cidr>,
}

impl AddressPolicy {
    /// Refuses every special-purpose range (production).
    pub fn strict() -> Self {
        Self::default()
    }

    /// Allows loopback (127.0.0.0/8 and ::1): tests and sandbox mode.
    pub fn allow_loopback() -> Self {
        Self::from_list("127.0.0.0/8,::1/128").unwrap_or_default()
    }

    /// Reads a comma-separated allow-list setting such as `127.0.0.0/8,10.1.0.0/16`.
    pub fn from_list(list: &str) -> Result<Self, String> {
        let allowed = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { allowed })
    }

    pub fn is_allow_listed(&self, ip: IpAddr) -> bool {
        self.allowed.iter().any(|net| net.contains(ip))
    }

    /// `Err(reason)` when Herald must not connect to `ip`.
    pub fn check(&self, ip: IpAddr) -> Result<(), &'static str> {
        if self.is_allow_listed(ip) {
            return Ok(());
        }
        match ip {
            IpAddr::V4(v4) => v4_refusal(v4).map_or(Ok(()), Err),
            IpAddr::V6(v6) => {
                // An IPv6 form that carries an IPv4 address is judged by that address,
                // including the allow-list (so `::ffff:127.0.0.1` follows `127.0.0.1`).
                if let Some(v4) = embedded_v4(v6) {
                    return self.check(IpAddr::V4(v4));
                }
                v6_refusal(v6).map_or(Ok(()), Err)
            }
        }
    }
}

fn v4_refusal(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let reason = if ip.is_unspecified() || a == 0 {
        "an unspecified (0.0.0.0/8) address"
    } else if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_private() {
        "a private address"
    } else if a == 169 && b == 254 {
        "a link-local or cloud metadata address"
    } else if a == 100 && (64..128).contains(&b) {
        "a shared (CGNAT) address"
    } else if ip.is_multicast() {
        "a multicast address"
    } else if ip.is_broadcast() || a >= 240 {
        "a reserved address"
    } else if a == 192 && b == 0 && (c == 0 || c == 2) {
        "a reserved or documentation address"
    } else if (a == 198 && (b == 18 || b == 19)) || (a == 198 && b == 51 && c == 100) {
        "a benchmarking or documentation address"
    } else if a == 203 && b == 0 && c == 113 {
        "a documentation address"
    } else if a == 192 && b == 88 && c == 99 {
        "a deprecated relay address"
    } else {
        return None;
    };
    Some(reason)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if s[..5] == [0, 0, 0, 0, 0] && (s[5] == 0xffff || s[5] == 0) && !(s[5] == 0 && s[6] == 0) {
        return Some(tail);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

fn v6_refusal(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    let reason = if ip.is_unspecified() {
        "an unspecified address"
    } else if ip.is_loopback() {
        "a loopback address"
    } else if (s[0] & 0xfe00) == 0xfc00 {
        "a unique local (private) address"
    } else if (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xffc0) == 0xfec0 {
        "a link-local or site-local address"
    } else if ip.is_multicast() {
        "a multicast address"
    } else if s[0] == 0x2001 && s[1] == 0 {
        "a Teredo address"
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        "a documentation address"
    } else if s[0] == 0x0064 && s[1] == 0xff9b {
        "a NAT64 address"
    } else if s[0] == 0x0100 && s[1..4] == [0, 0, 0] {
        "a discard-only address"
    } else if s[..6] == [0, 0, 0, 0, 0, 0] {
        "a reserved address"
    } else {
        return None;
    };
    Some(reason)
}
