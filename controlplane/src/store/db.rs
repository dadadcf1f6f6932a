//! One query layer over both backends: an enum of the two pools, values bound with each
//! driver's native types (BOOLEAN, BIGINT, BLOB/BYTEA), rows read by column index. Every
//! statement is written once with `$N` placeholders, which SQLite accepts as well.

use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};

use super::error::StoreError;

/// A bound value. Typed even when null, so PostgreSQL sees the column's own type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(bool),
    Bytes(Vec<u8>),
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(Some(v.to_owned()))
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(Some(v))
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::Text(v)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Val {
        Val::Text(v.map(str::to_owned))
    }
}
impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Val {
        Val::Text(v.clone())
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::Int(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::Float(Some(v))
    }
}
impl From<Option<f64>> for Val {
    fn from(v: Option<f64>) -> Val {
        Val::Float(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Val {
        Val::Bytes(v)
    }
}

/// `args![a, b, c]` builds the bound values of a statement, in placeholder order.
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::store::db::Val::from($v)),*] };
}
pub(crate) use args;

macro_rules! bind {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for v in $args {
            q = match v {
                Val::Text(x) => q.bind(x),
                Val::Int(x) => q.bind(x),
                Val::Float(x) => q.bind(x),
                Val::Bool(x) => q.bind(x),
                Val::Bytes(x) => q.bind(x),
            };
        }
        q
    }};
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    /// A write transaction.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A read transaction that sees one consistent state across its statements (SQLite's WAL
    /// readers already do; PostgreSQL needs REPEATABLE READ for it).
    pub(crate) async fn begin_read(&self) -> Result<Tx, StoreError> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(_) = tx {
            tx.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
                vec![],
            )
            .await?;
        }
        Ok(tx)
    }
}

pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Run a statement; the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Val>) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(t) => bind!(sqlx::query(sql), args)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            Tx::Postgres(t) => bind!(sqlx::query(sql), args)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    pub(crate) async fn fetch_all(
        &mut self,
        sql: &str,
        args: Vec<Val>,
    ) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(t) => bind!(sqlx::query(sql), args)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Tx::Postgres(t) => bind!(sqlx::query(sql), args)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }

    pub(crate) async fn fetch_optional(
        &mut self,
        sql: &str,
        args: Vec<Val>,
    ) -> Result<Option<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(t) => bind!(sqlx::query(sql), args)
                .fetch_optional(&mut **t)
                .await?
                .map(Row::Sqlite),
            Tx::Postgres(t) => bind!(sqlx::query(sql), args)
                .fetch_optional(&mut **t)
                .await?
                .map(Row::Postgres),
        })
    }

    /// A single row the statement always returns (aggregates, `RETURNING`).
    pub(crate) async fn fetch_one(&mut self, sql: &str, args: Vec<Val>) -> Result<Row, StoreError> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no row returned by: {sql}")))
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A result row of either backend.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    pub(crate) fn get<T>(&self, i: usize) -> Result<T, StoreError>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(i)?,
            Row::Postgres(r) => r.try_get(i)?,
        })
    }

    pub(crate) fn text(&self, i: usize) -> Result<String, StoreError> {
        self.get(i)
    }
    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.get(i)
    }
    pub(crate) fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.get(i)
    }
    pub(crate) fn float(&self, i: usize) -> Result<f64, StoreError> {
        self.get(i)
    }
    pub(crate) fn opt_float(&self, i: usize) -> Result<Option<f64>, StoreError> {
        self.get(i)
    }
    pub(crate) fn boolean(&self, i: usize) -> Result<bool, StoreError> {
        self.get(i)
    }
    pub(crate) fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        self.get(i)
    }

    /// A non-negative integer column as `u64`/`u32`/...; a negative or too large value is corrupt.
    pub(crate) fn uint<T: TryFrom<i64>>(&self, i: usize) -> Result<T, StoreError> {
        let v = self.int(i)?;
        T::try_from(v).map_err(|_| StoreError::Corrupt(format!("column {i}: {v} is out of range")))
    }

    pub(crate) fn opt_uint<T: TryFrom<i64>>(&self, i: usize) -> Result<Option<T>, StoreError> {
        match self.get::<Option<i64>>(i)? {
            None => Ok(None),
            Some(v) => T::try_from(v)
                .map(Some)
                .map_err(|_| StoreError::Corrupt(format!("column {i}: {v} is out of range"))),
        }
    }
}

/// Build a `WHERE` clause from fixed SQL fragments; values are only ever bound.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    conds: Vec<String>,
    pub(crate) args: Vec<Val>,
}

impl Filter {
    /// Add `{column_expr} {op} $n` bound to `value`; `column_expr` and `op` are SQL constants.
    pub(crate) fn push(&mut self, column_expr: &'static str, op: &'static str, value: Val) {
        self.args.push(value);
        self.conds
            .push(format!("{column_expr} {op} ${}", self.args.len()));
    }

    /// `name` starts with `prefix` (case-sensitive on both backends, unlike `LIKE`).
    pub(crate) fn push_prefix(&mut self, column: &'static str, prefix: &str) {
        self.args.push(Val::from(prefix));
        let n = self.args.len();
        self.conds
            .push(format!("substr({column}, 1, length(${n})) = ${n}"));
    }

    /// The next placeholder number.
    pub(crate) fn next(&self) -> usize {
        self.args.len() + 1
    }

    /// ` WHERE a AND b` or an empty string.
    pub(crate) fn sql(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }
}

/// `$from, $from+1, ...` for an `IN (...)` list of `n` values.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
