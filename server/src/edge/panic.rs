//! A panic in a handler is logged and answered 500 instead of dropping the
//! connection. (A JSON API path gets a JSON body from [`super::error_body`].)

use std::any::Any;

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Response, StatusCode};
use tower_http::catch_panic::{CatchPanicLayer, ResponseForPanic};

/// The body of the 500 answered for a panic (no detail reaches the client).
pub const PANIC_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Error — Inference Lab</title></head><body><h1>Something went wrong</h1>\
<p>The server hit an internal error; it has been logged. Please try again.</p>\
<p><a href=\"/\">Back to the lessons</a></p></body></html>";

#[derive(Clone, Copy)]
pub struct LogPanic;

impl ResponseForPanic for LogPanic {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, err: Box<dyn Any + Send + 'static>) -> Response<Body> {
        let detail = err
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| err.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        tracing::error!(panic = %detail, "a request handler panicked");
        let mut response = Response::new(Body::from(PANIC_PAGE));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        response
    }
}

pub fn layer() -> CatchPanicLayer<LogPanic> {
    CatchPanicLayer::custom(LogPanic)
}
