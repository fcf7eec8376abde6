//! The registry: every codemod, in catalogue order. Adding a codemod adds its file and one line here.

mod async_endpoint_without_await;
mod blocking_file_io_in_async;
mod blocking_http_in_async;
mod blocking_sleep_in_async;
mod blocking_subprocess_in_async;
mod client_per_request;
mod independent_sequential_awaits;
mod lru_cache_on_async;
mod missing_compression;
mod missing_index;
mod missing_timeout;
pub(crate) mod n_plus_one_query;
mod over_fetching;
mod pool_settings;
mod sequential_await_in_loop;
mod sync_driver_in_async;
mod unbounded_count;
mod unbounded_list_endpoint;
mod uncached_hot_lookup;
mod uncached_read_endpoint;
mod unstreamed_large_response;
mod write_in_loop;

use crate::codemod::Codemod;

pub static ALL: &[&dyn Codemod] = &[
    &blocking_http_in_async::BlockingHttpInAsync,
    &blocking_sleep_in_async::BlockingSleepInAsync,
    &blocking_file_io_in_async::BlockingFileIoInAsync,
    &blocking_subprocess_in_async::BlockingSubprocessInAsync,
    &async_endpoint_without_await::AsyncEndpointWithoutAwait,
    &sequential_await_in_loop::SequentialAwaitInLoop,
    &independent_sequential_awaits::IndependentSequentialAwaits,
    &client_per_request::ClientPerRequest,
    &n_plus_one_query::NPlusOneQuery,
    &missing_index::MissingIndex,
    &over_fetching::OverFetching,
    &write_in_loop::WriteInLoop,
    &unbounded_list_endpoint::UnboundedListEndpoint,
    &unbounded_count::UnboundedCount,
    &pool_settings::PoolSettings,
    &sync_driver_in_async::SyncDriverInAsync,
    &uncached_read_endpoint::UncachedReadEndpoint,
    &uncached_hot_lookup::UncachedHotLookup,
    &lru_cache_on_async::LruCacheOnAsync,
    &missing_compression::MissingCompression,
    &unstreamed_large_response::UnstreamedLargeResponse,
    &missing_timeout::MissingTimeout,
];

/// The codemod with this code (`PO101`) or name (`blocking-http-in-async`).
pub fn find(code_or_name: &str) -> Option<&'static dyn Codemod> {
    ALL.iter()
        .copied()
        .find(|c| c.meta().code.eq_ignore_ascii_case(code_or_name) || c.meta().name == code_or_name)
}
