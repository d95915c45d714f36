//! What every handler shares: [`AppState`] (the store, the clock, the
//! [`Config`] and the caches) and [`Config`], how the portal is run.

use std::sync::Arc;

use socval_store::{LockoutPolicy, SessionPolicy, Store};
use time::OffsetDateTime;

use crate::cache::Cache;
use crate::clock::{Clock, SystemClock};
use crate::throttle::{Throttle, ThrottlePolicy};

/// How the portal is run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address users reach the portal at, e.g.
    /// `https://socval.example.gov.uk`; used in invitation links. An
    /// `https` URL makes cookies `Secure` and `__Host-` prefixed.
    pub public_url: Option<String>,
    /// How long sessions last.
    pub sessions: SessionPolicy,
    /// When repeated failed sign-ins lock an account.
    pub lockout: LockoutPolicy,
    /// The largest form body accepted (bytes).
    pub max_form_bytes: usize,
    /// The largest upload accepted (bytes).
    pub max_upload_bytes: usize,
    /// How long an invitation link works.
    pub invitation_valid_for: time::Duration,
    /// Shows the "This is a demo" banner.
    pub demo: bool,
    /// Where files are kept (evidence under `evidence/`).
    pub data_dir: std::path::PathBuf,
    /// The largest evidence file accepted with a delivery return (bytes).
    pub max_evidence_bytes: usize,
    /// The largest payments file accepted on an organisation's spend page
    /// (bytes): that one route's body limit; everything else keeps
    /// [`Config::max_upload_bytes`].
    pub max_spend_upload_bytes: usize,
    /// When failed sign-ins and API token failures from one client address
    /// are refused for a while.
    pub throttle: ThrottlePolicy,
    /// Reverse proxies whose `X-Forwarded-For` names the client; empty
    /// (the default): the socket peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Config {
    /// The defaults: 30 minutes idle and 12 hours absolute sessions, 5
    /// failures lock for 15 minutes, 64 KiB forms, 5 MiB uploads,
    /// invitations valid for 7 days, evidence files up to 2 MiB kept under
    /// `socval-data`, payments files up to 100 MiB, 20 failures from one address in 10 minutes refuse it
    /// for 15, no trusted proxies.
    pub fn new(public_url: Option<String>) -> Config {
        Config {
            public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            sessions: SessionPolicy::default(),
            lockout: LockoutPolicy::default(),
            max_form_bytes: 64 * 1024,
            max_upload_bytes: 5 * 1024 * 1024,
            invitation_valid_for: time::Duration::days(7),
            demo: false,
            data_dir: std::path::PathBuf::from("socval-data"),
            max_evidence_bytes: 2 * 1024 * 1024,
            max_spend_upload_bytes: 100 * 1024 * 1024,
            throttle: ThrottlePolicy::default(),
            trusted_proxies: Vec::new(),
        }
    }

    /// Whether cookies are marked `Secure` (the public URL is `https`).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The base of absolute links (invitations).
    pub(crate) fn base_url(&self) -> &str {
        self.public_url.as_deref().unwrap_or("")
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// How the portal is run.
    pub config: Arc<Config>,
    /// Portfolio figures per organisation, kept until its data changes.
    pub(crate) portfolios: Arc<Cache>,
    /// Failure counts per client address.
    pub(crate) throttle: Arc<Throttle>,
    /// Held while a member's role, membership or account is checked and
    /// changed, so that two admins cannot demote each other at once.
    pub(crate) member_changes: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// A state on the wall clock.
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState {
            store,
            clock: Arc::new(SystemClock),
            config: Arc::new(config),
            portfolios: Arc::default(),
            throttle: Arc::default(),
            member_changes: Arc::default(),
        }
    }

    /// The same state on another clock (tests move time with a
    /// [`crate::ManualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppState {
        self.clock = clock;
        self
    }

    /// The current time, to the second (as the store keeps it).
    pub fn now(&self) -> OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(0).unwrap_or(now)
    }
}
