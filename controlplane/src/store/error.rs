//! The store's error: what callers map to HTTP/gRPC statuses (not found, conflict, invalid) apart
//! from infrastructure failures.

use std::path::PathBuf;

use crate::crypto::CryptoError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} `{name}` not found")]
    NotFound { entity: &'static str, name: String },
    /// The write would break referential integrity or uniqueness; the message says what to do.
    #[error("{0}")]
    Conflict(String),
    /// A value the store cannot represent (e.g. an alias with neither name nor pattern).
    #[error("invalid: {0}")]
    Invalid(String),
    /// A stored value could not be read back (unknown enum name, out-of-range number, bad JSON).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("unsupported database url `{0}`: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot create the database directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    pub(crate) fn not_found(entity: &'static str, name: impl Into<String>) -> StoreError {
        StoreError::NotFound {
            entity,
            name: name.into(),
        }
    }

    /// Replace a uniqueness or foreign-key violation by a conflict that says what it was about.
    pub(crate) fn context(self, what: impl FnOnce() -> String) -> StoreError {
        match self {
            StoreError::Conflict(_) => StoreError::Conflict(what()),
            other => other,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        use sqlx::error::ErrorKind;
        if let sqlx::Error::Database(db) = &e {
            match db.kind() {
                ErrorKind::UniqueViolation => {
                    return StoreError::Conflict(format!(
                        "an entry with the same key already exists ({})",
                        db.message()
                    ))
                }
                ErrorKind::ForeignKeyViolation => {
                    return StoreError::Conflict(format!(
                        "a referenced entry is missing or still in use ({})",
                        db.message()
                    ))
                }
                _ => {}
            }
        }
        StoreError::Database(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
