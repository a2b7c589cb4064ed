use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use inference_lab::settings::Settings;
use inference_lab::startup::Application;
use lab_storage::db::Db;
use lab_storage::pool::{PoolShape, Target};

/// A running app; the server task and temp folder live as long as this value.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// The database file the test named (in a PostgreSQL pass it stands for
    /// the PostgreSQL database in `database`, and is never created).
    pub db_path: PathBuf,
    /// The database the app really runs on.
    pub database: Target,
    /// The app's review clock: `clock.advance(..)` moves the app days ahead.
    pub clock: app::clock::Clock,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A pool on the app's database, to read or arrange rows directly
    /// (with `lab_storage::on_db!`, so the same SQL runs on either engine).
    pub async fn db(&self) -> Db {
        lab_storage::pool::open(&self.database, PoolShape::default())
            .await
            .expect("open the test database")
    }

    /// Bytes the database holds: on SQLite its pages in use (the WAL
    /// included, since the reading connection sees it); on PostgreSQL the
    /// database's size on disk (deleted rows free their space only at VACUUM).
    pub async fn used_bytes(&self) -> i64 {
        let db = self.db().await;
        let q = |sql: &'static str| {
            let db = db.clone();
            async move {
                lab_storage::on_db!(&db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)
                    .unwrap()
            }
        };
        let used = match &db {
            Db::Sqlite(_) => {
                (q("PRAGMA page_count").await - q("PRAGMA freelist_count").await)
                    * q("PRAGMA page_size").await
            }
            Db::Postgres(_) => q("SELECT pg_database_size(current_database())").await,
        };
        db.close().await;
        used
    }

    /// Gives deleted rows' space back, as SQLite's free pages are already
    /// left out of [`Self::used_bytes`]: on PostgreSQL a `VACUUM FULL` (deleted
    /// and updated rows keep their space until vacuum, and autovacuum runs when
    /// it likes); nothing on SQLite.
    pub async fn reclaim_deleted_rows(&self) {
        let db = self.db().await;
        if let Db::Postgres(pool) = &db {
            sqlx::raw_sql("VACUUM FULL")
                .execute(pool)
                .await
                .expect("VACUUM FULL");
        }
        db.close().await;
    }

    /// `--database` for the command line, naming the same database.
    pub fn database_arg(&self) -> String {
        match &self.database {
            Target::File(path) => path.display().to_string(),
            Target::Postgres(url) => url.clone(),
        }
    }

    /// Keeps a temp folder (e.g. holding the database) alive as long as the app.
    pub fn keep_dir(&mut self, dir: tempfile::TempDir) {
        self._dir = dir;
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    /// `get` as a browser sends it, accepting a gzipped answer.
    pub async fn get_gzip(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("request failed")
    }
}

pub fn workspace_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

pub fn test_settings(db_path: PathBuf) -> Settings {
    Settings {
        addr: "127.0.0.1:0".parse().unwrap(),
        database: Target::File(db_path),
        secret_file: None,
        content_dir: workspace_path("content"),
        site_root: workspace_path("target/site"),
        visible_devices: None,
        queue_capacity: inference_lab::settings::DEFAULT_QUEUE_CAPACITY,
        edge: inference_lab::settings::EdgeSettings::default(),
        lab: inference_lab::settings::LabSettings {
            // The sandbox processes run the real binary, not this test binary.
            kernel_sandbox: Some(PathBuf::from(env!("CARGO_BIN_EXE_inference-lab"))),
            // The lab in this process, on either database: the tests of the
            // shared queue and its workers choose `Queue` (workers.rs).
            lab_mode: inference_lab::settings::LabMode::Embedded,
            ..Default::default()
        },
        bounds: unlimited_writes(),
        pool: Default::default(),
    }
}

/// Every test client comes from 127.0.0.1, so the per-client budgets of new
/// learners, joins, new classes, predictions and runs would count a whole test's learners as
/// one network: tests that are not about those budgets get room (the ones
/// that are set their own, see `limits.rs`). Row quotas stay as they are.
pub fn unlimited_writes() -> inference_lab::write_bounds::WriteBounds {
    use app::limits::rate_limit::Rate;
    inference_lab::write_bounds::WriteBounds {
        new_learner_burst: 100_000,
        new_learners_per_minute: 100_000,
        join_burst: 100_000,
        joins_per_minute: 100_000,
        new_classes: Rate::new(100_000, 100_000),
        predictions: Rate::new(100_000, 100_000),
        runs: Rate::new(100_000, 100_000),
        ..Default::default()
    }
}

/// Starts the app with a fresh database in a new temp folder.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("lab.db");
    let mut app = spawn_with(test_settings(db_path.clone())).await;
    app._dir = dir;
    app
}

/// Whether this is the PostgreSQL pass of the HTTP tests (`make test` runs
/// them once on SQLite files, then with `LAB_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("LAB_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// In the PostgreSQL pass, each database file a test names stands for a
/// fresh PostgreSQL database: the same one every time that file is named (a
/// test that restarts the app on its database gets its rows back), with the
/// server secret beside the file as on SQLite.
async fn on_the_backend(mut settings: Settings) -> Settings {
    static NAMED: Mutex<BTreeMap<PathBuf, String>> = Mutex::new(BTreeMap::new());
    let Target::File(path) = &settings.database else {
        return settings;
    };
    if !on_postgres() {
        return settings;
    }
    let path = path.clone();
    let known = NAMED.lock().unwrap().get(&path).cloned();
    let url = match known {
        Some(url) => url,
        None => {
            let url = lab_storage::test_db::fresh_postgres_url().await;
            NAMED.lock().unwrap().insert(path.clone(), url.clone());
            url
        }
    };
    settings
        .secret_file
        .get_or_insert_with(|| path.with_extension("secret"));
    settings.database = Target::Postgres(url);
    settings
}

/// Starts the app with the given settings (e.g. to reopen an existing
/// database), on the engine of this pass (see [`on_the_backend`]).
pub async fn spawn_with(settings: Settings) -> TestApp {
    let settings = on_the_backend(settings).await;
    spawn_exactly(settings).await
}

/// Starts the app on exactly the database the settings name, whatever the
/// pass (a test of SQLite files themselves).
pub async fn spawn_exactly(settings: Settings) -> TestApp {
    inference_lab::telemetry::init();
    // The file a test may open to read or arrange rows (none for PostgreSQL).
    let database = settings.database.clone();
    let db_path = match &settings.database {
        Target::File(path) => path.clone(),
        Target::Postgres(_) => settings
            .secret_file
            .as_ref()
            .map(|s| s.with_extension("db"))
            .unwrap_or_default(),
    };
    let app = Application::build(settings).await.expect("app builds");
    let addr = app.local_addr();
    let clock = app.clock();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap(),
        db_path,
        database,
        clock,
        _dir: tempfile::tempdir().unwrap(),
    }
}

/// Starts the app with a fresh database and settings changed by `change`.
pub async fn spawn_changed(change: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(dir.path().join("lab.db"));
    change(&mut settings);
    let mut app = spawn_with(settings).await;
    app._dir = dir;
    app
}

/// The settings of an app behind a reverse proxy on 127.0.0.1, where every
/// test client connects from: `X-Forwarded-For` / `Forwarded` then name the
/// client (see [`forwarded_client`]).
pub fn behind_proxy(settings: &mut Settings) {
    settings.edge.trusted_proxies = "127.0.0.1".parse().unwrap();
}

/// A fresh browser (own cookies) whose requests say, in `X-Forwarded-For`,
/// that they come from `client`. Only an app started [`behind_proxy`]
/// believes it; to any other it is one more client on 127.0.0.1.
pub fn forwarded_client(client: IpAddr) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", client.to_string().parse().unwrap());
    browser().default_headers(headers).build().unwrap()
}

/// A fresh browser whose connections come from `local`, another loopback
/// address (all of 127.0.0.0/8 is loopback on Linux): a different client to
/// any app, for its per-client caps and shares, without a proxy setting.
pub fn client_at(local: IpAddr) -> reqwest::Client {
    browser().local_address(local).build().unwrap()
}

fn browser() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
}
