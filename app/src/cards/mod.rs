//! Review cards (server only): the FSRS schedule of each answered question and
//! its rows in SQLite. Below both features that touch them: quiz stores an
//! answer and its card in one transaction, review shows what is due. Neither
//! feature is imported from here.

pub mod db;
pub mod schedule;
