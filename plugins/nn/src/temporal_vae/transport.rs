//! Optimal transport between the cells of two adjacent time points: each
//! cell at time t gets one predecessor among the cells at t - 1.
//!
//! With `n` cells at t - 1 and `m` at t, the pairing minimises the summed
//! cost subject to balance: every cell at t - 1 is the predecessor of
//! `floor(m / n)` or `ceil(m / n)` cells. That is discrete optimal
//! transport between the two empirical distributions (uniform weights)
//! made integral: for `m = n` it is the optimal permutation, for `m` a
//! multiple of `n` an optimal transport plan exactly, and otherwise the
//! nearest integral plan. Every cell at t gets a predecessor, so every one
//! of them trains the transition prior, and no cell at t - 1 is left out
//! when `m >= n`.
//!
//! It is solved exactly as a square linear sum assignment (the `lsap`
//! crate, a port of SciPy's `linear_sum_assignment`): cell j at t - 1
//! becomes `ceil(m / n)` columns, its last copy optional when `n` does not
//! divide `m`; `n * ceil(m / n) - m` dummy rows take the optional copies
//! left unused and may not take the others. The cost is `O(k^3)` in
//! `k = n * ceil(m / n)`: milliseconds for the few hundred cells of a
//! (perturbation, replicate, time point) group here; larger groups are
//! paired in blocks (`super::pairing`).

use crate::NnError;

/// For each of `n_current` cells, the index of its predecessor among
/// `n_previous` cells: the balanced pairing of least total `cost`, where
/// `cost[i * n_previous + j]` is the cost of pairing current cell `i` with
/// previous cell `j` (finite and at least 0).
pub fn balanced_assignment(cost: &[f64], n_current: usize, n_previous: usize) -> Result<Vec<usize>, NnError> {
    if cost.len() != n_current * n_previous {
        return Err(NnError::Data(format!("a {n_current} x {n_previous} cost matrix needs {} entries, got {}", n_current * n_previous, cost.len())));
    }
    if n_current == 0 {
        return Ok(Vec::new());
    }
    if n_previous == 0 {
        return Err(NnError::Data(format!("{n_current} cell(s) need a predecessor, but the previous time point has none")));
    }
    if let Some(bad) = cost.iter().find(|c| !(c.is_finite() && **c >= 0.0)) {
        return Err(NnError::Data(format!("pairing costs must be finite and at least 0, got {bad}")));
    }
    if n_previous == 1 {
        // One predecessor for all: no assignment to solve (and the square
        // problem below would have n_current columns of copies).
        return Ok(vec![0; n_current]);
    }
    let least = n_current / n_previous;
    let copies = n_current.div_ceil(n_previous);
    let size = n_previous * copies;
    // Column j * copies + k is copy k of previous cell j; copies k >= least
    // are optional. No feasible assignment costs more than `n_current *
    // max`, so `forbidden` keeps dummies off the copies that must be used.
    let max = cost.iter().copied().fold(0.0, f64::max);
    let forbidden = 1.0 + max * n_current as f64;
    let mut square = vec![0.0; size * size];
    for i in 0..size {
        for j in 0..n_previous {
            for k in 0..copies {
                square[i * size + j * copies + k] = if i < n_current {
                    cost[i * n_previous + j]
                } else if k >= least {
                    0.0
                } else {
                    forbidden
                };
            }
        }
    }
    let (rows, columns) = lsap::solve(size, size, &square, false).map_err(|e| NnError::Data(format!("the optimal transport pairing failed: {e}")))?;
    let mut predecessor = vec![0; n_current];
    for (&i, &c) in rows.iter().zip(&columns) {
        if i < n_current {
            predecessor[i] = c / copies;
        }
    }
    Ok(predecessor)
}

/// `cost[i * previous.len() + j]`: the squared Euclidean distance between
/// point `current[i]` and point `previous[j]` of `points` (row-major, `width` columns).
pub fn squared_distances(points: &[f32], width: usize, current: &[usize], previous: &[usize]) -> Vec<f64> {
    let row = |r: usize| &points[r * width..(r + 1) * width];
    current
        .iter()
        .flat_map(|&i| previous.iter().map(move |&j| row(i).iter().zip(row(j)).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The least cost of any balanced pairing, by enumerating every map
    /// from current to previous cells.
    fn brute_force(cost: &[f64], m: usize, n: usize) -> f64 {
        let (least, most) = (m / n, m.div_ceil(n));
        let mut best = f64::INFINITY;
        let mut choice = vec![0usize; m];
        loop {
            let mut uses = vec![0usize; n];
            choice.iter().for_each(|&j| uses[j] += 1);
            if uses.iter().all(|&u| u >= least && u <= most) {
                best = best.min(choice.iter().enumerate().map(|(i, &j)| cost[i * n + j]).sum());
            }
            // Next map, as a base-n counter.
            let mut i = 0;
            while i < m && choice[i] == n - 1 {
                choice[i] = 0;
                i += 1;
            }
            if i == m {
                return best;
            }
            choice[i] += 1;
        }
    }

    fn total(cost: &[f64], n: usize, pairing: &[usize]) -> f64 {
        pairing.iter().enumerate().map(|(i, &j)| cost[i * n + j]).sum()
    }

    proptest! {
        #[test]
        fn pairing_is_balanced_and_of_least_cost(
            (m, n, cost) in (1usize..=6, 1usize..=5).prop_flat_map(|(m, n)| (Just(m), Just(n), prop::collection::vec(0.0f64..10.0, m * n)))
        ) {
            let pairing = balanced_assignment(&cost, m, n).unwrap();
            prop_assert_eq!(pairing.len(), m);
            let mut uses = vec![0usize; n];
            for &j in &pairing {
                prop_assert!(j < n);
                uses[j] += 1;
            }
            prop_assert!(uses.iter().all(|&u| u >= m / n && u <= m.div_ceil(n)), "unbalanced: {:?}", uses);
            let best = brute_force(&cost, m, n);
            prop_assert!((total(&cost, n, &pairing) - best).abs() <= 1e-9 * best.max(1.0), "{} against {}", total(&cost, n, &pairing), best);
        }
    }

    #[test]
    fn equal_counts_give_the_optimal_permutation() {
        // Points on a line: the optimal pairing of equal counts is monotone.
        let previous = [0.0f32, 1.0, 2.0, 3.0];
        let current = [3.2f32, 0.1, 2.1, 1.2];
        let points: Vec<f32> = current.iter().chain(&previous).copied().collect();
        let cost = squared_distances(&points, 1, &[0, 1, 2, 3], &[4, 5, 6, 7]);
        assert_eq!(cost[1], (f64::from(3.2f32) - 1.0).powi(2), "current 0 to previous 1");
        assert_eq!(balanced_assignment(&cost, 4, 4).unwrap(), vec![3, 0, 2, 1]);
    }

    /// Pairings and costs computed by scipy (a linear program over the
    /// balanced transport polytope; see the script beside the fixture).
    #[test]
    fn pairing_matches_scipy() {
        let text = include_str!("../../tests/fixtures/transport/transport.txt");
        let mut lines = text.lines();
        let mut cases = 0;
        while let Some(header) = lines.next() {
            let words: Vec<&str> = header.split_whitespace().collect();
            assert_eq!(words[0], "case", "{header}");
            let [m, n, d] = [2, 3, 4].map(|k| words[k].parse::<usize>().unwrap());
            let points: Vec<f32> = lines.by_ref().take(m + n).flat_map(|l| l.split_whitespace().map(|v| v.parse::<f32>().unwrap())).collect();
            assert_eq!(points.len(), (m + n) * d);
            let mut list = |key: &str| -> Vec<f64> {
                let line = lines.next().unwrap();
                let rest = line.strip_prefix(key).unwrap_or_else(|| panic!("expected `{key}`, got {line}"));
                rest.split_whitespace().map(|v| v.parse().unwrap()).collect()
            };
            let expected: Vec<usize> = list("pairing").into_iter().map(|j| j as usize).collect();
            let expected_cost = list("cost")[0];
            let cost = squared_distances(&points, d, &(0..m).collect::<Vec<_>>(), &(m..m + n).collect::<Vec<_>>());
            let pairing = balanced_assignment(&cost, m, n).unwrap();
            assert_eq!(pairing, expected, "case {}", words[1]);
            assert!((total(&cost, n, &pairing) - expected_cost).abs() < 1e-9 * expected_cost, "case {}", words[1]);
            cases += 1;
        }
        assert_eq!(cases, 4);
    }

    #[test]
    fn bad_input_is_named() {
        assert!(balanced_assignment(&[1.0], 2, 1).unwrap_err().to_string().contains("2 x 1"));
        assert!(balanced_assignment(&[], 2, 0).unwrap_err().to_string().contains("previous time point has none"));
        assert!(balanced_assignment(&[f64::NAN], 1, 1).unwrap_err().to_string().contains("finite"));
        assert_eq!(balanced_assignment(&[], 0, 3).unwrap(), Vec::<usize>::new());
    }
}
