//! The two migration folders must build the same schema: SQLite's history
//! (`migrations/`) and PostgreSQL's baseline plus its steps
//! (`migrations/postgres/`). This test reads both catalogues and compares
//! tables, columns (order, name, type class, nullability), indexes and
//! foreign keys, so a migration added to one folder only fails here. The one
//! known difference: PostgreSQL's `seq` columns, which stand in for SQLite's
//! rowid where a table has no integer key (see `quota`).

use std::collections::BTreeMap;

use sqlx::{PgPool, SqlitePool};

use crate::db::Db;
use crate::quota::SEQ_TABLES;
use crate::test_db::{test_pool, test_postgres};

/// What a column holds, in terms both engines share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Integer,
    Boolean,
    Real,
    Text,
    Bytes,
}

#[derive(Debug, PartialEq, Eq)]
struct Column {
    name: String,
    class: Class,
    not_null: bool,
}

/// Everything compared, by table.
#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    columns: BTreeMap<String, Vec<Column>>,
    /// Index name → (table, its columns in order).
    indexes: BTreeMap<String, (String, Vec<String>)>,
    /// (table, column) → (referenced table, referenced column, on delete).
    foreign_keys: BTreeMap<(String, String), (String, String, String)>,
}

async fn sqlite_schema(pool: &SqlitePool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, sql) in tables {
        // A boolean is an INTEGER limited to 0 and 1 (SQLite has no boolean type).
        let boolean = |column: &str| sql.contains(&format!("CHECK ({column} IN (0, 1))"));
        let rows: Vec<(String, String, bool, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let columns = rows
            .into_iter()
            .map(|(name, ty, not_null, pk)| Column {
                class: match ty.as_str() {
                    "INTEGER" if boolean(&name) => Class::Boolean,
                    "INTEGER" => Class::Integer,
                    "REAL" => Class::Real,
                    "TEXT" => Class::Text,
                    "BLOB" => Class::Bytes,
                    other => panic!("{table}.{name}: SQLite type {other}"),
                },
                // A primary key holds no NULL in either engine (SQLite's
                // catalogue says otherwise for keys that are not rowids).
                not_null: not_null || pk > 0,
                name,
            })
            .collect();
        schema.columns.insert(table.clone(), columns);

        let indexes: Vec<(String, String)> =
            sqlx::query_as("SELECT name, origin FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
        // Only indexes made with CREATE INDEX: keys and UNIQUE constraints are
        // compared through the columns' constraints, not by generated names.
        for (index, _) in indexes.into_iter().filter(|(_, origin)| origin == "c") {
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            schema.indexes.insert(index, (table.clone(), columns));
        }

        let keys: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list($1)",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for (from, to_table, to, on_delete) in keys {
            schema
                .foreign_keys
                .insert((table.clone(), from), (to_table, to, on_delete));
        }
    }
    schema
}

async fn postgres_schema(pool: &PgPool) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx_%' \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, name, ty, nullable) in columns {
        // PostgreSQL's stand-in for SQLite's rowid (see the baseline).
        if name == "seq" && SEQ_TABLES.contains(&table.as_str()) {
            continue;
        }
        let class = match ty.as_str() {
            "bigint" => Class::Integer,
            "boolean" => Class::Boolean,
            "double precision" => Class::Real,
            "text" => Class::Text,
            "bytea" => Class::Bytes,
            other => panic!("{table}.{name}: PostgreSQL type {other} (use bigint, not integer)"),
        };
        schema.columns.entry(table).or_default().push(Column {
            name,
            class,
            not_null: nullable == "NO",
        });
    }

    // Indexes not behind a constraint (keys and UNIQUE are compared as above).
    let indexes: Vec<(String, String, Vec<String>)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                      ORDER BY k.n)
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace s ON s.oid = t.relnamespace
         WHERE s.nspname = 'public' AND t.relname NOT LIKE '_sqlx_%'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (index, table, columns) in indexes {
        if columns == ["seq"] && SEQ_TABLES.contains(&table.as_str()) {
            continue;
        }
        schema.indexes.insert(index, (table, columns));
    }

    let keys: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT t.relname::text, a.attname::text, r.relname::text, ra.attname::text,
                CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
                     WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_class r ON r.oid = c.confrelid
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
         WHERE c.contype = 'f'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, from, to_table, to, on_delete) in keys {
        schema
            .foreign_keys
            .insert((table, from), (to_table, to, on_delete));
    }
    schema
}

#[tokio::test]
async fn both_migration_folders_build_the_same_schema() {
    let (sqlite, _dir) = test_pool().await;
    let Db::Sqlite(sqlite) = sqlite else {
        unreachable!()
    };
    let Db::Postgres(postgres) = test_postgres().await else {
        unreachable!()
    };
    let (lite, pg) = (
        sqlite_schema(&sqlite).await,
        postgres_schema(&postgres).await,
    );
    assert!(lite.columns.len() >= 13, "{:?}", lite.columns.keys());
    for (table, columns) in &lite.columns {
        assert_eq!(Some(columns), pg.columns.get(table), "table {table}");
    }
    assert_eq!(
        lite.columns.keys().collect::<Vec<_>>(),
        pg.columns.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    assert_eq!(lite.indexes, pg.indexes, "the same indexes");
    assert_eq!(lite.foreign_keys, pg.foreign_keys, "the same foreign keys");
}
