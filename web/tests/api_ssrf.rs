//! The SSRF guard: a table of URLs and host names that must be refused without a
//! connection being made, and live checks against listeners on 127.0.0.1 that count every
//! connection they accept (redirects, rebinding, timeouts).
//!
//! Only loopback addresses are ever connected to: refused non-loopback addresses are
//! checked through the guard's own functions, which open no socket.

use std::io::{Read, Write};
use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use herald_web::outbound::{
    check_url, AddressPolicy, GuardedResolver, LookupFn, OutboundClient, OutboundError,
};

/// URLs refused before any DNS or connection: schemes, userinfo, and address literals in
/// every notation the URL standard accepts.
const REFUSED_URLS: &[&str] = &[
    "http://127.0.0.1/",
    "http://127.1/",
    "http://2130706433/",
    "http://017700000001/",
    "http://0x7f000001/",
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",
    "http://127.000.000.001/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",
    "http://0xa9fea9fe/",
    "http://0251.0376.0251.0376/",
    "http://169.254.169.254./",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://10.0.0.1/",
    "http://10.255.255.255:8443/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://[::ffff:a00:1]/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[ff02::1]/",
    "http://192.0.0.1/",
    "http://198.18.0.1/",
    "https://[2001:db8::1]/",
    "ftp://example.com/file",
    "file:///etc/passwd",
    "gopher://127.0.0.1:70/",
    "javascript:alert(1)",
    "data:text/plain,hello",
    "http://user:pass@example.com/",
    "http://user@example.com/",
    "https://:secret@example.com/",
    "not a url",
    "",
];

#[test]
fn the_table_of_urls_is_refused_without_dns_or_connection() {
    let policy = AddressPolicy::strict();
    assert!(REFUSED_URLS.len() >= 40);
    for url in REFUSED_URLS {
        match check_url(&policy, url) {
            Err(OutboundError::Blocked(_)) => {}
            other => panic!("{url} was not refused: {other:?}"),
        }
    }
}

#[test]
fn public_urls_pass_the_literal_check() {
    // Checked only: nothing is sent to these.
    let policy = AddressPolicy::strict();
    for url in [
        "https://hooks.example.com/herald",
        "http://93.184.215.14:8080/x",
        "https://[2606:4700::1]/",
    ] {
        assert!(check_url(&policy, url).is_ok(), "{url}");
    }
}

fn table_lookup(entries: &'static [(&'static str, &'static [&'static str])]) -> LookupFn {
    Arc::new(move |host: String| {
        Box::pin(async move {
            let found = entries.iter().find(|(name, _)| *name == host);
            match found {
                Some((_, addrs)) => {
                    Ok(addrs.iter().map(|a| a.parse::<IpAddr>().unwrap()).collect())
                }
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such test name",
                )),
            }
        })
    })
}

/// Host names whose every address is refused (resolved through a table, never real DNS).
const REFUSED_NAMES: &[(&str, &[&str])] = &[
    ("localhost", &["127.0.0.1", "::1"]),
    ("metadata.test", &["169.254.169.254"]),
    ("metadata-v6.test", &["fd00:ec2::254"]),
    ("internal.test", &["10.0.0.5", "192.168.0.9"]),
    ("mapped.test", &["::ffff:127.0.0.1"]),
    ("cgnat.test", &["100.100.100.200"]),
    ("zero.test", &["0.0.0.0"]),
    ("linklocal6.test", &["fe80::1"]),
];

#[actix_rt::test]
async fn names_resolving_to_refused_addresses_are_refused_in_the_resolver() {
    let resolver = GuardedResolver::new(
        Arc::new(AddressPolicy::strict()),
        table_lookup(REFUSED_NAMES),
    );
    for (name, _) in REFUSED_NAMES {
        let result = resolver.allowed_addrs(name).await;
        assert!(result.is_err(), "{name} resolved to {result:?}");
    }
    // A mixed answer keeps only the allowed address.
    const MIXED: &[(&str, &[&str])] = &[("mixed.test", &["10.0.0.1", "93.184.215.14"])];
    let resolver = GuardedResolver::new(Arc::new(AddressPolicy::strict()), table_lookup(MIXED));
    let allowed = resolver.allowed_addrs("mixed.test").await.unwrap();
    assert_eq!(allowed, vec!["93.184.215.14".parse::<IpAddr>().unwrap()]);
}

/// A listener on 127.0.0.1 that counts connections and answers each with `response`
/// (or never answers, when `response` is empty).
fn counting_listener(response: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                if response.is_empty() {
                    std::thread::sleep(Duration::from_secs(5));
                } else {
                    let _ = stream.write_all(response.as_bytes());
                }
            });
        }
    });
    (port, count)
}

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

#[actix_rt::test]
async fn loopback_in_every_notation_is_refused_and_never_connected() {
    let (port, count) = counting_listener(OK);
    const NAMES: &[(&str, &[&str])] = &[("localhost", &["127.0.0.1"])];
    let client = OutboundClient::with_lookup(
        AddressPolicy::strict(),
        Duration::from_secs(2),
        table_lookup(NAMES),
    )
    .unwrap();
    for host in [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "017700000001",
        "[::ffff:127.0.0.1]",
        "localhost",
    ] {
        let url = format!("http://{host}:{port}/hook");
        let result = client.post(&url, &[], b"{}".to_vec()).await;
        assert!(
            matches!(result, Err(OutboundError::Blocked(_))),
            "{url}: {result:?}"
        );
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        0,
        "a refused URL reached the listener"
    );

    // The same listener is reachable once loopback is allow-listed: the test can fail.
    let allowed =
        OutboundClient::new(AddressPolicy::allow_loopback(), Duration::from_secs(2)).unwrap();
    let (status, _, body) = allowed
        .post(&format!("http://127.0.0.1:{port}/"), &[], vec![])
        .await
        .unwrap();
    assert_eq!((status, body.as_slice()), (200, b"ok".as_slice()));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[actix_rt::test]
async fn rebinding_is_caught_at_connection_time() {
    let (port, count) = counting_listener(OK);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    // First answer: the allow-listed 127.0.0.1. Later answers: 127.0.0.2, not allow-listed.
    let lookup: LookupFn = Arc::new(move |_host: String| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let ip = if n == 0 { "127.0.0.1" } else { "127.0.0.2" };
            Ok(vec![ip.parse::<IpAddr>().unwrap()])
        })
    });
    let policy = AddressPolicy::from_list("127.0.0.1/32").unwrap();
    let client = OutboundClient::with_lookup(policy, Duration::from_secs(2), lookup).unwrap();
    let url = format!("http://rebind.test:{port}/");

    assert!(client.post(&url, &[], vec![]).await.is_ok());
    let again = client.post(&url, &[], vec![]).await;
    assert!(matches!(again, Err(OutboundError::Blocked(_))), "{again:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(
        calls.load(Ordering::SeqCst) >= 2,
        "the resolver was not asked again"
    );
}

#[actix_rt::test]
async fn redirects_are_not_followed() {
    let (target_port, target_count) = counting_listener(OK);
    let redirect: &'static str = Box::leak(
        format!(
            "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{target_port}/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )
        .into_boxed_str(),
    );
    let (port, _) = counting_listener(redirect);
    let client =
        OutboundClient::new(AddressPolicy::allow_loopback(), Duration::from_secs(2)).unwrap();
    let (status, _, _) = client
        .post(&format!("http://127.0.0.1:{port}/"), &[], vec![])
        .await
        .unwrap();
    assert_eq!(status, 302);
    assert_eq!(
        target_count.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    let fetched = client
        .fetch(&format!("http://127.0.0.1:{port}/"), 1024)
        .await;
    assert_eq!(fetched, Err(OutboundError::Status(302)));
}

#[actix_rt::test]
async fn a_silent_server_times_out() {
    let (port, _) = counting_listener("");
    let client =
        OutboundClient::new(AddressPolicy::allow_loopback(), Duration::from_millis(300)).unwrap();
    let started = std::time::Instant::now();
    let result = client
        .post(&format!("http://127.0.0.1:{port}/"), &[], vec![])
        .await;
    assert_eq!(result.unwrap_err(), OutboundError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[actix_rt::test]
async fn media_larger_than_the_limit_is_refused() {
    let (port, _) = counting_listener(
        "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: 10\r\nconnection: close\r\n\r\n0123456789",
    );
    let client =
        OutboundClient::new(AddressPolicy::allow_loopback(), Duration::from_secs(2)).unwrap();
    let result = client
        .fetch(&format!("http://127.0.0.1:{port}/a.jpg"), 5)
        .await;
    assert_eq!(result, Err(OutboundError::TooLarge { limit: 5 }));
}
