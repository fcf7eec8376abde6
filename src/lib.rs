//! perfopt: finds the performance anti-patterns of FastAPI applications and rewrites them.

pub mod api;
pub mod cache;
pub mod checker;
pub mod cli;
pub mod codemod;
pub mod codemods;
pub mod commands;
pub mod diagnostic;
pub mod edits;
pub mod fix;
pub mod fixer;
pub mod forge;
pub mod git;
pub mod outline;
pub mod parse;
pub mod plan;
pub mod report;
pub mod semantic;
pub mod settings;
pub mod skeleton;
pub mod source;
pub mod syntax;
pub mod workspace;
