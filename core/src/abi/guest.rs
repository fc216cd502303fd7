//! The plugin side of the ABI: `extern "C"` entry points generic over a
//! [`Model`], assembled into a [`PluginDescriptor`] by [`descriptor`].
//!
//! Every entry point runs the model inside `catch_unwind`: a panic becomes
//! [`STATUS_PANIC`] with its message, never an abort of the host. Plugins
//! must therefore never be built with `panic = "abort"`.

use super::marshal::{latents_drop, latents_into_c, matrix_drop, matrix_into_c, observations_from_c, queries_from_c};
use super::{
    ABI_VERSION, CErrorBuffer, CModelEnv, CObservations, COwnedLatents, COwnedMatrix, CProgress, CQueries, CText,
    PluginDescriptor, STATUS_ERROR, STATUS_OK, STATUS_PANIC,
};
use crate::CORE_VERSION;
use crate::model::{Model, ModelEnv, Progress, parse_hyperparameters};
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Turns a model type into a plugin: exports the descriptor symbol.
///
/// ```text
/// citebench_core::export_model!(ControlMean);
/// ```
#[macro_export]
macro_rules! export_model {
    ($model:ty) => {
        #[unsafe(no_mangle)]
        pub extern "C" fn citebench_model_descriptor() -> *const $crate::abi::PluginDescriptor {
            static DESCRIPTOR: $crate::abi::PluginDescriptor = $crate::abi::guest::descriptor::<$model>();
            &DESCRIPTOR
        }
    };
}

/// The descriptor of model type `M`, built at compile time.
pub const fn descriptor<M: Model>() -> PluginDescriptor {
    PluginDescriptor {
        abi_version: ABI_VERSION,
        core_version: CText::from_static(CORE_VERSION),
        name: CText::from_static(M::NAME),
        capabilities: M::CAPABILITIES.0,
        create: create::<M>,
        destroy: destroy::<M>,
        fit: fit::<M>,
        encode: encode::<M>,
        predict: predict::<M>,
        free_matrix,
        free_latents,
    }
}

/// Writes as much of `message` as fits, cut at a character boundary.
fn write_error(err: &CErrorBuffer, message: &str) {
    if err.data.is_null() || err.len.is_null() {
        return;
    }
    let mut n = message.len().min(err.capacity);
    while !message.is_char_boundary(n) {
        n -= 1;
    }
    // SAFETY: the host guarantees `capacity` writable bytes and a valid `len`.
    unsafe {
        std::ptr::copy_nonoverlapping(message.as_ptr(), err.data, n);
        *err.len = n;
    }
}

/// Runs `f`, turning an error into [`STATUS_ERROR`] and a panic into [`STATUS_PANIC`].
fn guarded(err: &CErrorBuffer, f: impl FnOnce() -> Result<(), String>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => STATUS_OK,
        Ok(Err(message)) => {
            write_error(err, &message);
            STATUS_ERROR
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with a non-text payload".to_string());
            write_error(err, &format!("panicked: {message}"));
            STATUS_PANIC
        }
    }
}

unsafe extern "C" fn create<M: Model>(hyperparameters: CText, env: CModelEnv, out: *mut *mut c_void, err: CErrorBuffer) -> i32 {
    guarded(&err, || {
        // SAFETY: the host passes valid UTF-8 text it owns for this call.
        let text = unsafe { hyperparameters.to_string_lossy() };
        let h = parse_hyperparameters::<M::Hyperparameters>(&text).map_err(|e| e.to_string())?;
        // SAFETY: as for the hyperparameters.
        let device = unsafe { env.device.to_string_lossy() };
        let model = M::create(h, ModelEnv { threads: env.threads, seed: env.seed, device }).map_err(|e| e.to_string())?;
        // SAFETY: `out` is a valid slot provided by the host.
        unsafe { *out = Box::into_raw(Box::new(model)).cast() };
        Ok(())
    })
}

unsafe extern "C" fn destroy<M: Model>(model: *mut c_void) {
    if !model.is_null() {
        // A panic in a destructor must not unwind into the host.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: `model` came from Box::into_raw in `create::<M>`.
            drop(unsafe { Box::from_raw(model.cast::<M>()) })
        }));
    }
}

/// Forwards progress to the host's callback.
struct HostProgress(CProgress);

impl Progress for HostProgress {
    fn report(&mut self, fraction: f32) {
        if let Some(report) = self.0.report {
            // SAFETY: the host keeps `user` valid for the duration of `fit`.
            unsafe { report(self.0.user, fraction.clamp(0.0, 1.0)) }
        }
    }
}

unsafe extern "C" fn fit<M: Model>(model: *mut c_void, train: *const CObservations, progress: CProgress, err: CErrorBuffer) -> i32 {
    guarded(&err, || {
        // SAFETY: the host passes a live model from `create::<M>` and a valid view.
        let (model, train) = unsafe { (&mut *model.cast::<M>(), observations_from_c(&*train)) };
        let train = train.map_err(|e| format!("invalid training data: {e}"))?;
        model.fit(&train, &mut HostProgress(progress)).map_err(|e| e.to_string())
    })
}

unsafe extern "C" fn encode<M: Model>(
    model: *mut c_void,
    data: *const CObservations,
    out: *mut COwnedLatents,
    err: CErrorBuffer,
) -> i32 {
    guarded(&err, || {
        // SAFETY: as in `fit`.
        let (model, data) = unsafe { (&*model.cast::<M>(), observations_from_c(&*data)) };
        let data = data.map_err(|e| format!("invalid observations: {e}"))?;
        let estimate = model.encode(&data).map_err(|e| e.to_string())?;
        // SAFETY: `out` is a valid slot provided by the host.
        unsafe { out.write(latents_into_c(estimate)) };
        Ok(())
    })
}

unsafe extern "C" fn predict<M: Model>(
    model: *mut c_void,
    queries: *const CQueries,
    out: *mut COwnedMatrix,
    err: CErrorBuffer,
) -> i32 {
    guarded(&err, || {
        // SAFETY: as in `fit`.
        let (model, queries) = unsafe { (&*model.cast::<M>(), queries_from_c(&*queries)) };
        let cells = model.predict(&queries).map_err(|e| e.to_string())?;
        // SAFETY: `out` is a valid slot provided by the host.
        unsafe { out.write(matrix_into_c(cells)) };
        Ok(())
    })
}

unsafe extern "C" fn free_matrix(matrix: COwnedMatrix) {
    // SAFETY: the host returns each matrix this library made exactly once.
    unsafe { matrix_drop(matrix) }
}

unsafe extern "C" fn free_latents(latents: COwnedLatents) {
    // SAFETY: as for free_matrix.
    unsafe { latents_drop(latents) }
}
