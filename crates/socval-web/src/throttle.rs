//! Throttling by client address: after repeated failed sign-ins or API
//! token failures from one address, further attempts from it are refused
//! (429 with `Retry-After`) for a while, whichever account they name.
//!
//! This complements the per-account lockout (which an attacker trying one
//! password against many accounts never reaches). It is kept in memory,
//! per server process, in a table of bounded size: when the table is full,
//! entries whose window has passed are dropped first, then the oldest.
//!
//! The client address is the socket peer, or, when the peer is one of the
//! operator's trusted proxies, the address that proxy reports in
//! `X-Forwarded-For` (the rightmost entry that is not itself a trusted
//! proxy). IPv6 addresses count by their /64 network, which one machine
//! usually holds whole.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

use axum::http::HeaderMap;
use time::{Duration, OffsetDateTime};

/// When failures from one address are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures from one address within `window` that start a refusal.
    pub max_failures: u32,
    /// The period failures are counted over (from the first).
    pub window: Duration,
    /// How long further attempts are refused.
    pub refuse_for: Duration,
    /// The most addresses remembered at once (memory stays bounded).
    pub max_addresses: usize,
}

impl Default for ThrottlePolicy {
    /// 20 failures within 10 minutes refuse the address for 15 minutes;
    /// 10,000 addresses remembered (about 1 MB).
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 20,
            window: Duration::minutes(10),
            refuse_for: Duration::minutes(15),
            max_addresses: 10_000,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    first: OffsetDateTime,
    failures: u32,
    refused_until: Option<OffsetDateTime>,
}

impl Entry {
    /// Whether the entry says nothing any more at `now`.
    fn stale(&self, now: OffsetDateTime, policy: &ThrottlePolicy) -> bool {
        self.refused_until.is_none_or(|t| t <= now) && now - self.first >= policy.window
    }
}

/// Failure counts per client address.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    entries: Mutex<HashMap<IpAddr, Entry>>,
}

impl Throttle {
    /// `Err(seconds to wait)` if `addr` is refused at `now`.
    pub(crate) fn check(&self, addr: IpAddr, now: OffsetDateTime) -> Result<(), u64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries
            .get(&key(addr))
            .and_then(|e| e.refused_until)
            .filter(|t| *t > now)
        {
            Some(until) => Err((until - now).whole_seconds().max(1) as u64),
            None => Ok(()),
        }
    }

    /// Counts a failure from `addr` at `now`.
    pub(crate) fn fail(&self, policy: &ThrottlePolicy, addr: IpAddr, now: OffsetDateTime) {
        let addr = key(addr);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if !entries.contains_key(&addr) && entries.len() >= policy.max_addresses {
            entries.retain(|_, e| !e.stale(now, policy));
            if entries.len() >= policy.max_addresses
                && let Some(oldest) = entries
                    .iter()
                    .filter(|(_, e)| e.refused_until.is_none_or(|t| t <= now))
                    .min_by_key(|(_, e)| e.first)
                    .or_else(|| entries.iter().min_by_key(|(_, e)| e.first))
                    .map(|(k, _)| *k)
            {
                entries.remove(&oldest);
            }
        }
        let e = entries.entry(addr).or_insert(Entry {
            first: now,
            failures: 0,
            refused_until: None,
        });
        if e.stale(now, policy) {
            *e = Entry {
                first: now,
                failures: 0,
                refused_until: None,
            };
        }
        e.failures += 1;
        if e.failures >= policy.max_failures {
            e.refused_until = Some(now + policy.refuse_for);
            // A new window starts when the refusal ends.
            e.first = now + policy.refuse_for;
            e.failures = 0;
            tracing::warn!(client = %addr, "too many failures: address refused for a while");
        }
    }

    /// How many addresses are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

/// What the table is keyed by: IPv4 addresses whole (IPv4-mapped IPv6
/// too), IPv6 by their /64 network.
fn key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client address of a request: the socket peer, or behind a trusted
/// proxy the address it forwarded. Without connection information (a
/// router driven in tests without a socket) all requests share the
/// unspecified address.
pub(crate) fn client_addr(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted_proxies: &[IpAddr],
) -> IpAddr {
    let unknown = IpAddr::from([0, 0, 0, 0]);
    let Some(peer) = peer else {
        return unknown;
    };
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    // The proxy appends the address it saw; earlier entries were written
    // by the client and cannot be trusted. Walk from the right past our own
    // proxies.
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted_proxies.contains(&ip) => continue,
            Ok(ip) => return ip,
            // Something unparsable is where trust ends: count it as the
            // proxy's own address.
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> OffsetDateTime {
        time::macros::datetime!(2026-01-15 10:00 UTC) + Duration::seconds(secs)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            max_failures: 3,
            window: Duration::minutes(10),
            refuse_for: Duration::minutes(15),
            max_addresses: 4,
        }
    }

    #[test]
    fn refuses_after_the_limit_until_the_time_has_passed() {
        let (th, p) = (Throttle::default(), policy());
        let a = ip("192.0.2.1");
        th.fail(&p, a, t(0));
        th.fail(&p, a, t(1));
        assert_eq!(th.check(a, t(2)), Ok(()));
        th.fail(&p, a, t(2));
        assert_eq!(th.check(a, t(2)), Err(15 * 60));
        assert_eq!(th.check(a, t(62)), Err(14 * 60));
        assert_eq!(th.check(ip("192.0.2.2"), t(3)), Ok(()), "others pass");
        assert_eq!(th.check(a, t(2 + 15 * 60)), Ok(()));
        // Afterwards the count starts again from nothing.
        th.fail(&p, a, t(2 + 15 * 60));
        assert_eq!(th.check(a, t(3 + 15 * 60)), Ok(()));
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_add_up() {
        let (th, p) = (Throttle::default(), policy());
        let a = ip("192.0.2.1");
        for i in 0..10 {
            th.fail(&p, a, t(i * 6 * 60));
        }
        assert_eq!(th.check(a, t(3600)), Ok(()));
    }

    #[test]
    fn the_table_stays_bounded_and_keeps_refusals() {
        let (th, p) = (Throttle::default(), policy());
        let blocked = ip("192.0.2.99");
        for i in 0..3 {
            th.fail(&p, blocked, t(i));
        }
        for i in 0..100 {
            th.fail(&p, IpAddr::from([198, 51, 100, i]), t(10 + i64::from(i)));
            assert!(th.len() <= p.max_addresses);
        }
        assert!(
            th.check(blocked, t(200)).is_err(),
            "refusals are evicted last"
        );
    }

    #[test]
    fn ipv6_counts_by_64_network_and_mapped_ipv4_as_ipv4() {
        let (th, p) = (Throttle::default(), policy());
        for i in 1..=3 {
            th.fail(&p, ip(&format!("2001:db8:1:2::{i}")), t(i));
        }
        assert!(th.check(ip("2001:db8:1:2:ffff::1"), t(5)).is_err());
        assert!(th.check(ip("2001:db8:1:3::1"), t(5)).is_ok());
        assert_eq!(key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.5");
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        // Not configured: the peer, whatever the header says.
        assert_eq!(client_addr(Some(proxy), &h, &[]), proxy);
        // A client talking directly cannot pretend to be someone else.
        assert_eq!(
            client_addr(Some(ip("192.0.2.1")), &h, &[proxy]),
            ip("192.0.2.1")
        );
        // Behind the proxy: the rightmost entry it appended (the client
        // may have sent the first one itself).
        assert_eq!(client_addr(Some(proxy), &h, &[proxy]), ip("198.51.100.7"));
        // Chained trusted proxies are skipped.
        let inner = ip("10.0.0.6");
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7, 10.0.0.6".parse().unwrap(),
        );
        assert_eq!(
            client_addr(Some(proxy), &h, &[proxy, inner]),
            ip("198.51.100.7")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(client_addr(Some(proxy), &HeaderMap::new(), &[proxy]), proxy);
        h.insert("x-forwarded-for", "not-an-address".parse().unwrap());
        assert_eq!(client_addr(Some(proxy), &h, &[proxy]), proxy);
        assert_eq!(client_addr(None, &h, &[proxy]), ip("0.0.0.0"));
    }
}
