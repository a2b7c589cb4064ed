//! Settings that bound what anonymous requests can write: per-client rates
//! of new learners and joins, how long idle classes are kept, and the row
//! quotas of the tables anyone can grow. The defaults suit a class of about
//! 30 behind one school NAT; `README.md` ("One server for a class") sizes them.

use std::time::Duration;

use app::limits::client::ClientRates;
use app::limits::rate_limit::Rate;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct WriteBounds {
    /// Learners (browsers without a cookie) one client (an address, or an
    /// IPv6 /64) may create per minute after its burst; more get 429.
    #[arg(long, env = "LAB_NEW_LEARNERS_PER_MINUTE", default_value_t = DEFAULT_NEW_LEARNERS_PER_MINUTE)]
    pub new_learners_per_minute: u32,

    /// Learners one client may create at once: a whole class behind one NAT
    /// opening the lab together.
    #[arg(long, env = "LAB_NEW_LEARNER_BURST", default_value_t = DEFAULT_NEW_LEARNER_BURST)]
    pub new_learner_burst: u32,

    /// Class joins (and renames) one client may send per minute after its
    /// burst, successful or not; more get 429.
    #[arg(long, env = "LAB_JOINS_PER_MINUTE", default_value_t = DEFAULT_JOINS_PER_MINUTE)]
    pub joins_per_minute: u32,

    /// Joins one client may send at once: a class joining together.
    #[arg(long, env = "LAB_JOIN_BURST", default_value_t = DEFAULT_JOIN_BURST)]
    pub join_burst: u32,

    /// Days a class is kept with no join, leave, teacher change or member
    /// answering; then it is deleted (its learners keep their progress).
    #[arg(long, env = "LAB_CLASS_RETENTION_DAYS", default_value_t = DEFAULT_CLASS_RETENTION_DAYS)]
    pub class_retention_days: u32,

    /// New classes per client (not a flag: tests raise it).
    #[arg(skip = ClientRates::default().new_classes)]
    pub new_classes: Rate,

    /// Demo predictions stored per client (not a flag: tests raise it).
    #[arg(skip = ClientRates::default().predictions)]
    pub predictions: Rate,

    /// Runs and sweeps saved per client (not a flag: tests raise it).
    #[arg(skip = ClientRates::default().runs)]
    pub runs: Rate,

    /// Row quotas of the tables anonymous requests grow (not flags: tests
    /// shrink them).
    #[arg(skip)]
    pub quotas: Quotas,
}

pub const DEFAULT_NEW_LEARNERS_PER_MINUTE: u32 = 20;
pub const DEFAULT_NEW_LEARNER_BURST: u32 = 60;
pub const DEFAULT_JOINS_PER_MINUTE: u32 = 10;
pub const DEFAULT_JOIN_BURST: u32 = 40;
pub const DEFAULT_CLASS_RETENTION_DAYS: u32 = 180;

impl Default for WriteBounds {
    fn default() -> Self {
        WriteBounds {
            new_learners_per_minute: DEFAULT_NEW_LEARNERS_PER_MINUTE,
            new_learner_burst: DEFAULT_NEW_LEARNER_BURST,
            joins_per_minute: DEFAULT_JOINS_PER_MINUTE,
            join_burst: DEFAULT_JOIN_BURST,
            class_retention_days: DEFAULT_CLASS_RETENTION_DAYS,
            new_classes: ClientRates::default().new_classes,
            predictions: ClientRates::default().predictions,
            runs: ClientRates::default().runs,
            quotas: Quotas::default(),
        }
    }
}

impl WriteBounds {
    pub fn client_rates(&self) -> ClientRates {
        ClientRates {
            new_learners: Rate::new(self.new_learner_burst, self.new_learners_per_minute),
            joins: Rate::new(self.join_burst, self.joins_per_minute),
            new_classes: self.new_classes,
            predictions: self.predictions,
            runs: self.runs,
        }
    }
}

/// The most rows each table anonymous requests can grow keeps: past it the
/// oldest go first (by insertion order: `lab_storage::quota`).
/// With the widest rows the app writes, the defaults bound these tables to
/// about 1.2 GB together (see `README.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Quotas {
    pub learners: i64,
    pub attempts: i64,
    pub predictions: i64,
    pub puzzle_submissions: i64,
    pub runs: i64,
    pub demo_runs: i64,
    pub learner_devices: i64,
    pub transfer_codes: i64,
    pub class_members: i64,
    /// `review_cards` has no insertion order: it is counted, every `COUNT_EVERY`-th
    /// check, and past its quota the oldest learners' cards go.
    pub review_cards: i64,
    /// How often the quotas are checked (each check is one `max` of an indexed key per table).
    pub every: Duration,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            learners: 200_000,
            attempts: 500_000,
            predictions: 200_000,
            puzzle_submissions: 10_000,
            runs: 20_000,
            demo_runs: 200_000,
            learner_devices: 100_000,
            transfer_codes: 10_000,
            class_members: 200_000,
            review_cards: 500_000,
            every: Duration::from_secs(10),
        }
    }
}

impl Quotas {
    /// Each table with its quota; learners first, as deleting one deletes
    /// its rows in the others (foreign keys).
    pub fn tables(&self) -> [(&'static str, i64); 9] {
        [
            ("learners", self.learners),
            ("attempts", self.attempts),
            ("predictions", self.predictions),
            ("puzzle_submissions", self.puzzle_submissions),
            ("runs", self.runs),
            ("demo_runs", self.demo_runs),
            ("learner_devices", self.learner_devices),
            ("transfer_codes", self.transfer_codes),
            ("class_members", self.class_members),
        ]
    }
}
