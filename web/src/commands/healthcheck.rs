//! `herald healthcheck`: exit 0 when the server answers `/readyz` with 200. Meant for
//! container health checks, so it speaks plain HTTP/1.0 over a socket with a short timeout
//! and needs no runtime.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::cli::HealthcheckArgs;
use crate::config::Settings;

const TIMEOUT: Duration = Duration::from_secs(3);

pub fn run(settings: &Settings, args: HealthcheckArgs) -> anyhow::Result<()> {
    let addr = args.listen.unwrap_or(settings.listen);
    let (status, body) = get_readyz(addr)?;
    if status == 200 {
        println!("ready");
        Ok(())
    } else {
        bail!("{addr} is not ready (HTTP {status}): {}", body.trim())
    }
}

fn get_readyz(addr: SocketAddr) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .with_context(|| format!("no server answers at {addr}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    write!(stream, "GET /readyz HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;

    let mut response = String::new();
    stream.take(64 * 1024).read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("{addr} did not answer HTTP"))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}
