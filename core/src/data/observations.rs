//! Observations as a model sees them, and a [`Dataset`] of them.

use super::{Matrix, Perturbation};
use thiserror::Error;

/// Rows of data with the labels an experimenter would know.
///
/// Each row `i` of `x` has a time point (an index into `time_values`), a
/// perturbation (an index into the table `perturbations`), a replicate, and
/// a unit id. Rows with the same unit id are the same cell or sample seen at
/// several time points (trajectories); in snapshot data every unit appears
/// once. Time points are indices so that models and metrics can group by
/// them exactly; `time_values` keeps the real times (hours, steps) for
/// models that care about irregular spacing. Image data say so with an
/// [`ImageShape`]: each row of `x` is then one image, channel-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Observations {
    x: Matrix,
    time_point: Vec<u32>,
    perturbation: Vec<u32>,
    replicate: Vec<u32>,
    unit: Vec<u64>,
    perturbations: Vec<Perturbation>,
    time_values: Vec<f32>,
    n_targets: u32,
    image: Option<ImageShape>,
}

/// The layout of image observations: each row of x holds `channels`
/// planes of `height` rows of `width` values (channel-major, as
/// convolutional networks read them: C x H x W).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageShape {
    pub channels: u32,
    pub height: u32,
    pub width: u32,
}

impl ImageShape {
    /// Values per image.
    pub fn len(self) -> usize {
        self.channels as usize * self.height as usize * self.width as usize
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Display for ImageShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} x {} x {}", self.channels, self.height, self.width)
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum ObservationsError {
    #[error("`{column}` has {found} entries but x has {rows} rows")]
    Length { column: &'static str, found: usize, rows: usize },
    #[error("row {row}: {column} index {index} is out of range (there are {len})")]
    Index { row: usize, column: &'static str, index: u32, len: usize },
    #[error("perturbation #{index} names target {target}, but there are only {n_targets} targets")]
    Target { index: usize, target: u32, n_targets: u32 },
    #[error("x has {found} columns; {expected} feature names were given")]
    Features { found: usize, expected: usize },
    #[error("images of {shape} hold {} values, but x has {cols} columns", shape.len())]
    Image { shape: ImageShape, cols: usize },
}


impl Observations {
    /// Checks that every column matches `x` and every index is in range.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        x: Matrix,
        time_point: Vec<u32>,
        perturbation: Vec<u32>,
        replicate: Vec<u32>,
        unit: Vec<u64>,
        perturbations: Vec<Perturbation>,
        time_values: Vec<f32>,
        n_targets: u32,
    ) -> Result<Self, ObservationsError> {
        let rows = x.rows();
        for (column, found) in [
            ("time_point", time_point.len()),
            ("perturbation", perturbation.len()),
            ("replicate", replicate.len()),
            ("unit", unit.len()),
        ] {
            if found != rows {
                return Err(ObservationsError::Length { column, found, rows });
            }
        }
        for (row, (&t, &p)) in time_point.iter().zip(&perturbation).enumerate() {
            if t as usize >= time_values.len() {
                return Err(ObservationsError::Index { row, column: "time_point", index: t, len: time_values.len() });
            }
            if p as usize >= perturbations.len() {
                return Err(ObservationsError::Index { row, column: "perturbation", index: p, len: perturbations.len() });
            }
        }
        for (index, p) in perturbations.iter().enumerate() {
            if let Some(&target) = p.targets().iter().find(|&&t| t >= n_targets) {
                return Err(ObservationsError::Target { index, target, n_targets });
            }
        }
        Ok(Self { x, time_point, perturbation, replicate, unit, perturbations, time_values, n_targets, image: None })
    }

    /// Marks the rows as images of `shape`, which must account for every column.
    pub fn with_image(mut self, shape: Option<ImageShape>) -> Result<Self, ObservationsError> {
        if let Some(shape) = shape
            && (shape.len() != self.x.cols() || shape.is_empty())
        {
            return Err(ObservationsError::Image { shape, cols: self.x.cols() });
        }
        self.image = shape;
        Ok(self)
    }

    /// The image layout of each row, for image data.
    pub fn image(&self) -> Option<ImageShape> {
        self.image
    }

    pub fn len(&self) -> usize {
        self.x.rows()
    }

    pub fn is_empty(&self) -> bool {
        self.x.rows() == 0
    }

    pub fn x(&self) -> &Matrix {
        &self.x
    }

    pub fn time_point(&self) -> &[u32] {
        &self.time_point
    }

    /// Per row, an index into [`Self::perturbations`].
    pub fn perturbation_index(&self) -> &[u32] {
        &self.perturbation
    }

    pub fn replicate(&self) -> &[u32] {
        &self.replicate
    }

    pub fn unit(&self) -> &[u64] {
        &self.unit
    }

    /// The table of distinct perturbations that rows refer to.
    pub fn perturbations(&self) -> &[Perturbation] {
        &self.perturbations
    }

    /// The perturbation applied to row `i`.
    pub fn perturbation_of(&self, i: usize) -> &Perturbation {
        &self.perturbations[self.perturbation[i] as usize]
    }

    pub fn time_values(&self) -> &[f32] {
        &self.time_values
    }

    pub fn n_time_points(&self) -> usize {
        self.time_values.len()
    }

    /// How many distinct targets exist (target ids are `0..n_targets`).
    pub fn n_targets(&self) -> u32 {
        self.n_targets
    }

    /// Rows whose perturbation is `p` and time point is `t`.
    pub fn rows_where(&self, p: &Perturbation, t: u32) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.time_point[i] == t && self.perturbation_of(i) == p).collect()
    }

    /// The given rows, in order; the perturbation table is rebuilt to hold
    /// only perturbations those rows use, so a training split does not even
    /// list a held-out perturbation.
    pub fn subset(&self, rows: &[usize]) -> Self {
        let mut table: Vec<Perturbation> = Vec::new();
        let mut remap = vec![u32::MAX; self.perturbations.len()];
        let perturbation = rows
            .iter()
            .map(|&i| {
                let old = self.perturbation[i] as usize;
                if remap[old] == u32::MAX {
                    remap[old] = table.len() as u32;
                    table.push(self.perturbations[old].clone());
                }
                remap[old]
            })
            .collect();
        Self {
            x: self.x.select_rows(rows),
            time_point: rows.iter().map(|&i| self.time_point[i]).collect(),
            perturbation,
            replicate: rows.iter().map(|&i| self.replicate[i]).collect(),
            unit: rows.iter().map(|&i| self.unit[i]).collect(),
            perturbations: table,
            time_values: self.time_values.clone(),
            n_targets: self.n_targets,
            image: self.image,
        }
    }
}

/// Observations with the names that make them readable: what a simulator
/// or a data loader produces, and what results files refer to.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub observations: Observations,
    /// One name per target id (simulated "genes" or real gene symbols).
    pub target_names: Vec<String>,
    /// One name per column of `x`.
    pub feature_names: Vec<String>,
}

impl Dataset {
    pub fn new(
        observations: Observations,
        target_names: Vec<String>,
        feature_names: Vec<String>,
    ) -> Result<Self, ObservationsError> {
        if feature_names.len() != observations.x().cols() {
            return Err(ObservationsError::Features { found: observations.x().cols(), expected: feature_names.len() });
        }
        if target_names.len() != observations.n_targets() as usize {
            return Err(ObservationsError::Length {
                column: "target_names",
                found: target_names.len(),
                rows: observations.n_targets() as usize,
            });
        }
        Ok(Self { observations, target_names, feature_names })
    }

    /// The readable label of a perturbation, such as `P1+P2` or `control`.
    pub fn label(&self, p: &Perturbation) -> String {
        p.label(&self.target_names)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Four rows: control and P0 at two time points.
    pub(crate) fn tiny() -> Observations {
        Observations::new(
            Matrix::new(4, 2, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]).unwrap(),
            vec![0, 1, 0, 1],
            vec![0, 0, 1, 1],
            vec![0; 4],
            vec![0, 0, 1, 1],
            vec![Perturbation::control(), Perturbation::new([0])],
            vec![0.0, 1.0],
            1,
        )
        .unwrap()
    }

    #[test]
    fn new_checks_lengths_and_indices() {
        let err = Observations::new(
            Matrix::zeros(2, 1),
            vec![0, 5],
            vec![0, 0],
            vec![0, 0],
            vec![0, 1],
            vec![Perturbation::control()],
            vec![0.0],
            0,
        )
        .unwrap_err();
        assert_eq!(err, ObservationsError::Index { row: 1, column: "time_point", index: 5, len: 1 });
        let err = Observations::new(Matrix::zeros(2, 1), vec![0], vec![], vec![], vec![], vec![], vec![0.0], 0)
            .unwrap_err();
        assert!(matches!(err, ObservationsError::Length { column: "time_point", .. }));
    }

    #[test]
    fn subset_rebuilds_the_perturbation_table() {
        let obs = tiny();
        let sub = obs.subset(&[3, 2]);
        assert_eq!(sub.perturbations(), &[Perturbation::new([0])]);
        assert_eq!(sub.perturbation_index(), &[0, 0]);
        assert_eq!(sub.x().row(0), &[6.0, 7.0]);
        assert_eq!(obs.rows_where(&Perturbation::control(), 1), vec![1]);
    }

    #[test]
    fn an_image_shape_must_cover_the_columns_and_survives_subsets() {
        let shape = ImageShape { channels: 2, height: 1, width: 1 };
        let obs = tiny().with_image(Some(shape)).unwrap();
        assert_eq!(obs.subset(&[1]).image(), Some(shape));
        let wrong = ImageShape { channels: 3, height: 1, width: 1 };
        let err = tiny().with_image(Some(wrong)).unwrap_err();
        assert_eq!(err.to_string(), "images of 3 x 1 x 1 hold 3 values, but x has 2 columns");
    }
}
