//! Reading an `.h5ad` file: obs columns, obs and var names, and `X`.
//!
//! The file is opened in streaming mode: nothing is read until asked for,
//! so opening a file larger than memory costs nothing, and [`AnnData::x`]
//! refuses, before reading, a matrix whose dense copy would exceed the
//! caller's byte limit, saying how large it would be.
//!
//! Encodings read (anndata's on-disk format, 0.8 and later): `dataframe`
//! groups whose columns are numeric arrays, `string-array`s, `categorical`
//! groups (`categories` and `codes`, code -1 for a missing value) or
//! `nullable-integer` / `nullable-boolean` groups; `X` as a dense array or
//! a `csr_matrix` / `csc_matrix` group (`data`, `indices`, `indptr`).

mod rows;

pub use rows::RowBlock;

use crate::AnnDataError;
use hdf5_pure::{AttrValue, File, Group};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An open `.h5ad` file.
pub struct AnnData {
    path: PathBuf,
    file: File,
    n_obs: usize,
    n_vars: usize,
}

/// One obs (or var) column, decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Categorical codes into `categories`; `None` where the value is missing.
    Categorical { categories: Vec<String>, codes: Vec<Option<u32>> },
    Text(Vec<String>),
    /// Numbers (integers widened); `None` where a nullable column is missing.
    Numbers(Vec<Option<f64>>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Self::Categorical { codes, .. } => codes.len(),
            Self::Text(v) => v.len(),
            Self::Numbers(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each row's value as text (numbers in Rust's shortest form); `None`
    /// where missing.
    pub fn labels(&self) -> Vec<Option<String>> {
        match self {
            Self::Categorical { categories, codes } => codes.iter().map(|c| c.map(|c| categories[c as usize].clone())).collect(),
            Self::Text(v) => v.iter().cloned().map(Some).collect(),
            Self::Numbers(v) => v.iter().map(|x| x.map(|x| x.to_string())).collect(),
        }
    }
}

/// A dense row-major matrix of f32.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseMatrix {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f32>,
}

/// A string attribute, however it is stored (h5py writes variable-length
/// strings, other writers fixed-length or ASCII ones).
fn text_attr(attrs: &HashMap<String, AttrValue>, key: &str) -> Option<String> {
    match attrs.get(key)? {
        AttrValue::String(s) | AttrValue::AsciiString(s) | AttrValue::VarLenString(s) | AttrValue::VarLenAsciiString(s) => Some(s.clone()),
        AttrValue::StringSized { value, .. } | AttrValue::AsciiStringSized { value, .. } => Some(value.clone()),
        _ => None,
    }
}

/// A list of strings (`column-order`); anndata writes an empty list as an
/// empty float array.
fn string_list_attr(attrs: &HashMap<String, AttrValue>, key: &str) -> Option<Vec<String>> {
    match attrs.get(key)? {
        AttrValue::StringArray(v)
        | AttrValue::AsciiStringArray(v)
        | AttrValue::VarLenStringArray(v)
        | AttrValue::VarLenAsciiStringArray(v)
        | AttrValue::VarLenAsciiCharArray(v) => Some(v.clone()),
        AttrValue::StringArraySized { values, .. } | AttrValue::AsciiStringArraySized { values, .. } => Some(values.clone()),
        AttrValue::F64Array(v) if v.is_empty() => Some(Vec::new()),
        _ => text_attr(attrs, key).map(|s| vec![s]),
    }
}

impl AnnData {
    /// Opens `path`; the numbers of cells and genes come from the lengths of
    /// the obs and var indexes.
    pub fn open(path: &Path) -> Result<Self, AnnDataError> {
        let fail = |message: String| AnnDataError::File { file: path.to_path_buf(), message };
        if !path.exists() {
            return Err(fail("no such file".into()));
        }
        let file = File::open_streaming(path).map_err(|e| fail(format!("cannot be read as HDF5 (is it an .h5ad file, whole and not truncated?): {}", describe(e))))?;
        let mut data = Self { path: path.to_path_buf(), file, n_obs: 0, n_vars: 0 };
        let root = data.file.root();
        let attrs = root.attrs().map_err(|e| fail(format!("cannot read the root attributes: {}", describe(e))))?;
        if text_attr(&attrs, "encoding-type").as_deref() != Some("anndata") {
            return Err(fail(
                "is HDF5 but not AnnData's format 0.8 or later (the root lacks `encoding-type = anndata`); \
                 open it in Python with anndata and save it again with `adata.write_h5ad(...)`"
                    .into(),
            ));
        }
        data.n_obs = data.index("obs")?.len();
        data.n_vars = data.index("var")?.len();
        Ok(data)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn n_obs(&self) -> usize {
        self.n_obs
    }

    pub fn n_vars(&self) -> usize {
        self.n_vars
    }

    fn element_error(&self, element: &str, message: impl Into<String>) -> AnnDataError {
        AnnDataError::Element { file: self.path.clone(), element: element.to_string(), message: message.into() }
    }

    fn group(&self, name: &str) -> Result<Group, AnnDataError> {
        self.file.group(name).map_err(|e| self.element_error(name, format!("missing or unreadable group: {}", describe(e))))
    }

    fn dataset(&self, element: &str) -> Result<hdf5_pure::Dataset, AnnDataError> {
        self.file.dataset(element).map_err(|e| self.element_error(element, format!("missing or unreadable: {}", describe(e))))
    }

    fn attrs_of(&self, name: &str, attrs: Result<HashMap<String, AttrValue>, hdf5_pure::Error>) -> Result<HashMap<String, AttrValue>, AnnDataError> {
        attrs.map_err(|e| self.element_error(name, format!("cannot read its attributes: {}", describe(e))))
    }

    /// The index (row names) of the dataframe `frame` (`obs` or `var`).
    fn index(&self, frame: &str) -> Result<Vec<String>, AnnDataError> {
        let attrs = self.attrs_of(frame, self.group(frame)?.attrs())?;
        let index = text_attr(&attrs, "_index")
            .ok_or_else(|| self.element_error(frame, "a dataframe without an `_index` attribute naming its index column"))?;
        self.strings(&format!("{frame}/{index}"))
    }

    pub fn obs_names(&self) -> Result<Vec<String>, AnnDataError> {
        self.index("obs")
    }

    pub fn var_names(&self) -> Result<Vec<String>, AnnDataError> {
        self.index("var")
    }

    /// The obs columns, in the file's `column-order`.
    pub fn obs_columns(&self) -> Result<Vec<String>, AnnDataError> {
        let attrs = self.attrs_of("obs", self.group("obs")?.attrs())?;
        Ok(string_list_attr(&attrs, "column-order").unwrap_or_default())
    }

    /// Obs column `name`, decoded. An absent column is an error that lists
    /// the columns the file has and the nearest name.
    pub fn obs_column(&self, name: &str) -> Result<Column, AnnDataError> {
        let columns = self.obs_columns()?;
        if !columns.iter().any(|c| c == name) {
            let nearest = columns.iter().min_by_key(|c| strsim::levenshtein(c, name)).filter(|c| strsim::levenshtein(c, name) <= 3);
            let hint = nearest.map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
            return Err(self.element_error(&format!("obs/{name}"), format!("no such obs column (the file has: {}){hint}", columns.join(", "))));
        }
        let column = self.column(&format!("obs/{name}"))?;
        if column.len() != self.n_obs {
            return Err(self.element_error(&format!("obs/{name}"), format!("has {} values for {} cells", column.len(), self.n_obs)));
        }
        Ok(column)
    }

    fn encoding(&self, element: &str, attrs: &HashMap<String, AttrValue>) -> Result<String, AnnDataError> {
        text_attr(attrs, "encoding-type").ok_or_else(|| self.element_error(element, "no `encoding-type` attribute; expected an element anndata 0.8 or later wrote"))
    }

    /// A dataframe column: a dataset or an encoded group.
    fn column(&self, element: &str) -> Result<Column, AnnDataError> {
        if let Ok(group) = self.file.group(element) {
            let attrs = self.attrs_of(element, group.attrs())?;
            return match self.encoding(element, &attrs)?.as_str() {
                "categorical" => {
                    let categories: Vec<String> =
                        self.column(&format!("{element}/categories"))?.labels().into_iter().map(Option::unwrap_or_default).collect();
                    let raw = self.integers(&format!("{element}/codes"))?;
                    let n = categories.len();
                    let codes = raw
                        .iter()
                        .map(|&c| match c {
                            -1 => Ok(None),
                            c if c >= 0 && (c as usize) < n => Ok(Some(c as u32)),
                            c => Err(self.element_error(element, format!("code {c} is not a category (there are {n}, and -1 is missing)"))),
                        })
                        .collect::<Result<_, _>>()?;
                    Ok(Column::Categorical { categories, codes })
                }
                "nullable-integer" | "nullable-boolean" => {
                    let values = self.numbers(&format!("{element}/values"))?;
                    let mask = self.integers(&format!("{element}/mask"))?;
                    if values.len() != mask.len() {
                        return Err(self.element_error(element, format!("{} values but {} mask entries", values.len(), mask.len())));
                    }
                    Ok(Column::Numbers(values.into_iter().zip(mask).map(|(v, m)| (m == 0).then_some(v)).collect()))
                }
                other => Err(self.element_error(element, format!("encoding `{other}` is not a dataframe column citebench reads (expected an array, a string-array, categorical, nullable-integer or nullable-boolean)"))),
            };
        }
        let dataset = self.dataset(element)?;
        match dataset.dtype().map_err(|e| self.element_error(element, format!("unreadable type: {}", describe(e))))? {
            hdf5_pure::DType::String | hdf5_pure::DType::VariableLengthString => Ok(Column::Text(self.strings(element)?)),
            _ => Ok(Column::Numbers(self.numbers(element)?.into_iter().map(Some).collect())),
        }
    }

    fn strings(&self, element: &str) -> Result<Vec<String>, AnnDataError> {
        let dataset = self.dataset(element)?;
        dataset.read_string().map_err(|e| self.element_error(element, format!("expected strings: {}", describe(e))))
    }

    fn numbers(&self, element: &str) -> Result<Vec<f64>, AnnDataError> {
        let dataset = self.dataset(element)?;
        dataset.read_f64().map_err(|e| self.element_error(element, format!("expected numbers: {}", describe(e))))
    }

    fn integers(&self, element: &str) -> Result<Vec<i64>, AnnDataError> {
        let dataset = self.dataset(element)?;
        dataset.read_i64().map_err(|e| self.element_error(element, format!("expected integers: {}", describe(e))))
    }

    /// `X` as a dense matrix, refused before anything is read when its
    /// dense copy would take more than `max_bytes`.
    pub fn x(&self, max_bytes: usize) -> Result<DenseMatrix, AnnDataError> {
        let (rows, cols) = (self.n_obs, self.n_vars);
        let bytes = rows.saturating_mul(cols).saturating_mul(4);
        if bytes > max_bytes {
            return Err(self.element_error(
                "X",
                format!("{rows} x {cols} would take {:.1} GiB as dense f32, above the limit of {:.1} GiB", gib(bytes), gib(max_bytes)),
            ));
        }
        let values = match self.file.group("X") {
            Ok(group) => self.sparse_x(&group, max_bytes)?,
            Err(_) => {
                let dataset = self.dataset("X")?;
                let shape = dataset.shape().map_err(|e| self.element_error("X", format!("unreadable shape: {}", describe(e))))?;
                if shape != [rows as u64, cols as u64] {
                    return Err(self.element_error("X", format!("shape {shape:?}, but obs and var say {rows} x {cols}")));
                }
                dataset.read_f32().map_err(|e| self.element_error("X", format!("expected numbers: {}", describe(e))))?
            }
        };
        if let Some(k) = values.iter().position(|v| !v.is_finite()) {
            return Err(self.element_error("X", format!("value at row {}, column {} is {}; expected finite numbers", k / cols.max(1), k % cols.max(1), values[k])));
        }
        Ok(DenseMatrix { rows, cols, values })
    }

    /// A `csr_matrix` or `csc_matrix` X, densified; its stored arrays (read
    /// as f64 and i64) count against `max_bytes` with the dense copy.
    /// Duplicate entries add up, as in scipy.
    fn sparse_x(&self, group: &Group, max_bytes: usize) -> Result<Vec<f32>, AnnDataError> {
        let (rows, cols) = (self.n_obs, self.n_vars);
        let attrs = self.attrs_of("X", group.attrs())?;
        let encoding = self.encoding("X", &attrs)?;
        let (outer, inner) = match encoding.as_str() {
            "csr_matrix" => (rows, cols),
            "csc_matrix" => (cols, rows),
            other => return Err(self.element_error("X", format!("encoding `{other}`: expected a dense array, csr_matrix or csc_matrix"))),
        };
        let stored = self.dataset("X/data")?.shape().map_err(|e| self.element_error("X/data", describe(e)))?.iter().product::<u64>() as usize;
        let bytes = rows * cols * 4 + stored * 16;
        if bytes > max_bytes {
            return Err(self.element_error(
                "X",
                format!("{rows} x {cols} with {stored} stored values would take {:.1} GiB to densify, above the limit of {:.1} GiB", gib(bytes), gib(max_bytes)),
            ));
        }
        let data = self.numbers("X/data")?;
        let indices = self.integers("X/indices")?;
        let indptr = self.integers("X/indptr")?;
        if indptr.len() != outer + 1 || data.len() != indices.len() || indptr.first() != Some(&0) || indptr.last().copied() != Some(data.len() as i64) {
            return Err(self.element_error(
                "X",
                format!(
                    "inconsistent {encoding}: indptr has {} entries for {outer} rows (expected {} from 0 to {}), data {} and indices {}",
                    indptr.len(),
                    outer + 1,
                    data.len(),
                    data.len(),
                    indices.len()
                ),
            ));
        }
        let mut values = vec![0f32; rows * cols];
        for o in 0..outer {
            let span = usize::try_from(indptr[o]).ok().zip(usize::try_from(indptr[o + 1]).ok()).filter(|(a, b)| a <= b && *b <= data.len());
            let (start, end) = span.ok_or_else(|| self.element_error("X", format!("indptr decreases or leaves 0..{} at {o}", data.len())))?;
            for k in start..end {
                let i = usize::try_from(indices[k]).ok().filter(|&i| i < inner).ok_or_else(|| {
                    self.element_error("X", format!("index {} at position {k} is outside 0..{inner}", indices[k]))
                })?;
                let (r, c) = if encoding == "csr_matrix" { (o, i) } else { (i, o) };
                values[r * cols + c] += data[k] as f32;
            }
        }
        Ok(values)
    }
}

/// An HDF5 error's text, with what a reader can do about the usual cause.
fn describe(e: hdf5_pure::Error) -> String {
    let text = e.to_string();
    if text.contains("EOF") { format!("{text}; the file looks truncated (was it copied or written completely?)") } else { text }
}

fn gib(bytes: usize) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::{anndata_file, array, categorical, dataframe, strings, text};

    /// A 3 x 2 file: obs `kind` categorical with a missing value, `dose`
    /// numeric; X as CSC (column-major sparse) when `csc`, else dense.
    fn file(dir: &Path, csc: bool) -> PathBuf {
        let mut file = anndata_file();
        let mut obs = dataframe(&mut file, "obs", &["kind", "dose"]);
        strings(obs.create_dataset("_index"), &["a".into(), "b".into(), "c".into()]);
        categorical(&mut obs, "kind", &["ctrl".into(), "KO".into()], &[0, -1, 1]);
        array(obs.create_dataset("dose").with_f64_data(&[0.0, 1.5, 3.0]));
        file.add_group(obs.finish());
        let mut var = dataframe(&mut file, "var", &[]);
        strings(var.create_dataset("_index"), &["g1".into(), "g2".into()]);
        file.add_group(var.finish());
        // [[1, 0], [0, 2], [3, 4]]
        if csc {
            let mut x = file.create_group("X");
            x.set_attr("encoding-type", text("csc_matrix"));
            x.set_attr("encoding-version", text("0.1.0"));
            x.create_dataset("data").with_f32_data(&[1.0, 3.0, 2.0, 4.0]);
            x.create_dataset("indices").with_i32_data(&[0, 2, 1, 2]);
            x.create_dataset("indptr").with_i32_data(&[0, 2, 4]);
            file.add_group(x.finish());
        } else {
            array(file.create_dataset("X").with_f32_data(&[1.0, 0.0, 0.0, 2.0, 3.0, 4.0]).with_shape(&[3, 2]));
        }
        let path = dir.join(if csc { "csc.h5ad" } else { "dense.h5ad" });
        file.write(&path).unwrap();
        path
    }

    #[test]
    fn reads_columns_names_and_x_in_every_layout() {
        let dir = tempfile::tempdir().unwrap();
        for csc in [false, true] {
            let data = AnnData::open(&file(dir.path(), csc)).unwrap();
            assert_eq!((data.n_obs(), data.n_vars()), (3, 2));
            assert_eq!(data.obs_names().unwrap(), ["a", "b", "c"]);
            assert_eq!(data.var_names().unwrap(), ["g1", "g2"]);
            assert_eq!(data.obs_columns().unwrap(), ["kind", "dose"]);
            let kind = data.obs_column("kind").unwrap();
            assert_eq!(kind.labels(), [Some("ctrl".to_string()), None, Some("KO".to_string())]);
            assert_eq!(data.obs_column("dose").unwrap(), Column::Numbers(vec![Some(0.0), Some(1.5), Some(3.0)]));
            assert_eq!(data.x(1 << 20).unwrap().values, [1.0, 0.0, 0.0, 2.0, 3.0, 4.0], "csc: {csc}");
        }
    }

    #[test]
    fn errors_name_the_file_the_element_and_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), true);
        let data = AnnData::open(&path).unwrap();
        let err = data.obs_column("kinds").unwrap_err().to_string();
        assert!(err.ends_with("csc.h5ad: `obs/kinds`: no such obs column (the file has: kind, dose); did you mean `kind`?"), "{err}");
        let err = data.x(10).unwrap_err().to_string();
        assert!(err.contains("`X`: 3 x 2 would take") && err.contains("above the limit"), "{err}");

        let plain = dir.path().join("plain.h5");
        let mut builder = hdf5_pure::FileBuilder::new();
        builder.create_dataset("x").with_f32_data(&[1.0]);
        builder.write(&plain).unwrap();
        let err = AnnData::open(&plain).err().unwrap().to_string();
        assert!(err.contains("plain.h5: is HDF5 but not AnnData's format 0.8 or later"), "{err}");
    }
}
