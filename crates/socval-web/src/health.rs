//! `/healthz`: the load balancer's question "can you serve?", answered by
//! asking the database.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::access::Access::Public;
use crate::access::{Route, get};
use crate::state::AppState;

/// The health check, for load balancers.
pub(crate) fn routes() -> Vec<Route> {
    vec![get("/healthz", Public, healthz)]
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.audit_count(Some(-1)).await {
        Ok(_) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
        }
    }
}
