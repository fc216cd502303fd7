//! The element encodings of AnnData's on-disk format 0.1.0 (anndata 0.8
//! and later): every element carries `encoding-type` and
//! `encoding-version`, which is what `anndata.read_h5ad` checks. A writer
//! builds its file with the re-exported builders and marks each element
//! with these helpers.

pub use hdf5_pure::{AttrValue, DatasetBuilder, FileBuilder, GroupBuilder};

pub fn text(value: &str) -> AttrValue {
    AttrValue::String(value.to_string())
}

/// A file whose root says it is AnnData.
pub fn anndata_file() -> FileBuilder {
    let mut file = FileBuilder::new();
    file.set_attr("encoding-type", text("anndata"));
    file.set_attr("encoding-version", text("0.1.0"));
    file
}

fn encoding(dataset: &mut DatasetBuilder, kind: &str, version: &str) {
    dataset.set_attr("encoding-type", text(kind)).set_attr("encoding-version", text(version));
}

/// Marks a numeric dataset as an `array`.
pub fn array(dataset: &mut DatasetBuilder) {
    encoding(dataset, "array", "0.2.0");
}

/// Marks a 0-dimensional dataset as a scalar of `kind` (`numeric-scalar`, `string`).
pub fn scalar(dataset: &mut DatasetBuilder, kind: &str) {
    encoding(dataset, kind, "0.2.0");
}

/// Fills `dataset` with variable-length UTF-8 strings, as a `string-array`.
pub fn strings(dataset: &mut DatasetBuilder, values: &[String]) {
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    encoding(dataset.with_vlen_strings(&values), "string-array", "0.2.0");
}

fn group(file: &mut FileBuilder, name: &str, kind: &str, version: &str) -> GroupBuilder {
    let mut group = file.create_group(name);
    group.set_attr("encoding-type", text(kind));
    group.set_attr("encoding-version", text(version));
    group
}

/// A `dict` group (`uns`, `obsm`, `layers`, ...).
pub fn dict(file: &mut FileBuilder, name: &str) -> GroupBuilder {
    group(file, name, "dict", "0.1.0")
}

/// A `dataframe` group indexed by its `_index` dataset, with `columns` in order.
pub fn dataframe(file: &mut FileBuilder, name: &str, columns: &[&str]) -> GroupBuilder {
    let mut frame = group(file, name, "dataframe", "0.2.0");
    frame.set_attr("_index", text("_index"));
    frame.set_attr("column-order", AttrValue::StringArray(columns.iter().map(|c| c.to_string()).collect()));
    frame
}

/// A `categorical` column of `frame`: each row's code into `categories`.
pub fn categorical(frame: &mut GroupBuilder, name: &str, categories: &[String], codes: &[i32]) {
    let mut column = frame.create_group(name);
    column.set_attr("encoding-type", text("categorical"));
    column.set_attr("encoding-version", text("0.2.0"));
    column.set_attr("ordered", AttrValue::I8(0));
    strings(column.create_dataset("categories"), categories);
    array(column.create_dataset("codes").with_i32_data(codes));
    frame.add_group(column.finish());
}
