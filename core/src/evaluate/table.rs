//! A table `evaluate` reads: a CSV file, or columns another reader (the
//! CLI's `.h5ad` one) built, with errors that name the file, the row (a
//! CSV line, or an obs name) and the column, and say what was expected.

use super::EvaluateError;
use crate::data::Matrix;
use std::path::{Path, PathBuf};

/// One column's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Cells {
    /// As written (a CSV field, a category's label); numbers are parsed when asked for.
    Text(Vec<String>),
    Numbers(Vec<f32>),
}

impl Cells {
    fn len(&self) -> usize {
        match self {
            Self::Text(v) => v.len(),
            Self::Numbers(v) => v.len(),
        }
    }
}

/// How a row is named in errors.
#[derive(Clone, Debug)]
enum RowNames {
    /// The 1-based file line of each CSV record.
    Lines(Vec<u64>),
    /// A name per row, such as an AnnData obs name.
    Names(Vec<String>),
}

/// Named columns of equal length.
#[derive(Clone, Debug)]
pub struct Table {
    path: PathBuf,
    header: Vec<String>,
    columns: Vec<Cells>,
    len: usize,
    rows: RowNames,
}

impl Table {
    /// A CSV file with a header row, every field trimmed.
    pub fn read_csv(path: &Path) -> Result<Self, EvaluateError> {
        let fail = |message: String| EvaluateError::Input { file: path.to_path_buf(), message };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        let header: Vec<String> = reader.headers().map_err(|e| fail(format!("cannot read the header: {e}")))?.iter().map(String::from).collect();
        if header.iter().all(String::is_empty) {
            return Err(fail("is empty; expected a header row naming the columns".into()));
        }
        let mut columns: Vec<Vec<String>> = vec![Vec::new(); header.len()];
        let mut lines = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| match e.kind() {
                csv::ErrorKind::UnequalLengths { pos, expected_len, len } => fail(format!(
                    "line {}: {len} fields, but the header has {expected_len} columns",
                    pos.as_ref().map_or(0, |p| p.line())
                )),
                _ => fail(format!("cannot read: {e}")),
            })?;
            lines.push(record.position().map_or(0, |p| p.line()));
            for (column, field) in columns.iter_mut().zip(record.iter()) {
                column.push(field.to_string());
            }
        }
        if lines.is_empty() {
            return Err(fail("has a header but no rows".into()));
        }
        let columns = header.iter().cloned().zip(columns.into_iter().map(Cells::Text)).collect();
        Self::new(path, columns, RowNames::Lines(lines))
    }

    /// Columns read by another reader; `row_names` name rows in errors.
    pub fn from_columns(path: &Path, columns: Vec<(String, Cells)>, row_names: Vec<String>) -> Result<Self, EvaluateError> {
        Self::new(path, columns, RowNames::Names(row_names))
    }

    fn new(path: &Path, columns: Vec<(String, Cells)>, rows: RowNames) -> Result<Self, EvaluateError> {
        let fail = |message: String| EvaluateError::Input { file: path.to_path_buf(), message };
        let (header, columns): (Vec<String>, Vec<Cells>) = columns.into_iter().unzip();
        if let Some((i, name)) = header.iter().enumerate().find(|(i, name)| header[..*i].contains(name)) {
            return Err(fail(format!("column {} repeats the name `{name}`; column names must be distinct", i + 1)));
        }
        let len = match &rows {
            RowNames::Lines(lines) => lines.len(),
            RowNames::Names(names) => names.len(),
        };
        if let Some((name, cells)) = header.iter().zip(&columns).find(|(_, c)| c.len() != len) {
            return Err(fail(format!("column `{name}` has {} values for {len} rows", cells.len())));
        }
        Ok(Self { path: path.to_path_buf(), header, columns, len, rows })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn error(&self, message: String) -> EvaluateError {
        EvaluateError::Input { file: self.path.clone(), message }
    }

    /// An error about data row `row` (0-based), naming its file line or its name.
    pub fn row_error(&self, row: usize, message: String) -> EvaluateError {
        match &self.rows {
            RowNames::Lines(lines) => self.error(format!("line {}: {message}", lines[row])),
            RowNames::Names(names) => self.error(format!("row {} (`{}`): {message}", row + 1, names[row])),
        }
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The values of column `name` as text, if the table has it.
    pub fn text(&self, name: &str) -> Option<Vec<String>> {
        Some(match &self.columns[self.column(name)?] {
            Cells::Text(v) => v.clone(),
            Cells::Numbers(v) => v.iter().map(f32::to_string).collect(),
        })
    }

    /// Column `name` as finite numbers, if the table has it.
    pub fn numbers(&self, name: &str) -> Result<Option<Vec<f32>>, EvaluateError> {
        let Some(j) = self.column(name) else { return Ok(None) };
        (0..self.len).map(|i| self.number(i, j)).collect::<Result<Vec<_>, _>>().map(Some)
    }

    /// The given columns as a matrix of finite numbers, one row per record.
    pub fn matrix(&self, columns: &[usize]) -> Result<Matrix, EvaluateError> {
        let mut data = Vec::with_capacity(self.len * columns.len());
        for i in 0..self.len {
            for &j in columns {
                data.push(self.number(i, j)?);
            }
        }
        Matrix::new(self.len, columns.len(), data).map_err(|e| self.error(e.to_string()))
    }

    fn number(&self, i: usize, j: usize) -> Result<f32, EvaluateError> {
        let (value, shown) = match &self.columns[j] {
            Cells::Text(v) => (v[i].parse::<f32>().ok(), v[i].clone()),
            Cells::Numbers(v) => (Some(v[i]), v[i].to_string()),
        };
        match value {
            Some(v) if v.is_finite() => Ok(v),
            _ => Err(self.row_error(i, format!("column `{}`: expected a finite number, found `{shown}`", self.header[j]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("t.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_numbers_and_names_bad_fields() {
        let dir = tempfile::tempdir().unwrap();
        let table = Table::read_csv(&write(dir.path(), "a, b\n1, 2\n3, x\n")).unwrap();
        assert_eq!(table.len(), 2);
        let err = table.matrix(&[0, 1]).unwrap_err().to_string();
        assert!(err.ends_with("t.csv: line 3: column `b`: expected a finite number, found `x`"), "{err}");
        assert_eq!(table.numbers("a").unwrap(), Some(vec![1.0, 3.0]));
        assert_eq!(table.numbers("z").unwrap(), None);
        assert!(Table::read_csv(&write(dir.path(), "a\nNaN\n")).unwrap().numbers("a").unwrap_err().to_string().contains("`NaN`"));
    }

    #[test]
    fn columns_from_another_reader_name_rows_by_name() {
        let columns = vec![("a".to_string(), Cells::Numbers(vec![1.0, f32::NAN])), ("p".to_string(), Cells::Text(vec!["x".into(), "y".into()]))];
        let table = Table::from_columns(Path::new("f.h5ad"), columns.clone(), vec!["c1".into(), "c2".into()]).unwrap();
        assert_eq!(table.text("p"), Some(vec!["x".to_string(), "y".to_string()]));
        assert_eq!(table.text("a").unwrap()[0], "1");
        let err = table.numbers("a").unwrap_err().to_string();
        assert_eq!(err, "f.h5ad: row 2 (`c2`): column `a`: expected a finite number, found `NaN`");
        let err = Table::from_columns(Path::new("f.h5ad"), columns, vec!["c1".into()]).unwrap_err().to_string();
        assert!(err.contains("column `a` has 2 values for 1 rows"), "{err}");
    }

    #[test]
    fn rejects_empty_files_and_repeated_columns() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Table::read_csv(&write(dir.path(), "")).err().unwrap().to_string().contains("is empty"));
        assert!(Table::read_csv(&write(dir.path(), "a,b\n")).err().unwrap().to_string().contains("no rows"));
        let err = Table::read_csv(&write(dir.path(), "a,b,a\n1,2,3\n")).err().unwrap().to_string();
        assert!(err.contains("column 3 repeats the name `a`"), "{err}");
        let err = Table::read_csv(&write(dir.path(), "a,b\n1,2\n3\n")).err().unwrap().to_string();
        assert!(err.ends_with("line 3: 1 fields, but the header has 2 columns"), "{err}");
    }
}
