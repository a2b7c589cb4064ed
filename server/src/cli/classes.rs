//! `inference-lab classes list|prune|delete <id>`: what an operator can do
//! about classes without a teacher link. Works on the database of
//! `--database` (the server may be running: SQLite's WAL lets both write).

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use lab_storage::pool::Target;

use crate::settings::Settings;

#[derive(Debug, Clone, Args)]
pub struct ClassesArgs {
    #[command(subcommand)]
    pub action: ClassesAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ClassesAction {
    /// Every class, the longest idle first: id, members, locked, last activity, name.
    List,
    /// Deletes the classes idle for LAB_CLASS_RETENTION_DAYS (or --days):
    /// what the server does every hour, now.
    Prune {
        /// Days without activity; defaults to LAB_CLASS_RETENTION_DAYS.
        #[arg(long)]
        days: Option<u32>,
    },
    /// Deletes one class (its memberships go; learners keep their progress).
    Delete {
        /// The class's id, as `classes list` shows it.
        id: i64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ClassesError {
    #[error("there is no database at {0} (set --database or LAB_DATABASE)")]
    NoDatabase(PathBuf),
    #[error(transparent)]
    Open(#[from] crate::error::StartupError),
    #[error("database: {0}")]
    Query(#[from] sqlx::Error),
    #[error("class: {0}")]
    Class(#[from] lab_storage::classes::ClassError),
    #[error("there is no class {0}")]
    NoClass(i64),
}

/// Runs the command and answers what to print.
pub async fn run(settings: &Settings, args: &ClassesArgs) -> Result<String, ClassesError> {
    if let Target::File(path) = &settings.database {
        if !path.exists() {
            return Err(ClassesError::NoDatabase(path.clone()));
        }
    }
    let pool = crate::db::open(settings).await?;
    match args.action {
        ClassesAction::List => {
            let classes = lab_storage::classes::expiry::list(&pool).await?;
            let mut out = format!(
                "{:>6}  {:>7}  {:>6}  {:<24}  name\n",
                "id", "members", "locked", "last active (UTC)"
            );
            for c in &classes {
                let _ = writeln!(
                    out,
                    "{:>6}  {:>7}  {:>6}  {:<24}  {}",
                    c.id,
                    c.members,
                    if c.locked { "yes" } else { "no" },
                    c.last_active_at,
                    c.name.replace(char::is_control, " ")
                );
            }
            let _ = write!(out, "{} classes", classes.len());
            Ok(out)
        }
        ClassesAction::Prune { days } => {
            let days = days.unwrap_or(settings.bounds.class_retention_days);
            let pruned = lab_storage::classes::expiry::prune_inactive(
                &pool,
                days,
                u32::try_from(lab_storage::batch::BATCH).unwrap_or(1_000),
            )
            .await?;
            Ok(format!(
                "deleted {pruned} classes idle for {days} days or more"
            ))
        }
        ClassesAction::Delete { id } => {
            if !lab_storage::classes::exists(&pool, id).await? {
                return Err(ClassesError::NoClass(id));
            }
            let members = lab_storage::classes::delete_class(&pool, id).await?;
            Ok(format!("deleted class {id} and its {members} memberships"))
        }
    }
}
