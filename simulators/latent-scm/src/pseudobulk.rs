//! Pseudo-bulk: snapshot cells pooled by (perturbation, time point,
//! replicate), one output row per group, in that order. A group's features
//! are its cells' sum (counts) or mean (continuous features); its latents
//! are the mean of its cells' latents, and its unit id is its group number.

use std::collections::BTreeMap;

use crate::readout::{RowKey, Rows};

/// Pools `rows` (with features `x`, `width` per row) into one row per group.
pub(crate) fn pool(rows: &Rows, x: &[f32], width: usize, sum: bool) -> (Rows, Vec<f32>) {
    let latents = if rows.keys.is_empty() { 0 } else { rows.latents.len() / rows.keys.len() };
    let mut groups: BTreeMap<(u32, u32, u32), Vec<usize>> = BTreeMap::new();
    for (row, (key, &condition)) in rows.keys.iter().zip(&rows.condition).enumerate() {
        groups.entry((condition, key.time_point, key.replicate)).or_default().push(row);
    }
    let mut pooled = Rows::default();
    let mut features = Vec::with_capacity(groups.len() * width);
    for (group, ((condition, time_point, replicate), members)) in groups.into_iter().enumerate() {
        pooled.keys.push(RowKey { unit: group as u64, time_point, replicate });
        pooled.condition.push(condition);
        let scale = if sum { 1.0 } else { 1.0 / members.len() as f64 };
        features.extend(column_sums(x, width, &members).into_iter().map(|s| (s * scale) as f32));
        let n = members.len() as f64;
        pooled.latents.extend(column_sums(&rows.latents, latents, &members).into_iter().map(|s| (s / n) as f32));
    }
    (pooled, features)
}

/// Per column, the sum over `members` of a row-major matrix, in f64.
fn column_sums(values: &[f32], width: usize, members: &[usize]) -> Vec<f64> {
    let mut sums = vec![0.0f64; width];
    for &row in members {
        let slice = &values[row * width..(row + 1) * width];
        sums.iter_mut().zip(slice).for_each(|(s, &v)| *s += f64::from(v));
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sum_or_average_and_latents_average() {
        let key = |unit, time_point, replicate| RowKey { unit, time_point, replicate };
        let rows = Rows {
            keys: vec![key(0, 1, 0), key(1, 0, 0), key(2, 1, 0), key(3, 1, 0)],
            condition: vec![0, 0, 0, 1],
            latents: vec![1.0, 5.0, 3.0, 7.0],
        };
        let x = [1.0, 2.0, 10.0, 20.0, 3.0, 4.0, 5.0, 6.0];
        let (pooled, summed) = pool(&rows, &x, 2, true);
        assert_eq!(pooled.keys, vec![key(0, 0, 0), key(1, 1, 0), key(2, 1, 0)]);
        assert_eq!(pooled.condition, vec![0, 0, 1]);
        assert_eq!(summed, vec![10.0, 20.0, 4.0, 6.0, 5.0, 6.0]);
        assert_eq!(pooled.latents, vec![5.0, 2.0, 7.0]);
        let (_, averaged) = pool(&rows, &x, 2, false);
        assert_eq!(&averaged[2..4], &[2.0, 3.0]);
    }
}
