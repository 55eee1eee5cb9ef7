//! Large requests are decoded, parsed, validated and executed on a lane of their own, so that they cannot hold the
//! HTTP workers: a burst of megabyte documents or huge list variables (refused by the caps, but only after their
//! JSON was decoded, which takes milliseconds) then queues on one thread beside the workers, and ordinary requests,
//! whose bodies are a few hundred bytes, go on being served by the workers meanwhile.

use std::future::Future;
use std::sync::OnceLock;

/// Bodies up to this size are decoded on the HTTP worker that read them (microseconds of work); larger ones go to
/// the lane. Clients' ordinary operations, GraphiQL's introspection query included, are far below it.
pub const INLINE_BODY_BYTES: usize = 16 * 1024;

/// One thread for the whole process, however many servers it runs (tests run several): the lane bounds the CPU
/// that large requests can take, whatever their number.
fn lane() -> &'static tokio::runtime::Runtime {
    static LANE: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    LANE.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("large-requests")
            .enable_all()
            .build()
            .expect("start the thread for large requests")
    })
}

/// Runs `work` on the lane; `None` if it panicked.
pub async fn run<F>(work: F) -> Option<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    lane().spawn(work).await.ok()
}
