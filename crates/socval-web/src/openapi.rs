//! The OpenAPI document of `/api/v1`, assembled from each resource's own
//! paths and schemas, and the route that serves it.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::access::Access::Public;
use crate::access::{Route, get};
use crate::error::{ApiProblem, ErrorBody, ImportProblems};
use crate::{
    audit, contract, dashboard, delivery, framework, org, procurement, purchase, supplier,
};

/// The document itself.
pub(crate) fn routes() -> Vec<Route> {
    vec![get("/api/v1/openapi.json", Public, openapi_json)]
}

/// What the whole document says: its title and description, how to
/// authenticate, and the error shapes every resource answers with.
#[derive(OpenApi)]
#[openapi(
    info(title = "socval API", version = "1", description = "Social value for public bodies. Authenticate with `Authorization: Bearer <token>` (tokens are created by an organisation's admin on its API tokens page) or with the browser session (then send `X-CSRF-Token` on POST)."),
    components(schemas(ErrorBody, ImportProblems, ApiProblem)),
    modifiers(&Security),
    security(("bearer" = []), ("session" = []))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("socval_session"))),
        );
    }
}

/// The OpenAPI document of `/api/v1`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // A schema name already in the document is kept: contracts come before
    // procurements, whose award answers with a contract of its own shape
    // under the same name (`ApiContract`), as the document has always
    // described it.
    for part in [
        org::openapi(),
        framework::openapi(),
        supplier::openapi(),
        audit::openapi(),
        contract::openapi(),
        delivery::openapi(),
        dashboard::openapi(),
        procurement::openapi(),
        purchase::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}
