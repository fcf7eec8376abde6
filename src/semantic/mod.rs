//! What the code means: imports, scopes, FastAPI structure and the project-wide index.

pub mod asyncness;
pub mod blocking;
pub mod concurrency;
pub mod fastapi;
pub mod field_reads;
pub mod import_sections;
pub mod imports;
pub mod mentions;
pub mod models;
pub mod project;
pub mod queries;
pub mod read_routes;
pub mod scope;
pub mod unparsed;
