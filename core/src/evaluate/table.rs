//! A CSV file read for `evaluate`, with errors that name the file, the
//! line and the column, and say what was expected.

use super::EvaluateError;
use crate::data::Matrix;
use std::path::{Path, PathBuf};

/// A CSV file with a header row, every field trimmed.
pub(super) struct Table {
    path: PathBuf,
    header: Vec<String>,
    records: Vec<csv::StringRecord>,
    /// The 1-based file line of each record.
    lines: Vec<u64>,
}

impl Table {
    pub fn read(path: &Path) -> Result<Self, EvaluateError> {
        let fail = |message: String| EvaluateError::Input { file: path.to_path_buf(), message };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        let header: Vec<String> = reader.headers().map_err(|e| fail(format!("cannot read the header: {e}")))?.iter().map(String::from).collect();
        if header.iter().all(String::is_empty) {
            return Err(fail("is empty; expected a header row naming the columns".into()));
        }
        if let Some((i, name)) = header.iter().enumerate().find(|(i, name)| header[..*i].contains(name)) {
            return Err(fail(format!("column {} repeats the name `{name}`; column names must be distinct", i + 1)));
        }
        let (mut records, mut lines) = (Vec::new(), Vec::new());
        for record in reader.records() {
            let record = record.map_err(|e| match e.kind() {
                csv::ErrorKind::UnequalLengths { pos, expected_len, len } => fail(format!(
                    "line {}: {len} fields, but the header has {expected_len} columns",
                    pos.as_ref().map_or(0, |p| p.line())
                )),
                _ => fail(format!("cannot read: {e}")),
            })?;
            lines.push(record.position().map_or(0, |p| p.line()));
            records.push(record);
        }
        if records.is_empty() {
            return Err(fail("has a header but no rows".into()));
        }
        Ok(Self { path: path.to_path_buf(), header, records, lines })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn error(&self, message: String) -> EvaluateError {
        EvaluateError::Input { file: self.path.clone(), message }
    }

    /// An error about data row `row` (0-based), naming its file line.
    pub fn row_error(&self, row: usize, message: String) -> EvaluateError {
        self.error(format!("line {}: {message}", self.lines[row]))
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The text of column `name`, if the file has it.
    pub fn text(&self, name: &str) -> Option<Vec<&str>> {
        let j = self.column(name)?;
        Some(self.records.iter().map(|r| r.get(j).unwrap_or("")).collect())
    }

    /// Column `name` as finite numbers, if the file has it.
    pub fn numbers(&self, name: &str) -> Result<Option<Vec<f32>>, EvaluateError> {
        let Some(j) = self.column(name) else { return Ok(None) };
        (0..self.len()).map(|i| self.number(i, j)).collect::<Result<Vec<_>, _>>().map(Some)
    }

    /// The given columns as a matrix of finite numbers, one row per record.
    pub fn matrix(&self, columns: &[usize]) -> Result<Matrix, EvaluateError> {
        let mut data = Vec::with_capacity(self.len() * columns.len());
        for i in 0..self.len() {
            for &j in columns {
                data.push(self.number(i, j)?);
            }
        }
        Matrix::new(self.len(), columns.len(), data).map_err(|e| self.error(e.to_string()))
    }

    fn number(&self, i: usize, j: usize) -> Result<f32, EvaluateError> {
        let text = self.records[i].get(j).unwrap_or("");
        match text.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.row_error(i, format!("column `{}`: expected a finite number, found `{text}`", self.header[j]))),
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
        let table = Table::read(&write(dir.path(), "a, b\n1, 2\n3, x\n")).unwrap();
        assert_eq!(table.len(), 2);
        let err = table.matrix(&[0, 1]).unwrap_err().to_string();
        assert!(err.ends_with("t.csv: line 3: column `b`: expected a finite number, found `x`"), "{err}");
        assert_eq!(table.numbers("a").unwrap(), Some(vec![1.0, 3.0]));
        assert_eq!(table.numbers("z").unwrap(), None);
        assert!(Table::read(&write(dir.path(), "a\nNaN\n")).unwrap().numbers("a").unwrap_err().to_string().contains("`NaN`"));
    }

    #[test]
    fn rejects_empty_files_and_repeated_columns() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Table::read(&write(dir.path(), "")).err().unwrap().to_string().contains("is empty"));
        assert!(Table::read(&write(dir.path(), "a,b\n")).err().unwrap().to_string().contains("no rows"));
        let err = Table::read(&write(dir.path(), "a,b,a\n1,2,3\n")).err().unwrap().to_string();
        assert!(err.contains("column 3 repeats the name `a`"), "{err}");
        let err = Table::read(&write(dir.path(), "a,b\n1,2\n3\n")).err().unwrap().to_string();
        assert!(err.ends_with("line 3: 1 fields, but the header has 2 columns"), "{err}");
    }
}
