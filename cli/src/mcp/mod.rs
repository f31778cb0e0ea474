//! `osbox mcp`: the sandbox as a Model Context Protocol server, on the
//! official Rust SDK (rmcp). Over standard input and output by default, or
//! Streamable HTTP on a loopback address with `--listen`. Each session gets
//! a sandbox of its own under the command line's policy.

mod compat;
mod diff;
mod files;
mod glob;
mod roots;
mod server;
mod session;
mod tools;
mod witdoc;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use rmcp::ServiceExt;

use crate::commands::SandboxOptions;
use server::{Server, Shared};

/// `osbox mcp`'s own options.
#[derive(Args)]
pub struct McpArgs {
    /// Serve Streamable HTTP at ADDR (`PORT` or `127.0.0.1:PORT`; loopback
    /// only) instead of standard input and output; the endpoint is /mcp.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Let a client's MCP roots at or below HOST be granted, read-write, at
    /// the same place below GUEST; they then replace --dir and --ro-dir for
    /// that session (repeatable). Without it, roots are ignored.
    #[arg(long = "roots", value_name = "HOST::GUEST")]
    roots: Vec<String>,
    /// The same as --roots, granting the roots read-only.
    #[arg(long = "ro-roots", value_name = "HOST::GUEST")]
    ro_roots: Vec<String>,
}

/// A loopback socket address from `PORT`, `HOST:PORT` or `[::1]:PORT`.
fn loopback(addr: &str) -> anyhow::Result<SocketAddr> {
    let parsed = match addr.parse::<u16>() {
        Ok(port) => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
        Err(_) if addr.starts_with("localhost:") => {
            let port = addr["localhost:".len()..].parse::<u16>().context("--listen: a port number")?;
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
        }
        Err(_) => addr.parse::<SocketAddr>().with_context(|| format!("--listen {addr}: not an address"))?,
    };
    if !parsed.ip().is_loopback() {
        bail!("--listen {addr}: osbox mcp serves only a loopback address (127.0.0.1 or ::1)");
    }
    Ok(parsed)
}

pub fn serve(options: &SandboxOptions, args: &McpArgs) -> anyhow::Result<ExitCode> {
    let shared = Arc::new(Shared {
        runtime: osbox::Runtime::new()?,
        options: options.clone(),
        rules: roots::rules(&args.roots, &args.ro_roots)?,
    });
    // The policy is checked once before serving: a bad --dir stops here.
    let first = Server::new(shared.clone())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match &args.listen {
        None => runtime.block_on(async {
            let running = first.serve(rmcp::transport::stdio()).await.context("MCP session")?;
            running.waiting().await.context("MCP session")?;
            Ok(ExitCode::SUCCESS)
        }),
        Some(addr) => {
            let addr = loopback(addr)?;
            drop(first);
            runtime.block_on(serve_http(shared, addr))
        }
    }
}

async fn serve_http(shared: Arc<Shared>, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

    let service = StreamableHttpService::new(
        move || Server::new(shared.clone()).map_err(std::io::Error::other),
        LocalSessionManager::default().into(),
        StreamableHttpServerConfig::default(),
    );
    let service = TowerToHyperService::new(service);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!("osbox mcp: serving http://{}/mcp", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = service.clone();
        tokio::spawn(async move {
            let _ = Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
