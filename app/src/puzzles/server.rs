//! Server functions of the kernel playground, at stable URLs (the editor's
//! form posts to them without JavaScript; the HTTP tests call them directly).
//! Their error is the lab's [`LabError`]: a refusal carries its 4xx status.

use lab_types::LabError;
use leptos::prelude::*;

use super::types::{PuzzleIndex, PuzzleView, Submission};

/// Longest display name on the leaderboards, in characters.
pub const MAX_NAME_CHARS: usize = 40;

#[cfg(feature = "ssr")]
fn state_if_on() -> Result<crate::state::ServerState, LabError> {
    let state = crate::state::server_state()?;
    if !state.lab.playground_enabled() {
        return Err(LabError::TurnedOff("the kernel playground".into()));
    }
    Ok(state)
}

#[cfg(feature = "ssr")]
fn internal(context: &str, e: impl std::error::Error + Send + Sync + 'static) -> LabError {
    LabError::failed(context, e)
}

/// The puzzles, each marked solved or not for this learner.
#[server(prefix = "/api", endpoint = "puzzles/index")]
pub async fn get_puzzle_index() -> Result<PuzzleIndex, LabError> {
    use super::types::PuzzleSummary;
    use crate::request::refuse;
    use lab_storage::puzzles as db;

    let result = async {
        let state = state_if_on()?;
        let learner = crate::learner::current_learner(&state.pool)
            .await
            .map_err(|e| internal("reading the learner", e))?;
        let (solved, display_name) = match learner {
            Some(id) => (
                db::solved(&state.pool, id)
                    .await
                    .map_err(|e| internal("reading solved puzzles", e))?,
                db::display_name(&state.pool, id)
                    .await
                    .map_err(|e| internal("reading the display name", e))?,
            ),
            None => (Vec::new(), None),
        };
        let puzzles = state
            .content
            .puzzles()
            .iter()
            .map(|p| PuzzleSummary {
                id: p.id.clone(),
                title: p.title.clone(),
                summary_html: crate::content::render_inline_html(&p.summary),
                solved: solved.contains(&p.id),
            })
            .collect();
        Ok(PuzzleIndex {
            puzzles,
            display_name,
        })
    }
    .await;
    result.map_err(refuse)
}

/// One puzzle with this learner's latest kernel and the leaderboard.
#[server(prefix = "/api", endpoint = "puzzles/page")]
pub async fn get_puzzle(id: String) -> Result<PuzzleView, LabError> {
    use super::types::Submission;
    use crate::content::render_inline_html;
    use crate::request::refuse;
    use lab_storage::puzzles as db;

    let result = async {
        let state = state_if_on()?;
        let puzzles = state.content.puzzles();
        let Some(i) = puzzles.iter().position(|p| p.id == id) else {
            return Err(LabError::NotFound);
        };
        let p = &puzzles[i];
        let learner = crate::learner::current_learner(&state.pool)
            .await
            .map_err(|e| internal("reading the learner", e))?;
        let latest = match learner {
            Some(l) => db::latest(&state.pool, l, &p.id)
                .await
                .map_err(|e| internal("reading the latest kernel", e))?
                .map(|(source, outcome)| Submission { source, outcome }),
            None => None,
        };
        let leaderboard = db::leaderboard(&state.pool, &p.id, learner)
            .await
            .map_err(|e| internal("reading the leaderboard", e))?;
        Ok(PuzzleView {
            id: p.id.clone(),
            title: p.title.clone(),
            statement_html: render_inline_html(&p.statement),
            hints_html: p.hints.iter().map(|h| render_inline_html(h)).collect(),
            starter: p.starter.trim_start().to_string(),
            max_source_bytes: super::MAX_SOURCE_BYTES,
            loop_budget: lab_types::loop_budget(&p.sizes),
            reference: p.reference,
            latest,
            leaderboard,
            next: puzzles.get(i + 1).map(|n| (n.id.clone(), n.title.clone())),
        })
    }
    .await;
    result.map_err(refuse)
}

/// Compiles, checks and (when correct) times a kernel, stores it as this
/// learner's latest for the puzzle and answers the outcome. A compile error
/// is an answer, not a refusal; bounds (source, workgroup, dispatch, work,
/// memory, the sandbox's deadline) are 4xx, and so is a full share or rate.
/// A plain form post is sent back to the puzzle's page, which shows it.
///
/// The web process never parses the kernel: the lab checks it in a sandbox
/// process, then queues it (in the learner's and the client's share) and runs
/// it in another. A learner is created only to store an outcome, and only
/// as fast as the client may create learners.
#[server(prefix = "/api", endpoint = "puzzles/submit")]
pub async fn submit_kernel(
    puzzle_id: Option<String>,
    source: Option<String>,
) -> Result<Submission, LabError> {
    use super::notice;
    use crate::request::redirect;
    use crate::request::refuse;
    use lab_storage::puzzles as db;
    use lab_types::PuzzleTask;

    let id = puzzle_id.unwrap_or_default();
    let result = async {
        let state = state_if_on()?;
        let Some(p) = state.content.puzzle(&id) else {
            return Err(LabError::invalid("puzzle_id", "there is no such puzzle"));
        };
        // Browsers send textarea line breaks as CRLF.
        let source = source.unwrap_or_default().replace("\r\n", "\n");
        if source.trim().is_empty() {
            return Err(LabError::invalid("source", "the kernel is empty"));
        }
        if source.len() > super::MAX_SOURCE_BYTES {
            return Err(LabError::LimitExceeded {
                field: "source".into(),
                message: format!(
                    "the kernel is {} bytes; at most {} are accepted",
                    source.len(),
                    super::MAX_SOURCE_BYTES
                ),
            });
        }
        let known = crate::learner::current_learner(&state.pool)
            .await
            .map_err(|e| internal("reading the learner", e))?;
        let owner = crate::request::client::owner(known);
        state
            .kernel_rate
            .take(owner)
            .await
            .map_err(|retry_after_s| LabError::TooFast {
                what: "kernels".into(),
                retry_after_s,
            })?;
        let task = PuzzleTask {
            reference: p.reference,
            sizes: p.sizes.clone(),
            needs_workgroup_memory: p.needs_workgroup_memory,
            source,
        };
        let task_source = task.source.clone();
        // Bounds and compile errors before anything is queued or written.
        let outcome = match state.lab.check_puzzle(task.clone()).await {
            Ok(Some(error)) => lab_types::PuzzleOutcome::CompileError(error),
            Ok(None) => match state.lab.run_puzzle(task, owner).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    if stopped(&e) {
                        state.kernel_rate.stopped(owner).await;
                    }
                    return Err(e);
                }
            },
            Err(e) => {
                if stopped(&e) {
                    state.kernel_rate.stopped(owner).await;
                }
                return Err(e);
            }
        };
        let learner = match known {
            Some(id) => id,
            None => crate::learner::current_or_new_learner(&state.pool)
                .await
                .map_err(|e| e.into_lab_error("identifying the learner"))?,
        };
        db::save(&state.pool, learner, &p.id, &task_source, &outcome)
            .await
            .map_err(|e| internal("saving the submission", e))?;
        Ok(Submission {
            source: task_source,
            outcome,
        })
    }
    .await;
    let page = notice::page_path(&id);
    match result {
        Ok(s) => {
            redirect(&format!("{page}#result"));
            Ok(s)
        }
        Err(e) => {
            redirect(&format!("{page}?{}#result", notice::to_query(&e)));
            Err(refuse(e))
        }
    }
}

/// Whether the sandbox had to stop the kernel (its deadline or its memory).
#[cfg(feature = "ssr")]
fn stopped(e: &LabError) -> bool {
    matches!(e, LabError::LimitExceeded { field, .. } if field == "deadline" || field == "sandbox")
}

/// Sets (or, when empty, clears) the name shown on leaderboards.
#[server(prefix = "/api", endpoint = "puzzles/name")]
pub async fn set_display_name(name: Option<String>) -> Result<Option<String>, LabError> {
    use crate::request::redirect;
    use crate::request::refuse;

    let result = async {
        let state = state_if_on()?;
        let name = name.unwrap_or_default();
        let name = name.trim();
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(LabError::invalid(
                "name",
                format!(
                    "a name has at most {MAX_NAME_CHARS} characters, without control characters"
                ),
            ));
        }
        let name = (!name.is_empty()).then(|| name.to_string());
        let learner = crate::learner::current_or_new_learner(&state.pool)
            .await
            .map_err(|e| e.into_lab_error("identifying the learner"))?;
        lab_storage::puzzles::set_display_name(&state.pool, learner, name.as_deref())
            .await
            .map_err(|e| internal("saving the display name", e))?;
        Ok(name)
    }
    .await;
    match result {
        Ok(name) => {
            redirect("/puzzles#name");
            Ok(name)
        }
        Err(e) => {
            redirect(&format!("/puzzles?{}#name", super::notice::to_query(&e)));
            Err(refuse(e))
        }
    }
}
