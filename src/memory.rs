//! The allocator's share of `demesh serve`'s memory (glibc malloc).
//!
//! Measured with heaptrack over 1,000 joins and 10 fan-outs to 1,000
//! servers (bench/README.md): the live heap peaks near 45 MB and falls
//! back to a few MB, but the resident size stayed at 90–97 MB, because
//! glibc keeps freed memory in its arenas (up to 8 per core, one per
//! thread that allocates under contention) and returns to the kernel
//! only what lies at the top of each heap. Two arenas, and a trim after
//! each burst of work, give back what a burst left behind.

/// Arenas for the whole process: two (one per core here) rather than
/// glibc's default of eight per core, so that memory one thread freed is
/// reused by the next instead of sitting in another arena. Call before
/// any thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets an allocator parameter; called before
        // other threads exist.
        let done = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
        if done != 1 {
            tracing::debug!("cannot limit malloc arenas");
        }
    }
}

/// Returns the free pages of every arena to the kernel. Cheap when little
/// is free; called once a burst of work (a fan-out, many joins) is over.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim takes the arenas' own locks; no arguments
        // but the padding to keep.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// How often [`run`] trims.
pub const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Trims every [`TRIM_EVERY`]: what is freed without a burst ending (idle
/// connections closed after `federation::client::POOL_IDLE`, blocking
/// threads ending) goes back too. Ends when `stop` is cancelled.
pub async fn run(stop: tokio_util::sync::CancellationToken) {
    while stop
        .run_until_cancelled(tokio::time::sleep(TRIM_EVERY))
        .await
        .is_some()
    {
        trim();
    }
}
