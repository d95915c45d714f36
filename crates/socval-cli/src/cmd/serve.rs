//! `socval serve`: the portal. Opens the database (applying migrations),
//! then serves pages and the API until Ctrl-C or SIGTERM, finishing the
//! requests in flight.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::Global;
use crate::exit;

/// Serve the portal: pages for people, `/api/v1` for systems.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  socval serve\n  socval serve --listen 0.0.0.0:8080 --public-url https://socval.example.gov.uk\n  socval serve --listen 127.0.0.1:8080 --trusted-proxy 127.0.0.1   # behind nginx on this machine\n\nCreate the first organisation and admin with `socval admin`, then sign in.\nAn https public URL makes cookies Secure; put a TLS-terminating proxy in front."
)]
pub struct Args {
    /// The address and port to listen on.
    #[arg(long, env = "SOCVAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The address users reach the portal at (used in invitation links; an
    /// https URL makes cookies Secure).
    #[arg(long, env = "SOCVAL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Show the "This is a demo" banner on every page.
    #[arg(long, hide = true)]
    pub demo_banner: bool,
    /// The address of a reverse proxy in front of the portal whose
    /// X-Forwarded-For header names the client (repeat, or separate with
    /// commas). Only then is the header believed; without it the address
    /// that connects is the client, for throttling failed sign-ins.
    #[arg(
        long = "trusted-proxy",
        env = "SOCVAL_TRUSTED_PROXIES",
        value_name = "IP",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Starts the portal and serves until interrupted.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    init_logs("info,tower_http=info,sqlx=warn");
    if let Some(url) = &args.public_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        anyhow::bail!("--public-url must start with https:// or http://, not {url:?}");
    }
    runtime()?.block_on(async {
        let store = crate::cmd::admin::open_store(global).await?;
        let opts = Serve {
            listen: args.listen,
            public_url: args.public_url.clone(),
            demo_banner: args.demo_banner,
            data_dir: global.data_dir.clone(),
            trusted_proxies: args.trusted_proxies.clone(),
        };
        serve(store, opts, out, |local, public_url, out| {
            writeln!(
                out,
                "socval is serving on http://{local} (public URL {public_url}); Ctrl-C stops it"
            )?;
            Ok(())
        })
        .await
    })
}

/// The multi-threaded async runtime the portal runs on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Where and how to serve the portal.
#[derive(Debug, Clone)]
pub(crate) struct Serve {
    /// The address and port to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// The public URL; `http://` and the address bound if `None`.
    pub public_url: Option<String>,
    /// Show the "This is a demo" banner.
    pub demo_banner: bool,
    /// The data directory (evidence files are kept under `evidence/`).
    pub data_dir: std::path::PathBuf,
    /// Reverse proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Serves the portal on `store` until Ctrl-C or SIGTERM, finishing the
/// requests in flight, then closes the store. `announce` is called once
/// the port is bound, with the address and the public URL, to tell the
/// user where to go (its output is flushed before serving).
pub(crate) async fn serve(
    store: Arc<dyn socval_store::Store>,
    opts: Serve,
    out: &mut dyn Write,
    announce: impl FnOnce(SocketAddr, &str, &mut dyn Write) -> Result<()>,
) -> Result<u8> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let local = listener.local_addr()?;
    let public_url = opts
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let mut config = socval_web::Config::new(Some(public_url.clone()));
    config.demo = opts.demo_banner;
    config.data_dir = opts.data_dir.clone();
    config.trusted_proxies = opts.trusted_proxies.clone();
    // A crash during a spend import leaves it to be finished or undone.
    socval_app::spend::recover_all(&*store, &config.data_dir)
        .await
        .context("recovering the spend areas")?;
    let state = socval_web::AppState::new(store.clone(), config);
    announce(local, &public_url, out)?;
    out.flush()?;
    tracing::info!(%local, "serving");
    // The peer's address reaches the router, for throttling by client.
    let app = socval_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .context("the server failed")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(exit::OK)
}

/// Logs as JSON lines when stderr is not a terminal (a service manager
/// collects them), readable lines otherwise. `RUST_LOG` filters.
/// `default` is the filter when `RUST_LOG` is not set.
pub(crate) fn init_logs(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::io::stderr().is_terminal() {
        builder.try_init()
    } else {
        builder.json().try_init()
    };
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
