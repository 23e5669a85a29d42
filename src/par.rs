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
    map_with(items, || (), |(), item| f(item))
}

/// [`map`] with a state per thread, made by `init` (a cache, say): `f` gets the state of the
/// thread it runs on. Results must not depend on what the state held before, or they would
/// depend on how the list was split.
pub fn map_with<T, S, R, I, F>(items: &[T], init: I, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &T) -> R + Sync,
{
    /// Below this many items per thread, splitting costs more than it saves.
    const MIN_CHUNK: usize = 256;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len() / MIN_CHUNK)
        .max(1);
    if threads == 1 {
        let mut state = init();
        return items.iter().map(|item| f(&mut state, item)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let (f, init) = (&f, &init);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut state = init();
                    part.iter()
                        .map(|item| f(&mut state, item))
                        .collect::<Vec<R>>()
                })
            })
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

/// [`map`] over owned items (buffers to fill, say), in order. Splits any list of two or
/// more: the caller passes items worth a thread each (pages to render, say).
pub fn map_owned<T, R, F>(items: Vec<T>, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len())
        .max(1);
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut parts: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut rest = items.into_iter();
    loop {
        let part: Vec<T> = rest.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(results) => results,
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
        let owned: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
        let lengths = super::map_owned(owned.clone(), |s| s.len());
        assert_eq!(lengths, owned.iter().map(String::len).collect::<Vec<_>>());
    }

    #[test]
    fn each_thread_has_its_own_state() {
        let items: Vec<u32> = (0..10_000).collect();
        // The state counts the items its thread saw; every item sees a count ≥ 1.
        let seen = super::map_with(
            &items,
            || 0usize,
            |n, _| {
                *n += 1;
                *n
            },
        );
        assert_eq!(seen.len(), items.len());
        assert_eq!(seen[0], 1);
        assert!(seen.iter().all(|&n| n >= 1));
    }
}
