//! The host side of the ABI: finding, loading and calling plugins.
//!
//! A [`PluginModel`] holds an `Arc` of the library it came from, so a
//! library is never unmapped while a model made from it lives (unmapping
//! code under a live object crashes). Libraries are never explicitly
//! unloaded: once a plugin has started threads it cannot really be.

use super::marshal::{CompressedTargets, QueryBuffers, latents_copy, matrix_copy, observations_view};
use super::{
    ABI_VERSION, CErrorBuffer, CModelEnv, COwnedLatents, COwnedMatrix, CProgress, CText, DESCRIPTOR_SYMBOL,
    LIBRARY_PREFIX, PluginDescriptor, STATUS_OK, STATUS_PANIC,
};
use crate::CORE_VERSION;
use crate::data::{Matrix, Observations};
use crate::model::{Capabilities, LatentEstimate, ModelEnv, Query};
use libloading::Library;
use std::error::Error as _;
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PluginError {
    #[error("cannot read plugin directory {dir}: {reason}")]
    Directory { dir: PathBuf, reason: String },
    #[error("cannot load plugin {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("{path} is not a citebench plugin: {reason}")]
    NotAPlugin { path: PathBuf, reason: String },
    #[error("{path} was built for plugin ABI version {found}, but this citebench expects ABI version {expected}; rebuild the plugin")]
    AbiVersion { path: PathBuf, found: u32, expected: u32 },
    #[error("{path} was built against citebench-core {found}, but this citebench is {expected}; rebuild the plugin")]
    CoreVersion { path: PathBuf, found: String, expected: String },
    #[error("no plugin named `{name}` in {dir} (found: {found}); build the plugins with `cargo build --release` or pass --plugin-dir")]
    NotFound { name: String, dir: PathBuf, found: String },
    #[error("model `{model}` failed in {stage}: {message}")]
    Failed { model: String, stage: &'static str, message: String },
    #[error("model `{model}` panicked in {stage}: {message}")]
    Panicked { model: String, stage: &'static str, message: String },
    #[error("model `{model}` returned invalid output from {stage}: {message}")]
    InvalidOutput { model: String, stage: &'static str, message: String },
}

/// A loaded plugin library whose versions matched.
pub struct PluginLibrary {
    path: PathBuf,
    library: Arc<Library>,
    descriptor: *const PluginDescriptor,
    name: String,
    capabilities: Capabilities,
}

// SAFETY: the descriptor is immutable static data inside `library`, which
// this value keeps loaded; its functions are called with per-model state.
unsafe impl Send for PluginLibrary {}
unsafe impl Sync for PluginLibrary {}

/// `libloading` says only "dlopen failed"; the reason is in the source chain.
fn error_chain(e: &libloading::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl PluginLibrary {
    /// Loads a plugin and checks its ABI and core versions before anything else.
    pub fn load(path: &Path) -> Result<Self, PluginError> {
        // SAFETY: loading runs the library's initialisers; citebench plugins
        // have none beyond Rust's std set-up.
        let library = unsafe { Library::new(path) }
            .map_err(|e| PluginError::Load { path: path.to_path_buf(), reason: error_chain(&e) })?;
        // SAFETY: the symbol's type is fixed by the ABI.
        let descriptor = unsafe {
            let get: libloading::Symbol<'_, extern "C" fn() -> *const PluginDescriptor> =
                library.get(DESCRIPTOR_SYMBOL.as_bytes()).map_err(|e| PluginError::NotAPlugin {
                    path: path.to_path_buf(),
                    reason: format!("no `{DESCRIPTOR_SYMBOL}` symbol ({})", error_chain(&e)),
                })?;
            get()
        };
        if descriptor.is_null() {
            return Err(PluginError::NotAPlugin { path: path.to_path_buf(), reason: "null descriptor".into() });
        }
        // SAFETY: `abi_version` and `core_version` lead every descriptor of
        // every ABI version, so reading them is sound before the check.
        let (found, core) = unsafe { ((*descriptor).abi_version, (*descriptor).core_version.to_string_lossy()) };
        if found != ABI_VERSION {
            return Err(PluginError::AbiVersion { path: path.to_path_buf(), found, expected: ABI_VERSION });
        }
        if core != CORE_VERSION {
            return Err(PluginError::CoreVersion { path: path.to_path_buf(), found: core, expected: CORE_VERSION.into() });
        }
        // SAFETY: the versions match, so the whole descriptor has our layout.
        let (name, capabilities) = unsafe { ((*descriptor).name.to_string_lossy(), Capabilities((*descriptor).capabilities)) };
        Ok(Self { path: path.to_path_buf(), library: Arc::new(library), descriptor, name, capabilities })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn descriptor(&self) -> &PluginDescriptor {
        // SAFETY: valid while `self.library` is loaded, which `self` ensures.
        unsafe { &*self.descriptor }
    }

    /// Creates a model from TOML hyperparameters; bad hyperparameters are an
    /// error here, before any training.
    pub fn create(&self, hyperparameters: &str, env: &ModelEnv) -> Result<PluginModel, PluginError> {
        let mut object: *mut c_void = std::ptr::null_mut();
        let mut err = ErrorText::new();
        let d = self.descriptor();
        // SAFETY: arguments are valid for the call; `object` is a valid slot.
        let status = unsafe {
            (d.create)(
                CText::from_str(hyperparameters),
                CModelEnv { threads: env.threads, seed: env.seed, device: CText::from_str(&env.device) },
                &mut object,
                err.buffer(),
            )
        };
        let mut model = PluginModel {
            object: std::ptr::null_mut(),
            descriptor: self.descriptor,
            _library: Arc::clone(&self.library),
            name: self.name.clone(),
        };
        model.check(status, "create", err)?;
        model.object = object;
        Ok(model)
    }
}

/// Host-owned space for a plugin's error message.
struct ErrorText {
    data: Vec<u8>,
    len: usize,
}

impl ErrorText {
    const CAPACITY: usize = 4096;

    fn new() -> Self {
        Self { data: vec![0; Self::CAPACITY], len: 0 }
    }

    fn buffer(&mut self) -> CErrorBuffer {
        CErrorBuffer { data: self.data.as_mut_ptr(), capacity: self.data.len(), len: &mut self.len }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.data[..self.len.min(self.data.len())]).into_owned()
    }
}

/// A model living inside a plugin.
pub struct PluginModel {
    /// Null once destroyed after a panic: its state is then unknown.
    object: *mut c_void,
    descriptor: *const PluginDescriptor,
    // Held only to keep the code mapped; declared after `object` so it is
    // dropped after `Drop` has destroyed the object.
    _library: Arc<Library>,
    name: String,
}

// SAFETY: a model is used by one thread at a time (`&mut self` on every
// call); plugin models are `Send` by the `Model` trait's bound.
unsafe impl Send for PluginModel {}

unsafe extern "C" fn report_progress(user: *mut c_void, fraction: f32) {
    // SAFETY: `user` is the `&mut &mut dyn FnMut` that `fit` passed, alive
    // for the duration of the call.
    let f = unsafe { &mut *user.cast::<&mut dyn FnMut(f32)>() };
    f(fraction);
}

impl PluginModel {
    pub fn name(&self) -> &str {
        &self.name
    }

    fn descriptor(&self) -> &PluginDescriptor {
        // SAFETY: `self._library` keeps the descriptor mapped.
        unsafe { &*self.descriptor }
    }

    fn live(&self, stage: &'static str) -> Result<*mut c_void, PluginError> {
        if self.object.is_null() {
            return Err(PluginError::Failed {
                model: self.name.clone(),
                stage,
                message: "the model was destroyed after an earlier panic".into(),
            });
        }
        Ok(self.object)
    }

    /// Maps a status to a result; after a panic the object is destroyed.
    fn check(&mut self, status: i32, stage: &'static str, err: ErrorText) -> Result<(), PluginError> {
        if status == STATUS_OK {
            return Ok(());
        }
        let (model, message) = (self.name.clone(), err.text());
        if status == STATUS_PANIC {
            self.destroy();
            return Err(PluginError::Panicked { model, stage, message });
        }
        Err(PluginError::Failed { model, stage, message })
    }

    fn destroy(&mut self) {
        if !self.object.is_null() {
            // SAFETY: `object` came from this descriptor's `create`, once.
            unsafe { (self.descriptor().destroy)(self.object) };
            self.object = std::ptr::null_mut();
        }
    }

    pub fn fit(&mut self, train: &Observations, progress: &mut dyn FnMut(f32)) -> Result<(), PluginError> {
        let object = self.live("fit")?;
        let table = CompressedTargets::new(train.perturbations());
        let view = observations_view(train, &table);
        let mut progress: &mut dyn FnMut(f32) = progress;
        let callback = CProgress { user: (&mut progress as *mut &mut dyn FnMut(f32)).cast(), report: Some(report_progress) };
        let mut err = ErrorText::new();
        // SAFETY: every pointer stays valid for the call.
        let status = unsafe { (self.descriptor().fit)(object, &view, callback, err.buffer()) };
        self.check(status, "fit", err)
    }

    /// Latents for each row of `data`, checked for shape and finiteness.
    pub fn encode(&mut self, data: &Observations) -> Result<LatentEstimate, PluginError> {
        let object = self.live("encode")?;
        let table = CompressedTargets::new(data.perturbations());
        let view = observations_view(data, &table);
        let mut out = std::mem::MaybeUninit::<COwnedLatents>::uninit();
        let mut err = ErrorText::new();
        // SAFETY: every pointer stays valid for the call.
        let status = unsafe { (self.descriptor().encode)(object, &view, out.as_mut_ptr(), err.buffer()) };
        self.check(status, "encode", err)?;
        // SAFETY: on success the plugin initialised `out`.
        let out = unsafe { out.assume_init() };
        // SAFETY: `out` describes buffers of the sizes it declares.
        let estimate = unsafe { latents_copy(&out) };
        // SAFETY: returned exactly once to the library that made it.
        unsafe { (self.descriptor().free_latents)(out) };
        let invalid = |message: String| PluginError::InvalidOutput { model: self.name.clone(), stage: "encode", message };
        let estimate = estimate.ok_or_else(|| invalid("an unknown latent block label".into()))?;
        if estimate.latents.rows() != data.len() {
            return Err(invalid(format!("{} rows of latents for {} observations", estimate.latents.rows(), data.len())));
        }
        if !estimate.latents.all_finite() {
            return Err(invalid("non-finite latents".into()));
        }
        Ok(estimate)
    }

    /// Generated cells for each query, checked for shape and finiteness.
    pub fn predict(&mut self, queries: &[Query]) -> Result<Matrix, PluginError> {
        let object = self.live("predict")?;
        let buffers = QueryBuffers::new(queries);
        let view = buffers.view();
        let mut out = std::mem::MaybeUninit::<COwnedMatrix>::uninit();
        let mut err = ErrorText::new();
        // SAFETY: every pointer stays valid for the call.
        let status = unsafe { (self.descriptor().predict)(object, &view, out.as_mut_ptr(), err.buffer()) };
        self.check(status, "predict", err)?;
        // SAFETY: on success the plugin initialised `out`.
        let out = unsafe { out.assume_init() };
        // SAFETY: `out` describes a buffer of rows * cols values.
        let cells = unsafe { matrix_copy(&out) };
        // SAFETY: returned exactly once to the library that made it.
        unsafe { (self.descriptor().free_matrix)(out) };
        let expected: u64 = queries.iter().map(|q| u64::from(q.n_cells)).sum();
        let invalid = |message: String| PluginError::InvalidOutput { model: self.name.clone(), stage: "predict", message };
        if cells.rows() as u64 != expected {
            return Err(invalid(format!("{} cells for queries asking for {expected}", cells.rows())));
        }
        if !cells.all_finite() {
            return Err(invalid("non-finite values".into()));
        }
        Ok(cells)
    }
}

impl Drop for PluginModel {
    fn drop(&mut self) {
        self.destroy();
    }
}

/// Every plugin file found in a directory, loaded or refused with the reason.
pub struct PluginCatalog {
    dir: PathBuf,
    pub entries: Vec<(PathBuf, Result<PluginLibrary, PluginError>)>,
}

impl PluginCatalog {
    /// Loads every `libcitebench_model_*` library in `dir`, in name order.
    pub fn scan(dir: &Path) -> Result<Self, PluginError> {
        let read = std::fs::read_dir(dir).map_err(|e| PluginError::Directory { dir: dir.to_path_buf(), reason: e.to_string() })?;
        let prefix = LIBRARY_PREFIX.strip_prefix("lib").map_or(LIBRARY_PREFIX.to_string(), |p| format!("{}{p}", std::env::consts::DLL_PREFIX));
        let mut paths: Vec<PathBuf> = read
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(std::env::consts::DLL_SUFFIX))
            })
            .collect();
        paths.sort();
        let entries = paths.into_iter().map(|p| {
            let loaded = PluginLibrary::load(&p);
            (p, loaded)
        }).collect();
        Ok(Self { dir: dir.to_path_buf(), entries })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The first loaded plugin named `name`.
    pub fn get(&self, name: &str) -> Result<&PluginLibrary, PluginError> {
        self.entries
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .find(|l| l.name() == name)
            .ok_or_else(|| PluginError::NotFound { name: name.to_string(), dir: self.dir.clone(), found: self.names().join(", ") })
    }

    /// Names of the plugins that loaded.
    pub fn names(&self) -> Vec<String> {
        self.entries.iter().filter_map(|(_, r)| r.as_ref().ok()).map(|l| l.name().to_string()).collect()
    }
}

/// Where plugins are looked for by default: the directory of the running
/// executable (cargo puts the CLI and the plugin `cdylib`s side by side;
/// test binaries and the plugins built as their dev-dependencies share
/// `target/<profile>/deps/`).
pub fn default_plugin_dir() -> PathBuf {
    std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_else(|| PathBuf::from("."))
}
