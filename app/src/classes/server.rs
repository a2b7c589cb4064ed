//! Server functions of classes, at stable URLs (plain forms post to them, the
//! HTTP tests call them directly). Codes arrive in POST bodies only, so they
//! never reach a URL or the access log; wrong codes count against the address.

use leptos::prelude::*;

use super::types::{Dashboard, MyClass, TaughtClass};
use crate::request::FormError;

/// Where a dashboard form's error goes back to: the dashboard itself (it
/// sends no `Referer`, its URL being the secret), or `/teach` for a link that
/// is not a teacher secret at all.
#[cfg(feature = "ssr")]
fn teacher_page(secret: &str) -> String {
    if lab_storage::codes::is_teacher_secret(secret) {
        format!("/teach/{secret}")
    } else {
        "/teach".into()
    }
}

/// What the confirmation checkbox of deleting a class must send.
pub const CONFIRM_VALUE: &str = "yes";

#[cfg(feature = "ssr")]
mod checks {
    use crate::request::{FormError, Pace};
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

    /// Refuses with 429 when this client has sent too many wrong codes.
    pub async fn not_guessing(state: &ServerState) -> Result<(), FormError> {
        state
            .guess_limit
            .check(crate::request::client::client_key())
            .await
            .map_err(|s| FormError::too_fast(Pace::WrongCodes, s))
    }

    pub async fn wrong_guess(state: &ServerState) {
        state
            .guess_limit
            .record(crate::request::client::client_key())
            .await;
    }

    /// The class this teacher link opens. The link is looked up first, so a
    /// right one always opens its class, however many wrong codes came from
    /// the same network; a wrong one counts as a guess (and is refused with
    /// 429 once the client has used up its wrong codes).
    pub async fn teacher_class(
        state: &ServerState,
        secret: &str,
    ) -> Result<Option<lab_storage::classes::ClassRef>, FormError> {
        let class = lab_storage::classes::class_by_teacher_secret(&state.pool, secret)
            .await
            .map_err(internal)?;
        if class.is_none() {
            not_guessing(state).await?;
            wrong_guess(state).await;
        }
        Ok(class)
    }

    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> FormError {
        FormError::internal("a class request failed", e)
    }

    /// Scheme and host as the browser reaches this server: the public origin
    /// when set, else the request's `Host` (already checked against the
    /// allowlist by the edge) with the deployment's scheme. Empty when the
    /// request names no host: links then stay paths.
    pub async fn site_origin(state: &ServerState) -> String {
        if let Some(origin) = &state.public_origin {
            return origin.clone();
        }
        let scheme = if state.secure_cookies {
            "https"
        } else {
            "http"
        };
        let host = match leptos_axum::extract::<axum::http::HeaderMap>().await {
            Ok(headers) => headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string),
            Err(_) => None,
        };
        let host = match host {
            Some(h) => Some(h),
            // HTTP/2 names the host in the request target, not in `Host`.
            None => leptos_axum::extract::<axum::http::Uri>()
                .await
                .ok()
                .and_then(|u| u.authority().map(|a| a.to_string())),
        };
        match host {
            Some(h)
                if !h.is_empty()
                    && h.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                    }) =>
            {
                format!("{scheme}://{h}")
            }
            _ => String::new(),
        }
    }
}

/// Creates a class and answers the path of its dashboard, which carries the
/// teacher secret. A plain form post is redirected there.
#[server(prefix = "/api", endpoint = "classes/create")]
pub async fn create_class(name: Option<String>) -> Result<String, FormError> {
    use lab_storage::classes as db;
    let result = async {
        let name = checks::name(name.as_deref(), db::MAX_NAME_CHARS, "class name")?;
        let state = crate::state::server_state()?;
        // New classes have a budget per client, so one client cannot fill the table.
        state
            .limits
            .new_classes
            .take(crate::request::client::client_key())
            .await
            .map_err(|s| FormError::too_fast(crate::request::Pace::NewClasses, s))?;
        let class = db::create_class(&state.pool, &name).await.map_err(|e| match e {
            db::ClassError::TooManyClasses => FormError::reject(
                None,
                "This server holds as many classes as it keeps. Ask its operator to delete old ones.",
            ),
            e => checks::internal(e),
        })?;
        // Kept on /teach for this browser's learner (created now if need be).
        // The class works without it, so a failure here is logged, not shown:
        // the link is on the next page either way.
        match crate::learner::current_or_new_learner(&state.pool).await {
            Ok(learner) => {
                if let Err(e) = lab_storage::classes::teachers::remember(
                    &state.pool,
                    &state.secret,
                    class.id,
                    learner,
                    &class.teacher_secret,
                )
                .await
                {
                    tracing::warn!(error = %e, "keeping a class on its teacher's list failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "no learner to keep a new class for"),
        }
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
    let Some(class) = checks::teacher_class(&state, &secret).await? else {
        crate::request::set_status(axum::http::StatusCode::NOT_FOUND);
        return Ok(None);
    };
    let mut dashboard = super::report::dashboard(&state.pool, &state.content, &class)
        .await
        .map_err(checks::internal)?;
    dashboard.origin = checks::site_origin(&state).await;
    dashboard.join_qr_svg = super::qr::join_qr_svg(&dashboard.join_link()).unwrap_or_default();
    Ok(Some(dashboard))
}

/// The classes this browser's learner created (see `teachers`): none without
/// a cookie.
#[server(prefix = "/api", endpoint = "classes/taught")]
pub async fn taught_classes() -> Result<Vec<TaughtClass>, FormError> {
    let state = crate::state::server_state()?;
    let Some(learner) = crate::learner::current_learner(&state.pool)
        .await
        .map_err(checks::internal)?
    else {
        return Ok(Vec::new());
    };
    lab_storage::classes::teachers::taught_classes(&state.pool, &state.secret, learner)
        .await
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
        let class = checks::teacher_class(&state, secret.as_deref().unwrap_or("")).await?;
        let Some(class) = class else {
            return Err(FormError::reject(None, "This teacher link opens no class."));
        };
        lab_storage::classes::delete_class(&state.pool, class.id)
            .await
            .map_err(checks::internal)
    }
    .await;
    match &result {
        Ok(_) => crate::request::redirect("/teach?deleted=1"),
        Err(e) => crate::request::redirect_back_to(
            &teacher_page(secret.as_deref().unwrap_or("")),
            <DeleteClass as leptos::server_fn::ServerFn>::PATH,
            "delete-class",
            Some(e),
        ),
    }
    result
}

/// Joins the class of `code` under `display_name` (or renames a member). A
/// name another member has gets a suffix (`Ana (2)`); the answer carries the
/// name given. Joins are counted per client, successful or not, and refused
/// while the teacher keeps the class locked.
#[server(prefix = "/api", endpoint = "classes/join")]
pub async fn join_class(
    code: Option<String>,
    display_name: Option<String>,
) -> Result<MyClass, FormError> {
    use crate::request::Pace;
    use lab_storage::{classes as db, codes};
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
        let client = crate::request::client::client_key();
        // Wrong codes are checked before the lookup: a join code has only
        // about 2^40 values.
        checks::not_guessing(&state).await?;
        state
            .limits
            .joins
            .check(client)
            .await
            .map_err(|s| FormError::too_fast(Pace::Joins, s))?;
        let Some(class) = db::class_by_join_code(&state.pool, &code)
            .await
            .map_err(checks::internal)?
        else {
            checks::wrong_guess(&state).await;
            return Err(FormError::reject(
                None,
                "No class has this join code. Check it with your teacher.",
            ));
        };
        if class.locked {
            return Err(locked());
        }
        state
            .limits
            .joins
            .take(client)
            .await
            .map_err(|s| FormError::too_fast(Pace::Joins, s))?;
        // Only now, with a valid request, may a learner be created.
        let learner = crate::learner::current_or_new_learner(&state.pool)
            .await
            .map_err(crate::learner::LearnerError::into_form_error)?;
        let given = db::join(&state.pool, class.id, learner, &name)
            .await
            .map_err(|e| match e {
                db::ClassError::NameTaken => FormError::reject(
                    None,
                    "This name cannot be used in this class: pick another one.",
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
                db::ClassError::Locked => locked(),
                db::ClassError::NoClass => FormError::reject(
                    None,
                    "No class has this join code. Check it with your teacher.",
                ),
                e => checks::internal(e),
            })?;
        Ok(MyClass {
            class_id: class.id,
            class_name: class.name,
            display_name: given,
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

#[cfg(feature = "ssr")]
fn locked() -> FormError {
    FormError::reject(
        None,
        "This class is locked: its teacher takes no new members now.",
    )
}

/// Takes the member called `display_name` out of the class of this teacher
/// link: their progress stays theirs, and they may join again unless the
/// class is locked. Answers whether someone was removed.
#[server(prefix = "/api", endpoint = "classes/remove")]
pub async fn remove_member(
    secret: Option<String>,
    display_name: Option<String>,
) -> Result<bool, FormError> {
    let secret = secret.unwrap_or_default();
    let result = async {
        let Some(name) = display_name.filter(|n| !n.is_empty()) else {
            return Err(FormError::reject(
                None,
                "The form did not say whom to remove.",
            ));
        };
        let state = crate::state::server_state()?;
        let Some(class) = checks::teacher_class(&state, &secret).await? else {
            return Err(FormError::reject(None, "This teacher link opens no class."));
        };
        lab_storage::classes::remove_member(&state.pool, class.id, &name)
            .await
            .map_err(checks::internal)
    }
    .await;
    match &result {
        Ok(_) => crate::request::redirect(&format!("/teach/{secret}?removed=1#manage-class")),
        Err(e) => crate::request::redirect_back_to(
            &teacher_page(&secret),
            <RemoveMember as leptos::server_fn::ServerFn>::PATH,
            "manage-class",
            Some(e),
        ),
    }
    result
}

/// Locks (`lock` = `yes`) or unlocks (`no`) the class of this teacher link:
/// a locked class refuses every join and rename. Answers whether it is locked now.
#[server(prefix = "/api", endpoint = "classes/lock")]
pub async fn lock_class(secret: Option<String>, lock: Option<String>) -> Result<bool, FormError> {
    let secret = secret.unwrap_or_default();
    let result = async {
        let locked = match lock.as_deref() {
            Some("yes") => true,
            Some("no") => false,
            _ => {
                return Err(FormError::reject(
                    None,
                    "The form did not say whether to lock or unlock.",
                ))
            }
        };
        let state = crate::state::server_state()?;
        let Some(class) = checks::teacher_class(&state, &secret).await? else {
            return Err(FormError::reject(None, "This teacher link opens no class."));
        };
        lab_storage::classes::set_locked(&state.pool, class.id, locked)
            .await
            .map_err(checks::internal)?;
        Ok(locked)
    }
    .await;
    match &result {
        Ok(true) => crate::request::redirect(&format!("/teach/{secret}?locked=1#manage-class")),
        Ok(false) => crate::request::redirect(&format!("/teach/{secret}?unlocked=1#manage-class")),
        Err(e) => crate::request::redirect_back_to(
            &teacher_page(&secret),
            <LockClass as leptos::server_fn::ServerFn>::PATH,
            "manage-class",
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
    Ok(lab_storage::classes::memberships(&state.pool, learner)
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
        lab_storage::classes::leave(&state.pool, class_id, learner)
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
