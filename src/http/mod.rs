//! The one HTTP layer: per-service rate limits learnt from headers, bounded concurrency,
//! retries with backoff and `Retry-After`, coalescing of identical requests, store lookups first.
