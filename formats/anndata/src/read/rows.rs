//! `X` read a block of rows at a time, so that work which only needs each
//! cell once (library sizes, gene moments, pseudo-bulk sums) holds one block
//! in memory instead of the whole matrix.
//!
//! A `csr_matrix` X is streamed: `indptr` is read whole (8 bytes a cell),
//! then `data` and `indices` window by window, each window only the gzip
//! chunks it overlaps. A dense X is streamed by rows the same way. A
//! `csc_matrix` X cannot be read by rows without reading all of it, so it
//! is densified under the caller's byte limit, and refused above it with a
//! message that says to convert it to CSR.

use super::{AnnData, describe};
use crate::AnnDataError;

/// About this many stored values per block: 2^20 values keep a block's
/// buffers (values, indices and their f64/i64 decoding) near 24 MB.
const VALUES_PER_BLOCK: usize = 1 << 20;

/// Consecutive rows of X in compressed sparse row form; only nonzero
/// values are stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowBlock {
    /// Index of the block's first row in X.
    pub first_row: usize,
    /// Row `r`'s entries are `indptr[r]..indptr[r + 1]`; starts at 0.
    pub indptr: Vec<usize>,
    /// Column of each stored value.
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl RowBlock {
    pub fn rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Row `r` of the block (not of X): its columns and values.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let span = self.indptr[r]..self.indptr[r + 1];
        (&self.indices[span.clone()], &self.values[span])
    }

    /// Sorts each row's entries by column and adds up duplicates, as
    /// scipy's `sum_duplicates` does, so a consumer sees each (row, column)
    /// once; rows already in that form (the usual case) are left alone.
    fn canonicalise(&mut self) {
        let canonical = (0..self.rows()).all(|r| self.row(r).0.windows(2).all(|w| w[0] < w[1]));
        if canonical {
            return;
        }
        let old = std::mem::replace(self, RowBlock { first_row: self.first_row, indptr: vec![0], ..RowBlock::default() });
        for r in 0..old.rows() {
            let (columns, values) = old.row(r);
            let mut entries: Vec<(u32, f32)> = columns.iter().copied().zip(values.iter().copied()).collect();
            entries.sort_by_key(|e| e.0);
            let mut merged: Vec<(u32, f32)> = Vec::with_capacity(entries.len());
            for (c, v) in entries {
                match merged.last_mut() {
                    Some(last) if last.0 == c => last.1 += v,
                    _ => merged.push((c, v)),
                }
            }
            self.push_row(merged.into_iter());
        }
    }

    fn push_row(&mut self, columns: impl Iterator<Item = (u32, f32)>) {
        for (c, v) in columns.filter(|(_, v)| *v != 0.0) {
            self.indices.push(c);
            self.values.push(v);
        }
        self.indptr.push(self.values.len());
    }
}

impl AnnData {
    /// Calls `each` on consecutive blocks of X's rows, in order, covering
    /// every row once. Memory beyond one block is X's `indptr` for CSR, and
    /// the dense copy for CSC; either is refused before reading when it
    /// exceeds `max_bytes`.
    pub fn x_rows(&self, max_bytes: usize, mut each: impl FnMut(&RowBlock)) -> Result<(), AnnDataError> {
        let Ok(group) = self.file.group("X") else {
            return self.dense_rows(&mut each);
        };
        let attrs = self.attrs_of("X", group.attrs())?;
        match self.encoding("X", &attrs)?.as_str() {
            "csr_matrix" => self.csr_rows(max_bytes, &mut each),
            "csc_matrix" => {
                let dense = self.x(max_bytes).map_err(|e| match e {
                    AnnDataError::Element { file, element, message } => AnnDataError::Element {
                        file,
                        element,
                        message: format!("{message}; a csc_matrix X cannot be read by rows: convert it to CSR (`adata.X = adata.X.tocsr()`)"),
                    },
                    other => other,
                })?;
                let rows_per_block = (VALUES_PER_BLOCK / dense.cols.max(1)).max(1);
                for first in (0..dense.rows).step_by(rows_per_block) {
                    let end = (first + rows_per_block).min(dense.rows);
                    let mut block = RowBlock { first_row: first, indptr: vec![0], ..RowBlock::default() };
                    for r in first..end {
                        let row = &dense.values[r * dense.cols..(r + 1) * dense.cols];
                        block.push_row(row.iter().enumerate().map(|(c, &v)| (c as u32, v)));
                    }
                    each(&block);
                }
                Ok(())
            }
            other => Err(self.element_error("X", format!("encoding `{other}`: expected a dense array, csr_matrix or csc_matrix"))),
        }
    }

    fn dense_rows(&self, each: &mut dyn FnMut(&RowBlock)) -> Result<(), AnnDataError> {
        let (rows, cols) = (self.n_obs, self.n_vars);
        let dataset = self.dataset("X")?;
        let shape = dataset.shape().map_err(|e| self.element_error("X", format!("unreadable shape: {}", describe(e))))?;
        if shape != [rows as u64, cols as u64] {
            return Err(self.element_error("X", format!("shape {shape:?}, but obs and var say {rows} x {cols}")));
        }
        let rows_per_block = (VALUES_PER_BLOCK / cols.max(1)).max(1);
        for first in (0..rows).step_by(rows_per_block) {
            let n = rows_per_block.min(rows - first);
            let values = dataset
                .read_f32_rows(first as u64, n as u64)
                .map_err(|e| self.element_error("X", format!("rows {first}..{}: expected numbers: {}", first + n, describe(e))))?;
            if values.len() != n * cols {
                return Err(self.truncated("X", first, values.len(), n * cols));
            }
            let mut block = RowBlock { first_row: first, indptr: vec![0], ..RowBlock::default() };
            for (r, row) in values.chunks_exact(cols.max(1)).enumerate() {
                if let Some(c) = row.iter().position(|v| !v.is_finite()) {
                    return Err(self.element_error("X", format!("value at row {}, column {c} is {}; expected finite numbers", first + r, row[c])));
                }
                block.push_row(row.iter().enumerate().map(|(c, &v)| (c as u32, v)));
            }
            each(&block);
        }
        Ok(())
    }

    fn csr_rows(&self, max_bytes: usize, each: &mut dyn FnMut(&RowBlock)) -> Result<(), AnnDataError> {
        let (rows, cols) = (self.n_obs, self.n_vars);
        let indptr_bytes = (rows + 1).saturating_mul(8);
        if indptr_bytes > max_bytes {
            return Err(self.element_error(
                "X/indptr",
                format!("{} entries would take {:.2} GiB, above the limit of {:.2} GiB", rows + 1, super::gib(indptr_bytes), super::gib(max_bytes)),
            ));
        }
        let indptr = self.integers("X/indptr")?;
        let (data, indices) = (self.dataset("X/data")?, self.dataset("X/indices")?);
        let stored = |name: &str, d: &hdf5_pure::Dataset| -> Result<u64, AnnDataError> {
            let shape = d.shape().map_err(|e| self.element_error(name, format!("unreadable shape: {}", describe(e))))?;
            Ok(shape.iter().product())
        };
        let n_stored = stored("X/data", &data)?;
        if indptr.len() != rows + 1 || indptr.first() != Some(&0) || indptr.last().copied() != Some(n_stored as i64) || stored("X/indices", &indices)? != n_stored {
            return Err(self.element_error(
                "X",
                format!(
                    "inconsistent csr_matrix: indptr has {} entries for {rows} rows (expected {} from 0 to the {n_stored} stored values), indices {}",
                    indptr.len(),
                    rows + 1,
                    stored("X/indices", &indices)?
                ),
            ));
        }
        if let Some(r) = (0..rows).find(|&r| indptr[r] > indptr[r + 1]) {
            return Err(self.element_error("X/indptr", format!("decreases at row {r} ({} then {}); expected a non-decreasing array", indptr[r], indptr[r + 1])));
        }
        let mut first = 0;
        while first < rows {
            // Rows until the block holds about VALUES_PER_BLOCK values (at least one row).
            let start = indptr[first];
            let mut end = first + 1;
            while end < rows && indptr[end + 1] - start <= VALUES_PER_BLOCK as i64 {
                end += 1;
            }
            let (lo, n) = (start as u64, (indptr[end] - start) as u64);
            let values = data.read_f64_rows(lo, n).map_err(|e| self.element_error("X/data", format!("values {lo}..{}: expected numbers: {}", lo + n, describe(e))))?;
            let columns = indices.read_i64_rows(lo, n).map_err(|e| self.element_error("X/indices", format!("values {lo}..{}: expected integers: {}", lo + n, describe(e))))?;
            if values.len() as u64 != n {
                return Err(self.truncated("X/data", first, values.len(), n as usize));
            }
            if columns.len() as u64 != n {
                return Err(self.truncated("X/indices", first, columns.len(), n as usize));
            }
            let mut block = RowBlock {
                first_row: first,
                indptr: indptr[first..=end].iter().map(|&p| (p - start) as usize).collect(),
                indices: Vec::with_capacity(n as usize),
                values: Vec::with_capacity(n as usize),
            };
            for (k, (&c, &v)) in columns.iter().zip(&values).enumerate() {
                let column = u32::try_from(c).ok().filter(|&c| (c as usize) < cols).ok_or_else(|| {
                    self.element_error("X/indices", format!("index {c} at position {} is outside 0..{cols}", lo + k as u64))
                })?;
                if !v.is_finite() {
                    return Err(self.element_error("X/data", format!("value at position {} is {v}; expected finite numbers", lo + k as u64)));
                }
                block.indices.push(column);
                block.values.push(v as f32);
            }
            block.canonicalise();
            each(&block);
            first = end;
        }
        Ok(())
    }

    fn truncated(&self, element: &str, row: usize, found: usize, expected: usize) -> AnnDataError {
        self.element_error(element, format!("from row {row}: read {found} values where {expected} were expected; the file looks truncated"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::{anndata_file, array, dataframe, strings, text};

    /// 3 x 2, CSR with row 2 unsorted and holding a duplicate:
    /// [[1, 0], [0, 2], [3 + 1, 4]] once duplicates add up.
    fn file(dir: &std::path::Path, encoding: &str) -> std::path::PathBuf {
        let mut file = anndata_file();
        let mut obs = dataframe(&mut file, "obs", &[]);
        strings(obs.create_dataset("_index"), &["a".into(), "b".into(), "c".into()]);
        file.add_group(obs.finish());
        let mut var = dataframe(&mut file, "var", &[]);
        strings(var.create_dataset("_index"), &["g1".into(), "g2".into()]);
        file.add_group(var.finish());
        if encoding == "dense" {
            array(file.create_dataset("X").with_f32_data(&[1.0, 0.0, 0.0, 2.0, 4.0, 4.0]).with_shape(&[3, 2]));
        } else {
            let mut x = file.create_group("X");
            x.set_attr("encoding-type", text(encoding));
            x.set_attr("encoding-version", text("0.1.0"));
            x.create_dataset("data").with_f32_data(&[1.0, 2.0, 4.0, 3.0, 1.0]);
            x.create_dataset("indices").with_i32_data(&[0, 1, 1, 0, 0]);
            x.create_dataset("indptr").with_i32_data(&[0, 1, 2, 5]);
            file.add_group(x.finish());
        }
        let path = dir.join(format!("{encoding}.h5ad"));
        file.write(&path).unwrap();
        path
    }

    #[test]
    fn rows_match_the_dense_matrix_with_duplicates_added() {
        let dir = tempfile::tempdir().unwrap();
        for encoding in ["csr_matrix", "dense"] {
            let data = AnnData::open(&file(dir.path(), encoding)).unwrap();
            let mut rows = Vec::new();
            data.x_rows(1 << 20, |block| {
                for r in 0..block.rows() {
                    let (c, v) = block.row(r);
                    rows.push((block.first_row + r, c.to_vec(), v.to_vec()));
                }
            })
            .unwrap();
            assert_eq!(
                rows,
                vec![(0, vec![0], vec![1.0]), (1, vec![1], vec![2.0]), (2, vec![0, 1], vec![4.0, 4.0])],
                "{encoding}"
            );
        }
    }

    #[test]
    fn csr_row_pointers_count_against_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let data = AnnData::open(&file(dir.path(), "csr_matrix")).unwrap();
        let err = data.x_rows(8, |_| {}).unwrap_err().to_string();
        assert!(err.contains("csr_matrix.h5ad: `X/indptr`: 4 entries would take") && err.contains("above the limit"), "{err}");
    }
}
