//! The metrics citebench ships; each implements [`crate::metric::Metric`].

pub mod mcc;
pub mod ood;
