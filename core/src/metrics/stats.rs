//! The statistics metrics share: means, squared differences, Pearson
//! correlation and ranks, all accumulated in f64.
//!
//! Data and models are f32, but a metric sums over thousands of cells and
//! features, where f32 loses digits; so every statistic here takes and
//! returns f64, and callers widen f32 data once (see
//! [`crate::data::Matrix::column_f64`]).

/// The arithmetic mean; `None` for an empty slice.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The mean of `(a_i - b_i)^2`; `None` for empty slices.
///
/// # Panics
/// When the slices differ in length: callers check shapes first and report
/// a mismatch as a metric error.
pub fn mean_squared_difference(a: &[f64], b: &[f64]) -> Option<f64> {
    assert_eq!(a.len(), b.len(), "mean_squared_difference of slices of different lengths");
    if a.is_empty() {
        return None;
    }
    Some(a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>() / a.len() as f64)
}

/// The median (the mean of the two middle values for an even count, as
/// numpy's); `None` for an empty slice. Reorders `values`.
pub fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(upper);
    }
    // After the selection every value left of n / 2 is at most `upper`.
    let lower = values[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

/// True when every value equals the first (vacuously for fewer than two).
pub fn is_constant(values: &[f64]) -> bool {
    values.iter().all(|&v| v == values[0])
}

/// The Pearson correlation of two equally long series, in [-1, 1].
///
/// A constant series (zero variance, including one with fewer than two
/// values) has correlation 0 with everything rather than NaN: a collapsed
/// latent or an unchanged profile carries no information about the other
/// series, and 0 keeps averages over many correlations defined. Constancy
/// is tested exactly, before centring, because the f64 mean of identical
/// values need not equal them, which would leave rounding noise to
/// correlate.
///
/// # Panics
/// When the slices differ in length (see [`mean_squared_difference`]).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "pearson of slices of different lengths");
    if is_constant(x) || is_constant(y) {
        return 0.0;
    }
    let n = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // Rounding can push |r| a hair past 1 for perfectly collinear series.
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// The 1-based ranks of `values`, ties sharing the mean of their ranks
/// (scipy's `rankdata` with `method="average"`); `-0.0` ties with `0.0`.
///
/// # Panics
/// On a NaN (callers check that latents are finite) or more than 2^32 values.
pub fn ranks(values: &[f32]) -> Vec<f64> {
    ranks_in_groups(values, &[0]).0
}

/// The ranks of `values` among all of them, and each value's rank among
/// the values of its group, both as [`ranks`]. Groups are consecutive:
/// group `g` is `values[starts[g]..starts[g + 1]]` (the last runs to the
/// end), so finding a value's group touches no memory. One sort serves
/// every group: a group's values come in the same order within the
/// overall order.
///
/// Ranks are of f32 data, sorted as packed integer keys (the value's order
/// in the high half, the index in the low half) by a radix sort: several
/// times faster than a comparison sort of (value, index) pairs, which
/// matters for 100,000-row latents.
///
/// # Panics
/// On a NaN, more than 2^32 values, or `starts` not starting at 0 or not
/// increasing.
pub fn ranks_in_groups(values: &[f32], starts: &[usize]) -> (Vec<f64>, Vec<f64>) {
    assert!(values.len() <= 1 << 32, "ranks of more than 2^32 values");
    assert!(starts.first() == Some(&0) && starts.is_sorted(), "groups start at 0 and follow one another");
    let mut keyed: Vec<u64> =
        values.iter().enumerate().map(|(i, &v)| (u64::from(order_key(v)) << 32) | i as u64).collect();
    radix_sort_by_high_half(&mut keyed);
    let index = |k: u64| (k & 0xFFFF_FFFF) as usize;
    let group = |i: usize| starts.partition_point(|&s| s <= i) - 1;
    let (mut overall, mut within) = (vec![0.0; values.len()], vec![0.0; values.len()]);
    // Per group: values ranked so far, and values in the current tie run.
    let (mut seen, mut tied) = (vec![0usize; starts.len()], vec![0usize; starts.len()]);
    let mut start = 0;
    while start < keyed.len() {
        let value = keyed[start] >> 32;
        let end = start + keyed[start..].iter().take_while(|&&k| k >> 32 == value).count();
        if end == start + 1 {
            // No tie, the usual case with continuous latents.
            let i = index(keyed[start]);
            let g = group(i);
            overall[i] = end as f64;
            seen[g] += 1;
            within[i] = seen[g] as f64;
            start = end;
            continue;
        }
        let run = &keyed[start..end];
        // The mean of the 1-based ranks start + 1 ..= end.
        let rank = (start + end + 1) as f64 / 2.0;
        for &k in run {
            overall[index(k)] = rank;
            tied[group(index(k))] += 1;
        }
        for &k in run {
            let g = group(index(k));
            within[index(k)] = seen[g] as f64 + (tied[g] + 1) as f64 / 2.0;
        }
        for &k in run {
            let g = group(index(k));
            seen[g] += tied[g];
            tied[g] = 0;
        }
        start = end;
    }
    (overall, within)
}

/// Sorts packed keys by their high 32 bits (ties keep their order): a
/// least-significant-digit radix sort, three passes of 11 bits.
fn radix_sort_by_high_half(keys: &mut Vec<u64>) {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    let mut sorted = vec![0u64; keys.len()];
    for shift in [32, 32 + BITS, 32 + 2 * BITS] {
        let digit = |k: u64| ((k >> shift) as usize) & (BUCKETS - 1);
        let mut next = vec![0usize; BUCKETS];
        for &k in keys.iter() {
            next[digit(k)] += 1;
        }
        let mut start = 0;
        for slot in next.iter_mut() {
            (*slot, start) = (start, start + *slot);
        }
        for &k in keys.iter() {
            let d = digit(k);
            sorted[next[d]] = k;
            next[d] += 1;
        }
        std::mem::swap(keys, &mut sorted);
    }
}

/// A u32 whose unsigned order is the numeric order of `v`.
fn order_key(v: f32) -> u32 {
    assert!(!v.is_nan(), "ranks of NaN");
    let bits = if v == 0.0 { 0 } else { v.to_bits() };
    if bits >> 31 == 1 { !bits } else { bits | 0x8000_0000 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mean_and_squared_difference() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(mean(&[]), None);
        assert_eq!(mean_squared_difference(&[1.0, 2.0], &[3.0, 2.0]), Some(2.0));
        assert_eq!(mean_squared_difference(&[], &[]), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn pearson_of_known_series() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]) - 0.997_948_715_788_673_3).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
    }

    #[test]
    fn constant_series_correlate_zero() {
        // 0.1 is not exact in binary, so a naive mean would leave nonzero deviations.
        assert_eq!(pearson(&[0.1; 5], &[1.0, 5.0, 2.0, 3.0, 4.0]), 0.0);
        assert_eq!(pearson(&[1.0, 2.0], &[7.0, 7.0]), 0.0);
        assert_eq!(pearson(&[1.0], &[2.0]), 0.0);
        assert_eq!(pearson(&[], &[]), 0.0);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, -1.0, 3.0, 0.0, -0.0, 7.5]), vec![4.5, 1.0, 4.5, 2.5, 2.5, 6.0]);
        assert_eq!(ranks(&[f32::MIN, f32::MAX, -1e-30, 1e-30]), vec![1.0, 4.0, 2.0, 3.0]);
        assert!(ranks(&[]).is_empty());
    }

    #[test]
    fn radix_sort_orders_by_the_high_half_stably() {
        let mut keys: Vec<u64> = [(7u64, 0u64), (1 << 30, 1), (7, 2), (0, 3), (u32::MAX as u64, 4), (1 << 12, 5)]
            .iter()
            .map(|&(high, low)| (high << 32) | low)
            .collect();
        radix_sort_by_high_half(&mut keys);
        assert_eq!(keys.iter().map(|k| k & 0xFFFF_FFFF).collect::<Vec<_>>(), vec![3, 0, 2, 5, 1, 4]);
    }

    #[test]
    fn ranks_in_groups_rank_each_group_alone() {
        // Group 0 holds 3, 2, 3; group 1 holds 1, 3, 0.
        let values = [3.0, 2.0, 3.0, 1.0, 3.0, 0.0];
        let (overall, within) = ranks_in_groups(&values, &[0, 3]);
        assert_eq!(overall, ranks(&values));
        assert_eq!(within, vec![2.5, 1.0, 2.5, 2.0, 3.0, 1.0]);
    }

    proptest! {
        #[test]
        fn ranks_follow_the_order_of_values(v in prop::collection::vec(-1e3f32..1e3, 0..30)) {
            let r = ranks(&v);
            for i in 0..v.len() {
                for j in 0..v.len() {
                    prop_assert_eq!(v[i] < v[j], r[i] < r[j]);
                }
            }
            prop_assert!((r.iter().sum::<f64>() - (v.len() * (v.len() + 1)) as f64 / 2.0).abs() < 1e-9);
        }

        #[test]
        fn ranks_in_groups_match_ranking_each_group(
            v in prop::collection::vec(-50i32..50, 0..40), cuts in prop::collection::vec(0usize..40, 0..3)
        ) {
            // Small integers make ties common.
            let values: Vec<f32> = v.iter().map(|&x| x as f32 / 4.0).collect();
            let mut starts: Vec<usize> = std::iter::once(0).chain(cuts.into_iter().map(|c| c.min(values.len()))).collect();
            starts.sort_unstable();
            let (overall, within) = ranks_in_groups(&values, &starts);
            prop_assert_eq!(overall, ranks(&values));
            for (g, &start) in starts.iter().enumerate() {
                let end = starts.get(g + 1).copied().unwrap_or(values.len());
                let alone = ranks(&values[start..end]);
                prop_assert_eq!(&within[start..end], alone.as_slice());
            }
        }

        #[test]
        fn pearson_is_bounded_and_symmetric(
            xy in prop::collection::vec((-1e3f64..1e3, -1e3f64..1e3), 0..20)
        ) {
            let (x, y): (Vec<f64>, Vec<f64>) = xy.into_iter().unzip();
            let r = pearson(&x, &y);
            prop_assert!((-1.0..=1.0).contains(&r));
            prop_assert_eq!(r, pearson(&y, &x));
        }
    }
}
