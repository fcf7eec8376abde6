//! Building edits that keep the file's style: imports and module-level additions, and small
//! builders that codemods share.

pub mod builders;
pub mod importer;
pub mod lifespan;
pub mod shared_client;
pub mod shared_http;
