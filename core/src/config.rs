//! Typed configuration from TOML tables, with errors that name the key.
//!
//! Simulators and models each own their configuration schema; the core only
//! knows it as a TOML table. They deserialise it here so that every unknown
//! or mistyped key comes back as a [`ConfigError`] the scenario layer can
//! place on a line of the scenario file, with the nearest valid key.

use serde::de::DeserializeOwned;
use thiserror::Error;

/// A configuration value that did not fit its schema.
#[derive(Clone, Debug, Error, PartialEq)]
#[error("{message}")]
pub struct ConfigError {
    /// The unknown key, when the problem is an unknown key.
    pub unknown_key: Option<String>,
    /// The keys that would have been valid at that place.
    pub expected: Vec<String>,
    pub message: String,
}

impl ConfigError {
    /// An error about a value rather than about a key.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self { unknown_key: None, expected: Vec::new(), message: message.into() }
    }

    /// Reads serde's standard "unknown field `k`, expected one of `a`, `b`"
    /// message so the key and the alternatives can be reported separately.
    pub fn from_serde_message(message: &str) -> Self {
        let message = message.trim().to_string();
        let Some(rest) = message.split("unknown field `").nth(1) else {
            return Self::invalid(message);
        };
        let Some((key, tail)) = rest.split_once('`') else {
            return Self::invalid(message);
        };
        let expected = tail.split('`').skip(1).step_by(2).map(str::to_string).collect();
        Self { unknown_key: Some(key.to_string()), expected, message }
    }

    /// The valid key closest to the unknown one, if any is close enough to
    /// be a plausible typo.
    pub fn nearest_key(&self) -> Option<&str> {
        let key = self.unknown_key.as_deref()?;
        nearest(key, self.expected.iter().map(String::as_str))
    }
}

/// The candidate closest to `key` by Jaro-Winkler similarity, if above 0.7.
pub fn nearest<'a>(key: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(key, c), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Deserialises a typed configuration from a TOML table.
pub fn from_table<T: DeserializeOwned>(table: &toml::Table) -> Result<T, ConfigError> {
    toml::Value::Table(table.clone()).try_into().map_err(|e: toml::de::Error| ConfigError::from_serde_message(e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Conf {
        time_points: u32,
        latents: u32,
    }

    #[test]
    fn unknown_key_is_named_with_nearest_valid_key() {
        let table: toml::Table = toml::from_str("time_point = 3\nlatents = 2").unwrap();
        let err = from_table::<Conf>(&table).unwrap_err();
        assert_eq!(err.unknown_key.as_deref(), Some("time_point"));
        assert_eq!(err.expected, vec!["time_points", "latents"]);
        assert_eq!(err.nearest_key(), Some("time_points"));
    }

    #[test]
    fn wrong_type_is_an_invalid_value() {
        let table: toml::Table = toml::from_str("time_points = \"three\"\nlatents = 2").unwrap();
        let err = from_table::<Conf>(&table).unwrap_err();
        assert_eq!(err.unknown_key, None);
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }
}
