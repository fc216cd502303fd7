//! Spreading a metric's independent pieces (the overall value and each
//! time point's) over a few scoped threads.
//!
//! A metric's pieces are few and each is a large, memory-bound job, so a
//! handful of threads takes almost all the gain; metrics run beside model
//! plugins that keep their own pools, so no more are started.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The most threads a metric starts.
const MAX_THREADS: usize = 4;

/// `items.iter().map(f)`, computed on up to [`MAX_THREADS`] threads, in
/// order. Items are handed out first come, first served, so put the
/// largest first. A panic in `f` is resumed on the calling thread.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(MAX_THREADS).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { return done };
            done.push((i, f(item)));
        }
    };
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        for worker in workers {
            let done = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, r) in done {
                results[i] = Some(r);
            }
        }
    });
    results.into_iter().map(|r| r.expect("every item is taken by exactly one worker")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_of_items() {
        let items: Vec<u64> = (0..25).collect();
        assert_eq!(parallel_map(&items, |&i| i * i), items.iter().map(|i| i * i).collect::<Vec<_>>());
        assert!(parallel_map(&[] as &[u64], |&i| i).is_empty());
    }
}
