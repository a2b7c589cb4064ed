//! Server functions of classes, at stable URLs (plain forms post to them, the
//! HTTP tests call them directly). Codes arrive in POST bodies only, so they
//! never reach a URL or the access log; wrong codes count against the address.

use leptos::prelude::*;

use super::types::{Dashboard, MyClass};
use crate::request::FormError;

/// What the confirmation checkbox of deleting a class must send.
pub const CONFIRM_VALUE: &str = "yes";

#[cfg(feature = "ssr")]
mod checks {
    use crate::request::FormError;
    use crate::state::ServerState;

    /// A name as typed, trimmed; refused when empty, too long or with control characters.
    pub fn name(typed: Option<&str>, max_chars: usize, what: &str) -> Result<String, FormError> {
        let name = typed.unwrap_or("").trim();
        if name.is_empty() {
            return Err(FormError::reject(None, format!("Type a {what}.")));
        }
        if name.chars().count() > max_chars {
            return Err(FormError::reject(
                None,
                format!("The {what} is longer than {max_chars} characters."),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FormError::reject(
                None,
                format!("The {what} may not contain control characters."),
            ));
        }
        Ok(name.to_string())
    }

    /// Refuses with 429 when this address has guessed wrong too often.
    pub fn not_guessing(state: &ServerState) -> Result<(), FormError> {
        state
            .guess_limit
            .check(crate::request::client::client_address())
            .map_err(FormError::too_fast)
    }

    pub fn wrong_guess(state: &ServerState) {
        state
            .guess_limit
            .record(crate::request::client::client_address());
    }

    pub fn internal(e: impl std::fmt::Display) -> FormError {
        FormError::internal("a class request failed", e)
    }
}

/// Creates a class and answers the path of its dashboard, which carries the
/// teacher secret. A plain form post is redirected there.
#[server(prefix = "/api", endpoint = "classes/create")]
pub async fn create_class(name: Option<String>) -> Result<String, FormError> {
    use super::db;
    let result = async {
        let name = checks::name(name.as_deref(), db::MAX_NAME_CHARS, "class name")?;
        let state = crate::state::server_state()?;
        // New classes share the address's budget, so one client cannot fill the table.
        checks::not_guessing(&state)?;
        checks::wrong_guess(&state);
        let class = db::create_class(&state.pool, &name).await.map_err(|e| match e {
            db::ClassError::TooManyClasses => FormError::reject(
                None,
                "This server holds as many classes as it keeps. Ask its operator to delete old ones.",
            ),
            e => checks::internal(e),
        })?;
        Ok(format!("/teach/{}?created=1", class.teacher_secret))
    }
    .await;
    match &result {
        Ok(path) => crate::request::redirect(path),
        Err(e) => crate::request::redirect_back(
            <CreateClass as leptos::server_fn::ServerFn>::PATH,
            "create-class",
            Some(e),
        ),
    }
    result
}

/// The teacher's dashboard; `None` (HTTP 404) when the secret opens no class.
#[server(prefix = "/api", endpoint = "classes/dashboard")]
pub async fn class_dashboard(secret: String) -> Result<Option<Dashboard>, FormError> {
    let state = crate::state::server_state()?;
    checks::not_guessing(&state)?;
    let class = super::db::class_by_teacher_secret(&state.pool, &secret)
        .await
        .map_err(checks::internal)?;
    let Some(class) = class else {
        checks::wrong_guess(&state);
        crate::request::set_status(axum::http::StatusCode::NOT_FOUND);
        return Ok(None);
    };
    super::report::dashboard(&state.pool, &state.content, &class)
        .await
        .map(Some)
        .map_err(checks::internal)
}

/// Deletes the class of this teacher secret: its memberships go, the learners'
/// answers stay. `confirm` must be `yes` (the form's checkbox).
#[server(prefix = "/api", endpoint = "classes/delete")]
pub async fn delete_class(
    secret: Option<String>,
    confirm: Option<String>,
) -> Result<u64, FormError> {
    let result = async {
        if confirm.as_deref() != Some(CONFIRM_VALUE) {
            return Err(FormError::reject(
                None,
                "Tick “Yes, delete this class” to confirm.",
            ));
        }
        let state = crate::state::server_state()?;
        checks::not_guessing(&state)?;
        let class =
            super::db::class_by_teacher_secret(&state.pool, secret.as_deref().unwrap_or(""))
                .await
                .map_err(checks::internal)?;
        let Some(class) = class else {
            checks::wrong_guess(&state);
            return Err(FormError::reject(None, "This teacher link opens no class."));
        };
        super::db::delete_class(&state.pool, class.id)
            .await
            .map_err(checks::internal)
    }
    .await;
    match &result {
        Ok(_) => crate::request::redirect("/teach?deleted=1"),
        Err(e) => crate::request::redirect_back(
            <DeleteClass as leptos::server_fn::ServerFn>::PATH,
            "delete-class",
            Some(e),
        ),
    }
    result
}

/// Joins the class of `code` under `display_name` (or renames a member).
#[server(prefix = "/api", endpoint = "classes/join")]
pub async fn join_class(
    code: Option<String>,
    display_name: Option<String>,
) -> Result<MyClass, FormError> {
    use super::{codes, db};
    let result = async {
        let name = checks::name(
            display_name.as_deref(),
            db::MAX_DISPLAY_NAME_CHARS,
            "display name",
        )?;
        let Some(code) = codes::normalise_code(code.as_deref().unwrap_or("")) else {
            return Err(FormError::reject(
                None,
                "A join code has 8 letters and digits, like ABCD-EFGH.",
            ));
        };
        let state = crate::state::server_state()?;
        checks::not_guessing(&state)?;
        let Some(class) = db::class_by_join_code(&state.pool, &code)
            .await
            .map_err(checks::internal)?
        else {
            checks::wrong_guess(&state);
            return Err(FormError::reject(
                None,
                "No class has this join code. Check it with your teacher.",
            ));
        };
        // Only now, with a valid request, may a learner be created.
        let learner = crate::learner::current_or_new_learner(&state.pool)
            .await
            .map_err(checks::internal)?;
        db::join(&state.pool, class.id, learner, &name)
            .await
            .map_err(|e| match e {
                db::ClassError::NameTaken => FormError::reject(
                    None,
                    "Someone in this class already uses this name: pick another one.",
                ),
                db::ClassError::ClassFull => FormError::reject(
                    None,
                    format!("This class is full ({} learners).", db::MAX_MEMBERS),
                ),
                db::ClassError::TooManyMemberships => FormError::reject(
                    None,
                    format!(
                        "You are in {} classes already: leave one first.",
                        db::MAX_CLASSES_PER_LEARNER
                    ),
                ),
                e => checks::internal(e),
            })?;
        Ok(MyClass {
            class_id: class.id,
            class_name: class.name,
            display_name: name,
        })
    }
    .await;
    match &result {
        Ok(_) => crate::request::redirect("/join?joined=1"),
        Err(e) => crate::request::redirect_back(
            <JoinClass as leptos::server_fn::ServerFn>::PATH,
            "join-class",
            Some(e),
        ),
    }
    result
}

/// The classes of this browser's learner (none without a cookie).
#[server(prefix = "/api", endpoint = "classes/mine")]
pub async fn my_classes() -> Result<Vec<MyClass>, FormError> {
    let state = crate::state::server_state()?;
    let Some(learner) = crate::learner::current_learner(&state.pool)
        .await
        .map_err(checks::internal)?
    else {
        return Ok(Vec::new());
    };
    Ok(super::db::memberships(&state.pool, learner)
        .await
        .map_err(checks::internal)?
        .into_iter()
        .map(|m| MyClass {
            class_id: m.class_id,
            class_name: m.class_name,
            display_name: m.display_name,
        })
        .collect())
}

/// Leaves a class; `false` when this learner was not in it.
#[server(prefix = "/api", endpoint = "classes/leave")]
pub async fn leave_class(class_id: Option<String>) -> Result<bool, FormError> {
    let result = async {
        let Some(class_id) = class_id
            .as_deref()
            .and_then(|id| id.trim().parse::<i64>().ok())
        else {
            return Err(FormError::reject(
                None,
                "The form did not say which class to leave.",
            ));
        };
        let state = crate::state::server_state()?;
        let Some(learner) = crate::learner::current_learner(&state.pool)
            .await
            .map_err(checks::internal)?
        else {
            return Ok(false);
        };
        super::db::leave(&state.pool, class_id, learner)
            .await
            .map_err(checks::internal)
    }
    .await;
    match &result {
        Ok(_) => crate::request::redirect("/join?left=1"),
        Err(e) => crate::request::redirect_back(
            <LeaveClass as leptos::server_fn::ServerFn>::PATH,
            "my-classes",
            Some(e),
        ),
    }
    result
}
