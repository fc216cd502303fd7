//! The plugin C ABI: the only thing that crosses the dynamic-library boundary.
//!
//! Rust trait objects are not sound across dylibs built separately (vtable
//! layout, allocator, compiler version can all differ), which is why bevy
//! removed its dylib plugins. A citebench plugin therefore exports one
//! symbol, [`DESCRIPTOR_SYMBOL`], returning a `#[repr(C)]`
//! [`PluginDescriptor`] of plain data and `extern "C"` function pointers:
//!
//! - only `#[repr(C)]` structs, raw pointers with lengths and UTF-8 bytes
//!   cross; matrices as (pointer, rows, cols); hyperparameters as TOML text;
//!   errors as text written into a buffer the host owns;
//! - memory is freed by the side that allocated it: matrices a plugin
//!   returns are released through the descriptor's `free_*` functions;
//! - every entry point catches panics and reports [`STATUS_PANIC`];
//! - the first two fields, `abi_version` and `core_version`, never move, so
//!   a host can read them from a plugin of any version and refuse it.
//!
//! [`host`] loads plugins; [`guest`] and [`crate::export_model!`] build the
//! descriptor from a [`crate::model::Model`].

pub mod guest;
pub mod host;
mod marshal;

use std::ffi::c_void;

/// Bumped whenever a type in this module changes layout or meaning.
/// 2: observations carry their image shape ([`CObservations::image`]).
pub const ABI_VERSION: u32 = 2;

/// The symbol every plugin exports: `extern "C" fn() -> *const PluginDescriptor`.
pub const DESCRIPTOR_SYMBOL: &str = "citebench_model_descriptor";

/// File names of plugins start with this (`lib` + crate name `citebench-model-*`).
pub const LIBRARY_PREFIX: &str = "libcitebench_model_";

pub const STATUS_OK: i32 = 0;
pub const STATUS_ERROR: i32 = 1;
pub const STATUS_PANIC: i32 = 2;

/// Borrowed UTF-8 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CText {
    pub ptr: *const u8,
    pub len: usize,
}

/// A borrowed row-major f32 matrix.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CMatrix {
    pub data: *const f32,
    pub rows: usize,
    pub cols: usize,
}

/// A matrix allocated by the plugin; the host copies it, then hands it back
/// through [`PluginDescriptor::free_matrix`].
#[repr(C)]
pub struct COwnedMatrix {
    pub data: *mut f32,
    pub rows: usize,
    pub cols: usize,
    pub capacity: usize,
}

/// Latents allocated by the plugin, with one block label per column
/// ([`crate::data::LatentBlock`] as `u8`); freed by `free_latents`.
#[repr(C)]
pub struct COwnedLatents {
    pub latents: COwnedMatrix,
    pub blocks: *mut u8,
    pub blocks_capacity: usize,
}

/// Borrowed observations: columns of equal length `x.rows`, and the
/// perturbation table in compressed form (targets of perturbation `k` are
/// `perturbation_targets[perturbation_offsets[k]..perturbation_offsets[k+1]]`).
#[repr(C)]
pub struct CObservations {
    pub x: CMatrix,
    pub time_point: *const u32,
    pub perturbation: *const u32,
    pub replicate: *const u32,
    pub unit: *const u64,
    pub n_perturbations: usize,
    pub perturbation_offsets: *const u32,
    pub perturbation_targets: *const u32,
    pub time_values: *const f32,
    pub n_time_points: usize,
    pub n_targets: u32,
    /// The layout of each row for image data; all zero otherwise.
    pub image: CImageShape,
}

/// [`crate::data::ImageShape`] across the boundary; all zero for non-image data.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CImageShape {
    pub channels: u32,
    pub height: u32,
    pub width: u32,
}

/// Borrowed prediction queries, targets in compressed form as above.
#[repr(C)]
pub struct CQueries {
    pub n: usize,
    pub time_point: *const u32,
    pub n_cells: *const u32,
    pub target_offsets: *const u32,
    pub targets: *const u32,
}

/// A host-owned buffer for an error message; the plugin writes at most
/// `capacity` bytes of UTF-8 and stores the length written in `*len`.
#[repr(C)]
pub struct CErrorBuffer {
    pub data: *mut u8,
    pub capacity: usize,
    pub len: *mut usize,
}

/// A progress callback the host passes to `fit`.
#[repr(C)]
pub struct CProgress {
    pub user: *mut c_void,
    pub report: Option<unsafe extern "C" fn(user: *mut c_void, fraction: f32)>,
}

/// What the host tells a model at creation (see [`crate::model::ModelEnv`]).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CModelEnv {
    pub threads: u32,
    pub seed: u64,
    pub device: CText,
}

/// The table a plugin exports. Field order is part of the ABI; the first
/// two fields must never change.
#[repr(C)]
pub struct PluginDescriptor {
    pub abi_version: u32,
    pub core_version: CText,
    pub name: CText,
    pub capabilities: u32,
    pub create: unsafe extern "C" fn(hyperparameters: CText, env: CModelEnv, out: *mut *mut c_void, err: CErrorBuffer) -> i32,
    pub destroy: unsafe extern "C" fn(model: *mut c_void),
    pub fit: unsafe extern "C" fn(model: *mut c_void, train: *const CObservations, progress: CProgress, err: CErrorBuffer) -> i32,
    pub encode: unsafe extern "C" fn(
        model: *mut c_void,
        data: *const CObservations,
        out: *mut COwnedLatents,
        err: CErrorBuffer,
    ) -> i32,
    pub predict: unsafe extern "C" fn(
        model: *mut c_void,
        queries: *const CQueries,
        out: *mut COwnedMatrix,
        err: CErrorBuffer,
    ) -> i32,
    pub free_matrix: unsafe extern "C" fn(matrix: COwnedMatrix),
    pub free_latents: unsafe extern "C" fn(latents: COwnedLatents),
}

// SAFETY: a descriptor is immutable static data (pointers to 'static strings
// and functions); sharing it between threads is sound.
unsafe impl Sync for PluginDescriptor {}

impl CText {
    pub const fn from_static(s: &'static str) -> Self {
        Self { ptr: s.as_ptr(), len: s.len() }
    }

    pub fn from_str(s: &str) -> Self {
        Self { ptr: s.as_ptr(), len: s.len() }
    }

    /// # Safety
    /// `ptr` must point to `len` readable bytes for the returned lifetime.
    pub unsafe fn to_string_lossy(&self) -> String {
        if self.ptr.is_null() {
            return String::new();
        }
        // SAFETY: guaranteed by the caller.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr, self.len) };
        String::from_utf8_lossy(bytes).into_owned()
    }
}
