//! Real databases with the real migrations, for the crate's unit tests: a
//! fresh SQLite file, and a fresh PostgreSQL database made from a migrated
//! template in the cluster `LAB_TEST_POSTGRES` names (`make test` starts a
//! throwaway one with `tests/pg/cluster.sh`; its databases go with it).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

use crate::db::Db;
use crate::learners::{create_learner, LearnerToken};
use crate::pool::{migrate, migrate_postgres, PoolShape};

/// The variable that names the PostgreSQL cluster the tests use.
pub const POSTGRES_URL_VAR: &str = "LAB_TEST_POSTGRES";

/// A SQLite pool shaped like the server's (`PoolShape`), on a fresh file.
pub async fn test_pool() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let shape = PoolShape::default();
    let pool = shape
        .pool_options()
        .connect_with(shape.connect_options(&dir.path().join("test.db")))
        .await
        .unwrap();
    migrate(&pool).await.unwrap();
    (Db::Sqlite(pool), dir)
}

fn cluster() -> PgConnectOptions {
    let url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_URL_VAR} is not set: storage tests run on PostgreSQL too. \
             `make test` starts a throwaway cluster (tests/pg/cluster.sh start DIR prints its URL)"
        )
    });
    PoolShape::default().postgres_options(&url).unwrap()
}

/// A name no other test (in this process or another) uses.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

async fn admin() -> PgConnection {
    PgConnection::connect_with(&cluster().database("postgres"))
        .await
        .unwrap()
}

/// The migrated template of this process (migrating once, copying per test).
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = unique("lab_template");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin().await)
                .await
                .unwrap();
            let pool = PoolShape::default()
                .postgres_pool_options()
                .connect_with(cluster().database(&name))
                .await
                .unwrap();
            migrate_postgres(&pool).await.unwrap();
            pool.close().await; // a template must have no connections
            name
        })
        .await
}

/// A fresh database, copied from the migrated template; answers its name.
async fn fresh_database() -> String {
    let template = template().await;
    let name = unique("lab_test");
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut admin().await)
        .await
        .unwrap();
    name
}

/// A fresh PostgreSQL database with the migrations applied.
pub async fn test_postgres() -> Db {
    let name = fresh_database().await;
    let pool = PoolShape::default()
        .postgres_pool_options()
        .connect_with(cluster().database(&name))
        .await
        .unwrap();
    Db::Postgres(pool)
}

/// The URL of a fresh PostgreSQL database with the migrations applied (for
/// a whole server: `--database URL`).
pub async fn fresh_postgres_url() -> String {
    let name = fresh_database().await;
    let url = std::env::var(POSTGRES_URL_VAR).unwrap();
    with_database(&url, &name)
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    let query = url[path..].find('?').map_or(url.len(), |i| path + i);
    format!("{}/{name}{}", &url[..path], &url[query..])
}

#[test]
fn a_url_names_another_database() {
    assert_eq!(
        with_database("postgres://postgres@localhost/postgres?host=/tmp/pg", "t1"),
        "postgres://postgres@localhost/t1?host=/tmp/pg"
    );
    assert_eq!(
        with_database("postgresql://u:p@db.example:5433", "t2"),
        "postgresql://u:p@db.example:5433/t2"
    );
}

/// Runs `case` on a fresh SQLite database, then on a fresh PostgreSQL one.
pub async fn each_backend<F, Fut>(case: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let (sqlite, _dir) = test_pool().await;
    eprintln!("on sqlite");
    case(sqlite).await;
    eprintln!("on postgres");
    case(test_postgres().await).await;
}

pub async fn new_learner(db: &Db) -> i64 {
    create_learner(db, &LearnerToken::generate().unwrap())
        .await
        .unwrap()
}

/// The type a test's SQL casts to for bytes: the engines name it differently
/// (and SQLite reads `BYTEA` as a number).
pub fn bytes_type(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "BLOB",
        Db::Postgres(_) => "BYTEA",
    }
}
