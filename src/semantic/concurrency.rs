//! What must not run concurrently: names that look like one database session or connection,
//! shared by the calls PO106 and PO107 would run together.

/// Names (or `_`-joined parts of names) that usually hold a session, connection or transaction.
const SHARED_RESOURCE_NAMES: &[&str] = &[
    "session",
    "db",
    "conn",
    "connection",
    "tx",
    "transaction",
    "cursor",
    "uow",
];

/// The first of `names` that looks like a shared database session or connection
/// (`session`, `db_session`, `conn_pool`): one `AsyncSession` must not run operations at once.
pub fn shared_resource<'n>(names: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
    names.into_iter().find(|name| {
        let lower = name.to_ascii_lowercase();
        SHARED_RESOURCE_NAMES.iter().any(|s| {
            lower == *s || lower.ends_with(&format!("_{s}")) || lower.starts_with(&format!("{s}_"))
        })
    })
}
