//! Deterministic "random" orders for the metrics: the held-out split and
//! the subsample of the R² metrics, the cell cap of the distribution
//! metrics, and the two halves of the bootstrap ceiling.
//!
//! Item `i` gets the key `splitmix64(splitmix64(seed) ^ i)` and items are
//! taken in increasing key order (SplitMix64 is a bijection, so keys never
//! tie). A keyed hash rather than an RNG stream because an item's place
//! then depends only on (seed, i), not on what was drawn before, and the
//! fixture script reproduces every order with a few lines of integer
//! arithmetic, so numpy and sklearn see exactly the rows Rust sees.

use std::collections::BTreeMap;

/// One in this many rows (rounded up) of each time point is held out.
pub const HELD_OUT_EVERY: usize = 5;

/// The seed of the R² split; fixed, so a metric stays a pure function of
/// its input and every model of a run is scored on the same split.
pub const SPLIT_SEED: u64 = 0;

use crate::seeding::splitmix64;

/// `items` in increasing order of their keys under `seed`.
pub fn shuffled(items: &[usize], seed: u64) -> Vec<usize> {
    let salt = splitmix64(seed);
    let mut keyed: Vec<(u64, usize)> = items.iter().map(|&i| (splitmix64(salt ^ i as u64), i)).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Rows to fit a regressor on and rows to score it on, as positions in
/// increasing order (so that gathering them reads memory in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holdout {
    pub fit: Vec<usize>,
    pub held_out: Vec<usize>,
}

/// The split of positions `0..time_points.len()` that the R² metrics use.
///
/// Within each time point the positions are shuffled with [`SPLIT_SEED`];
/// with a `cap`, only the first `ceil(n_t * cap / n)` of a time point's
/// `n_t` positions are used (about `cap` rows in all, each time point in
/// proportion). Of those `m_t`, the first `ceil(m_t / 5)` are held out and
/// the rest are fitted on. Stratifying by time point guarantees every time
/// point its share of held-out rows, so each gets a per-time-point value.
pub fn holdout(time_points: &[u32], cap: Option<usize>) -> Holdout {
    let n = time_points.len();
    let mut at: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (position, &t) in time_points.iter().enumerate() {
        at.entry(t).or_default().push(position);
    }
    let (mut fit, mut held_out) = (Vec::new(), Vec::new());
    for positions in at.values() {
        let n_t = positions.len();
        let m_t = cap.map_or(n_t, |c| n_t.min((n_t * c).div_ceil(n)));
        let order = shuffled(positions, SPLIT_SEED);
        let h_t = m_t.div_ceil(HELD_OUT_EVERY);
        held_out.extend_from_slice(&order[..h_t]);
        fit.extend_from_slice(&order[h_t..m_t]);
    }
    fit.sort_unstable();
    held_out.sort_unstable();
    Holdout { fit, held_out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffled_is_a_deterministic_permutation() {
        let items: Vec<usize> = (0..50).collect();
        let a = shuffled(&items, 7);
        assert_eq!(a, shuffled(&items, 7));
        assert_ne!(a, items);
        assert_ne!(a, shuffled(&items, 8));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, items);
    }

    #[test]
    fn holdout_stratifies_by_time_point() {
        // 12 rows at time point 0 and 6 at time point 3, interleaved.
        let times: Vec<u32> = (0..18).map(|i| if i % 3 == 2 { 3 } else { 0 }).collect();
        let split = holdout(&times, None);
        let held_at = |t: u32| split.held_out.iter().filter(|&&p| times[p] == t).count();
        assert_eq!((held_at(0), held_at(3)), (3, 2));
        assert_eq!(split.fit.len(), 18 - 5);
        assert!(split.held_out.is_sorted() && split.fit.is_sorted());
        let mut all: Vec<usize> = split.fit.iter().chain(&split.held_out).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..18).collect::<Vec<_>>());
    }

    #[test]
    fn holdout_cap_keeps_each_time_point_in_proportion() {
        let times: Vec<u32> = (0..1000).map(|i| (i % 4 == 0) as u32).collect();
        let split = holdout(&times, Some(100));
        // 750 rows at time point 0 give 75, 250 at time point 1 give 25.
        assert_eq!(split.fit.len() + split.held_out.len(), 100);
        assert_eq!(split.held_out.len(), 15 + 5);
        // Without a cap that binds, the split is the uncapped one.
        assert_eq!(holdout(&times, Some(5000)), holdout(&times, None));
    }
}
