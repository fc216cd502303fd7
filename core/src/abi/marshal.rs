//! Conversions between core types and the C views of [`super`].
//!
//! The host lends views of its data (no copy); a plugin copies what it
//! borrows into owned core types before calling the model, so a model never
//! holds a pointer into host memory beyond a call.

use super::{CImageShape, CMatrix, CObservations, COwnedLatents, COwnedMatrix, CQueries};
use crate::data::{ImageShape, LatentBlock, Matrix, Observations, ObservationsError, Perturbation};
use crate::model::{LatentEstimate, Query};
use std::mem::ManuallyDrop;

/// A perturbation list in compressed form: offsets (len n + 1) and targets.
pub(crate) struct CompressedTargets {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl CompressedTargets {
    pub(crate) fn new<'a>(sets: impl IntoIterator<Item = &'a Perturbation>) -> Self {
        let mut offsets = vec![0u32];
        let mut targets = Vec::new();
        for p in sets {
            targets.extend_from_slice(p.targets());
            offsets.push(targets.len() as u32);
        }
        Self { offsets, targets }
    }
}

/// # Safety
/// `offsets` must hold `n + 1` non-decreasing values and `targets` at least
/// `offsets[n]` values.
unsafe fn decompress(n: usize, offsets: *const u32, targets: *const u32) -> Vec<Perturbation> {
    // SAFETY: guaranteed by the caller.
    let offsets = unsafe { slice(offsets, n + 1) };
    let total = offsets.last().copied().unwrap_or(0) as usize;
    // SAFETY: guaranteed by the caller.
    let targets = unsafe { slice(targets, total) };
    offsets.windows(2).map(|w| Perturbation::new(targets[w[0] as usize..w[1] as usize].iter().copied())).collect()
}

/// A slice from a C pointer; a null pointer is accepted for length 0.
unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: the caller guarantees `len` readable values at `ptr`.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// Host side: the C view of `obs`, borrowing `obs` and `table`.
pub(crate) fn observations_view(obs: &Observations, table: &CompressedTargets) -> CObservations {
    CObservations {
        x: CMatrix { data: obs.x().as_slice().as_ptr(), rows: obs.x().rows(), cols: obs.x().cols() },
        time_point: obs.time_point().as_ptr(),
        perturbation: obs.perturbation_index().as_ptr(),
        replicate: obs.replicate().as_ptr(),
        unit: obs.unit().as_ptr(),
        n_perturbations: obs.perturbations().len(),
        perturbation_offsets: table.offsets.as_ptr(),
        perturbation_targets: table.targets.as_ptr(),
        time_values: obs.time_values().as_ptr(),
        n_time_points: obs.n_time_points(),
        n_targets: obs.n_targets(),
        image: obs.image().map_or(CImageShape::default(), |s| CImageShape {
            channels: s.channels,
            height: s.height,
            width: s.width,
        }),
    }
}

/// Plugin side: an owned copy of borrowed observations, validated again so
/// a confused host cannot hand a model inconsistent data.
///
/// # Safety
/// Every pointer in `c` must be valid for the lengths it declares.
pub(crate) unsafe fn observations_from_c(c: &CObservations) -> Result<Observations, ObservationsError> {
    let rows = c.x.rows;
    // SAFETY: guaranteed by the caller, for each column.
    unsafe {
        let x = Matrix::new(rows, c.x.cols, slice(c.x.data, rows * c.x.cols).to_vec()).map_err(|e| {
            ObservationsError::Length { column: "x", found: e.found, rows: e.expected }
        })?;
        Observations::new(
            x,
            slice(c.time_point, rows).to_vec(),
            slice(c.perturbation, rows).to_vec(),
            slice(c.replicate, rows).to_vec(),
            slice(c.unit, rows).to_vec(),
            decompress(c.n_perturbations, c.perturbation_offsets, c.perturbation_targets),
            slice(c.time_values, c.n_time_points).to_vec(),
            c.n_targets,
        )?
        .with_image((c.image != CImageShape::default()).then_some(ImageShape {
            channels: c.image.channels,
            height: c.image.height,
            width: c.image.width,
        }))
    }
}

/// Host side: the buffers behind a [`CQueries`] view.
pub(crate) struct QueryBuffers {
    time_point: Vec<u32>,
    n_cells: Vec<u32>,
    targets: CompressedTargets,
}

impl QueryBuffers {
    pub(crate) fn new(queries: &[Query]) -> Self {
        Self {
            time_point: queries.iter().map(|q| q.time_point).collect(),
            n_cells: queries.iter().map(|q| q.n_cells).collect(),
            targets: CompressedTargets::new(queries.iter().map(|q| &q.perturbation)),
        }
    }

    pub(crate) fn view(&self) -> CQueries {
        CQueries {
            n: self.time_point.len(),
            time_point: self.time_point.as_ptr(),
            n_cells: self.n_cells.as_ptr(),
            target_offsets: self.targets.offsets.as_ptr(),
            targets: self.targets.targets.as_ptr(),
        }
    }
}

/// Plugin side: owned queries from a borrowed view.
///
/// # Safety
/// Every pointer in `c` must be valid for `c.n` queries.
pub(crate) unsafe fn queries_from_c(c: &CQueries) -> Vec<Query> {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let perturbations = decompress(c.n, c.target_offsets, c.targets);
        let time_point = slice(c.time_point, c.n);
        let n_cells = slice(c.n_cells, c.n);
        perturbations
            .into_iter()
            .zip(time_point.iter().zip(n_cells))
            .map(|(perturbation, (&time_point, &n_cells))| Query { perturbation, time_point, n_cells })
            .collect()
    }
}

/// Plugin side: gives up ownership of a matrix's buffer to cross the boundary.
pub(crate) fn matrix_into_c(m: Matrix) -> COwnedMatrix {
    let (rows, cols) = (m.rows(), m.cols());
    let mut data = ManuallyDrop::new(m.into_vec());
    COwnedMatrix { data: data.as_mut_ptr(), rows, cols, capacity: data.capacity() }
}

/// Plugin side: takes back a buffer made by [`matrix_into_c`] and drops it.
///
/// # Safety
/// `m` must come from [`matrix_into_c`] in this same library, once.
pub(crate) unsafe fn matrix_drop(m: COwnedMatrix) {
    if !m.data.is_null() {
        // SAFETY: rebuilds exactly the Vec that matrix_into_c leaked.
        drop(unsafe { Vec::from_raw_parts(m.data, m.rows * m.cols, m.capacity) });
    }
}

pub(crate) fn latents_into_c(e: LatentEstimate) -> COwnedLatents {
    let mut blocks = ManuallyDrop::new(e.blocks.into_iter().map(|b| b as u8).collect::<Vec<u8>>());
    COwnedLatents { latents: matrix_into_c(e.latents), blocks: blocks.as_mut_ptr(), blocks_capacity: blocks.capacity() }
}

/// # Safety
/// `l` must come from [`latents_into_c`] in this same library, once.
pub(crate) unsafe fn latents_drop(l: COwnedLatents) {
    let cols = l.latents.cols;
    // SAFETY: both buffers were leaked by latents_into_c.
    unsafe {
        matrix_drop(l.latents);
        if !l.blocks.is_null() {
            drop(Vec::from_raw_parts(l.blocks, cols, l.blocks_capacity));
        }
    }
}

/// Host side: copies a plugin-owned matrix; the caller then frees the original.
///
/// # Safety
/// `m.data` must point to `m.rows * m.cols` values.
pub(crate) unsafe fn matrix_copy(m: &COwnedMatrix) -> Matrix {
    // SAFETY: guaranteed by the caller; lengths agree by construction.
    let data = unsafe { slice(m.data as *const f32, m.rows * m.cols) }.to_vec();
    Matrix::new(m.rows, m.cols, data).expect("length computed from rows * cols")
}

/// Host side: copies plugin-owned latents; `None` if a block label is unknown.
///
/// # Safety
/// As for [`matrix_copy`], and `l.blocks` must hold one byte per column.
pub(crate) unsafe fn latents_copy(l: &COwnedLatents) -> Option<LatentEstimate> {
    // SAFETY: guaranteed by the caller.
    let latents = unsafe { matrix_copy(&l.latents) };
    // SAFETY: guaranteed by the caller.
    let blocks = unsafe { slice(l.blocks as *const u8, l.latents.cols) };
    let blocks = blocks.iter().map(|&b| LatentBlock::from_u8(b)).collect::<Option<Vec<_>>>()?;
    Some(LatentEstimate { latents, blocks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Matrix;

    #[test]
    fn observations_round_trip_through_the_c_view() {
        let obs = Observations::new(
            Matrix::new(3, 2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap(),
            vec![0, 1, 1],
            vec![0, 1, 2],
            vec![0, 1, 0],
            vec![7, 7, 9],
            vec![Perturbation::control(), Perturbation::new([1]), Perturbation::new([0, 2])],
            vec![0.0, 2.5],
            3,
        )
        .unwrap();
        let table = CompressedTargets::new(obs.perturbations());
        let view = observations_view(&obs, &table);
        let back = unsafe { observations_from_c(&view) }.unwrap();
        assert_eq!(back, obs);
        let images = obs.with_image(Some(ImageShape { channels: 1, height: 2, width: 1 })).unwrap();
        let view = observations_view(&images, &table);
        assert_eq!(unsafe { observations_from_c(&view) }.unwrap(), images);
    }

    #[test]
    fn queries_and_matrices_round_trip() {
        let queries = vec![
            Query { perturbation: Perturbation::new([2, 0]), time_point: 3, n_cells: 4 },
            Query { perturbation: Perturbation::control(), time_point: 0, n_cells: 1 },
        ];
        let buffers = QueryBuffers::new(&queries);
        assert_eq!(unsafe { queries_from_c(&buffers.view()) }, queries);

        let m = Matrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let c = matrix_into_c(m.clone());
        assert_eq!(unsafe { matrix_copy(&c) }, m);
        unsafe { matrix_drop(c) };
    }
}
