//! Work split across the machine's cores, with results in input order, so that output stays
//! deterministic however the work was scheduled. Plain `std::thread::scope`: the stages that
//! use it (normalizing bib entries) are flat maps over a list, and a thread pool would add a
//! dependency for nothing.

/// Maps `f` over `items` on up to `available_parallelism` threads (one when the list is
/// short); the results come back in the order of `items`.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    /// Below this many items per thread, splitting costs more than it saves.
    const MIN_CHUNK: usize = 256;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len() / MIN_CHUNK)
        .max(1);
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
                // A panic in `f` is a bug; let it surface as it would on one thread.
                Err(payload) => std::panic::resume_unwind(payload),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_input_order_on_many_threads() {
        let items: Vec<u32> = (0..10_000).collect();
        let doubled = super::map(&items, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u32], |x| *x).is_empty());
    }
}
