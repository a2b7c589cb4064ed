//! A JSON body that must be an object. serde would also read a struct from an
//! array (`[]` is every field at its default), so a body of the wrong shape
//! could start a run; it is refused with 422 instead.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

pub(crate) struct JsonObject<T>(pub T);

impl<S, T> FromRequest<S> for JsonObject<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(unprocessable(
                "the body must be a JSON object, e.g. {\"n\": 300}".into(),
            ));
        }
        serde_path_to_error::deserialize(value)
            .map(JsonObject)
            .map_err(|e| {
                unprocessable(format!(
                    "Failed to deserialize the JSON body into the target type: {e}"
                ))
            })
    }
}

fn unprocessable(message: String) -> ApiError {
    ApiError::Unreadable {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message,
    }
}
