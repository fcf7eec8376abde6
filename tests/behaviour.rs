//! The behaviour tests: a program calling a local HTTP server with `requests` in many shapes,
//! a FastAPI app with every anti-pattern perfopt rewrites, a FastAPI app of export routes and
//! one of listing routes on SQLAlchemy and Beanie, are run before and after `perfopt fix`; the
//! results must be identical (the program's calls concurrent, the exports streamed), and listing
//! routes paged by the fix must give, page after page, the lists they returned whole before; an
//! order import batched by PO204 and counts rewritten by PO206 must store and count the same;
//! fields indexed by PO202 must give the same query results, found through the new indexes;
//! report routes projected by PO203 must answer the same JSON from fewer columns and fields; an
//! app whose MongoDB and Redis clients PO207 shares must answer the same with one client each;
//! per-item queries batched by PO201 must answer the same JSON with fewer queries.
//! They need a Python with tests/behaviour/requirements.txt (`scripts/test.sh` makes one and sets
//! PERFOPT_TEST_PYTHON); under CI they must run, elsewhere they are skipped with a message.

use std::path::Path;
use std::process::{Command, ExitStatus};

/// Runs `tests/behaviour/<driver> --perfopt <binary>` with the test Python; returns its exit
/// status and its stdout and stderr, or None (after saying so) when there is no test Python.
fn run_driver(driver: &str) -> Option<(ExitStatus, String)> {
    let Some(python) = std::env::var_os("PERFOPT_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the behaviour test: set PERFOPT_TEST_PYTHON (scripts/test.sh does)"
        );
        eprintln!(
            "skipped: set PERFOPT_TEST_PYTHON to a Python with tests/behaviour/requirements.txt"
        );
        return None;
    };
    let driver = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/behaviour")
        .join(driver);
    let output = Command::new(python)
        .arg(driver)
        .args(["--perfopt", env!("CARGO_BIN_EXE_perfopt")])
        .output()
        .expect("the test Python runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some((output.status, report))
}

#[test]
fn rewritten_program_behaves_the_same_and_runs_concurrently() {
    let Some((status, report)) = run_driver("run_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("results unchanged") && report.contains("max_in_flight > 1 after"),
        "{report}"
    );
}

#[test]
fn fixed_fastapi_app_answers_every_endpoint_the_same() {
    let Some((status, report)) = run_driver("run_app_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("app-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}

#[test]
fn streamed_exports_send_the_same_bytes() {
    let Some((status, report)) = run_driver("run_streaming_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("streaming-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}

#[test]
fn paged_listing_routes_concatenate_to_the_old_lists() {
    let Some((status, report)) = run_driver("run_pagination_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("pagination-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}

#[test]
fn batched_writes_and_count_queries_keep_the_data_and_the_counts() {
    let Some((status, report)) = run_driver("run_db_writes_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("db-writes-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}

#[test]
fn indexed_fields_keep_the_query_results_and_turn_scans_into_index_searches() {
    let Some((status, report)) = run_driver("run_index_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("index-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}

#[test]
fn projected_report_routes_answer_the_same_from_fewer_columns_and_fields() {
    let Some((status, report)) = run_driver("run_over_fetching_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("over-fetching-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}

#[test]
fn shared_database_clients_answer_the_same_and_are_built_once() {
    let Some((status, report)) = run_driver("run_pool_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("pool-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}

#[test]
fn batched_per_item_queries_answer_the_same_with_fewer_queries() {
    let Some((status, report)) = run_driver("run_n_plus_one_behaviour.py") else {
        return;
    };
    assert!(status.success(), "{report}");
    assert!(
        report.contains("n-plus-one-behaviour: ") && report.contains(" passed, 0 failed"),
        "{report}"
    );
}
