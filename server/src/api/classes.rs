//! `GET /teach/{secret}/{file}.csv`: the class dashboard's tables as CSV. A read
//! only; a right secret always opens (it is looked up first), a wrong one
//! counts against the client like any wrong code.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, REFERRER_POLICY};
use axum::http::Extensions;
use axum::response::IntoResponse;

use app::classes::csv;
use app::classes::types::Table;
use app::lab::ClientKey;
use lab_storage::classes as db;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn download(
    State(state): State<AppState>,
    extensions: Extensions,
    Path((secret, file)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let server = &state.server;
    let Some(table) = Table::from_file_name(&file) else {
        return Err(ApiError::NotFound(
            "no such file: attempts.csv, learners.csv, items.csv or demos.csv".into(),
        ));
    };
    let class = db::class_by_teacher_secret(&server.pool, &secret)
        .await
        .map_err(|e| ApiError::Internal(format!("reading a class: {e}")))?;
    let Some(class) = class else {
        let client = ClientKey::of(app::request::client::address_of(&extensions));
        server
            .guess_limit
            .check(client)
            .await
            .map_err(ApiError::TooFast)?;
        server.guess_limit.record(client).await;
        return Err(ApiError::NotFound(
            "this teacher link opens no class".into(),
        ));
    };
    let body = csv::file(&server.pool, &server.content, &class, table)
        .await
        .map_err(|e| ApiError::Internal(format!("building a class's {file}: {e}")))?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", table.file_name()),
            ),
            (CACHE_CONTROL, "no-store".to_string()),
            (REFERRER_POLICY, "no-referrer".to_string()),
        ],
        body,
    ))
}
