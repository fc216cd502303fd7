//! The runner (in progress).
