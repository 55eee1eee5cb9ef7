//! The address of the client behind a request: the connection's peer, or, when that peer is a reverse proxy named
//! in `TRUSTED_PROXIES`, the address the proxies recorded in `X-Forwarded-For`. Login throttling and the tracking
//! limit count per address, so behind nginx without this every client would share the proxy's address (and one
//! guesser would lock everyone out).

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The client's address: walking `X-Forwarded-For` from the right (the entries our own proxies appended), the first
/// address that is not one of `trusted`. A header from an untrusted peer is ignored: anyone can send one.
pub fn client_addr(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else { return "unknown".into() };
    resolve(peer, req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()), trusted).to_string()
}

fn resolve<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|h| h.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            // Garbage where an address should be: the last trusted hop is all we know.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        // Straight from a client: its own address, whatever header it sends.
        assert_eq!(resolve(ip("1.2.3.4"), ["9.9.9.9"].into_iter(), &trusted), ip("1.2.3.4"));
        // Through our proxy: the address it appended.
        assert_eq!(resolve(ip("10.0.0.1"), ["1.2.3.4"].into_iter(), &trusted), ip("1.2.3.4"));
        // Through two of ours, with a forged entry the client put first: the one our outer proxy saw.
        assert_eq!(resolve(ip("10.0.0.1"), ["6.6.6.6, 1.2.3.4, 10.0.0.2"].into_iter(), &trusted), ip("1.2.3.4"));
        assert_eq!(resolve(ip("10.0.0.1"), ["6.6.6.6", "1.2.3.4"].into_iter(), &trusted), ip("1.2.3.4"));
        // No header, or garbage: the proxy itself.
        assert_eq!(resolve(ip("10.0.0.1"), std::iter::empty(), &trusted), ip("10.0.0.1"));
        assert_eq!(resolve(ip("10.0.0.1"), ["not-an-address"].into_iter(), &trusted), ip("10.0.0.1"));
    }
}
