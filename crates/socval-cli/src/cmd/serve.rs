//! `socval serve`: the portal. Opens the database (applying migrations),
//! then serves pages and the API until Ctrl-C or SIGTERM, finishing the
//! requests in flight.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;

use anyhow::{Context, Result};

use crate::Global;
use crate::exit;

/// Serve the portal: pages for people, `/api/v1` for systems.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  socval serve\n  socval serve --listen 0.0.0.0:8080 --public-url https://socval.example.gov.uk\n\nCreate the first organisation and admin with `socval admin`, then sign in.\nAn https public URL makes cookies Secure; put a TLS-terminating proxy in front."
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
}

/// Starts the portal and serves until interrupted.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    init_logs();
    if let Some(url) = &args.public_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        anyhow::bail!("--public-url must start with https:// or http://, not {url:?}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = crate::cmd::admin::open_store(global).await?;
        let public_url = args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.listen));
        let mut config = socval_web::Config::new(Some(public_url.clone()));
        config.demo = args.demo_banner;
        let state = socval_web::AppState::new(store.clone(), config);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let local = listener.local_addr()?;
        writeln!(
            out,
            "socval is serving on http://{local} (public URL {public_url}); Ctrl-C stops it"
        )?;
        out.flush()?;
        tracing::info!(%local, "serving");
        axum::serve(listener, socval_web::router(state))
            .with_graceful_shutdown(shutdown())
            .await
            .context("the server failed")?;
        store.close().await;
        tracing::info!("stopped");
        Ok(exit::OK)
    })
}

/// Logs as JSON lines when stderr is not a terminal (a service manager
/// collects them), readable lines otherwise. `RUST_LOG` filters.
fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
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
