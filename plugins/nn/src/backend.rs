//! The backend choice, in exactly one place: which burn device a model
//! computes on, and the thread pool it computes in.
//!
//! burn 0.22 tensors carry no backend type; the [`Device`] picks the backend
//! at run time. The scenario's `device` string maps to a device here and
//! nowhere else:
//!
//! | `device` | backend | needs |
//! | --- | --- | --- |
//! | `cpu` | flex, burn's pure-Rust CPU backend | nothing (the default) |
//! | `libtorch-cpu` | burn-tch on libtorch's CPU kernels | the `tch` feature and libtorch 2.9.0 |
//! | `cuda:N` | burn-tch on CUDA GPU `N` | the `tch` feature and a CUDA libtorch 2.9.0 |
//!
//! Threads: every plugin carries its own copy of rayon, and flex (and the
//! `gemm` crate under it) runs its parallel kernels on rayon's *current*
//! pool. A [`Compute`] therefore owns a pool of exactly the host's thread
//! budget and runs all tensor work inside it, so a plugin never sizes a
//! global pool to the whole machine. libtorch keeps its own intra-op pool;
//! under `tch` the budget bounds only burn's own work (set
//! `OMP_NUM_THREADS` for torch's).

use crate::NnError;
use burn::tensor::Device;
use citebench_core::model::ModelEnv;

/// Where and with how many threads a model computes.
pub struct Compute {
    device: Device,
    pool: rayon::ThreadPool,
    name: String,
}

impl std::fmt::Debug for Compute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compute").field("device", &self.name).field("threads", &self.pool.current_num_threads()).finish()
    }
}

impl Compute {
    /// The device named by `env.device` and a pool of `env.threads` workers
    /// (0 is read as 1: a budget of nothing still has to run somewhere).
    pub fn new(env: &ModelEnv) -> Result<Self, NnError> {
        let device = device_named(&env.device)?;
        keep_freed_memory();
        let threads = env.threads.max(1) as usize;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("citebench-nn-{i}"))
            .build()
            .map_err(|e| NnError::ThreadPool { threads, reason: e.to_string() })?;
        Ok(Self { device, pool, name: env.device.clone() })
    }

    /// The device for inference: tensors created on it record no graph.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The same device with autodiff, for training.
    pub fn training_device(&self) -> Device {
        self.device.clone().autodiff()
    }

    /// The scenario's name for the device, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `work` inside this model's thread pool; every tensor operation
    /// of a model belongs in here.
    pub fn run<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }
}

/// Stops glibc's malloc from handing tensor buffers back to the kernel.
///
/// A training step frees and reallocates the same buffers (activations,
/// gradients, optimiser moments): with glibc's defaults, large ones are
/// unmapped at each free and page-faulted back in at each reuse, and the
/// top of the heap is trimmed; page faults and page zeroing took about 15%
/// of a CITE-VAE step on flex. Blocks up to 32 MiB (glibc's largest
/// allowed mmap threshold on 64-bit) then come from the heap, and the heap
/// keeps up to 256 MiB of free memory for reuse, as PyTorch's caching
/// allocator does; the cost is that memory a model has used stays with the
/// process. The setting is process-wide and made once.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator parameters and is
            // documented as callable at any time; it returns 1 on success.
            let set = unsafe { [libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20), libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20)] };
            debug_assert_eq!(set, [1, 1], "glibc refused a malloc parameter");
        });
    }
}

/// Parses a scenario's `device` string.
pub fn device_named(name: &str) -> Result<Device, NnError> {
    let error = |reason: String| NnError::Device { device: name.to_string(), reason };
    match name {
        "cpu" => Ok(Device::flex()),
        "libtorch-cpu" => libtorch_cpu().ok_or_else(|| error(without_tch())),
        _ => match name.strip_prefix("cuda:").map(str::parse::<usize>) {
            Some(Ok(index)) => libtorch_cuda(index).ok_or_else(|| error(without_tch())),
            Some(Err(_)) => Err(error("expected `cuda:N` with a GPU index N, such as `cuda:0`".into())),
            None => Err(error("expected `cpu`, `libtorch-cpu` or `cuda:N`".into())),
        },
    }
}

fn without_tch() -> String {
    "this plugin was built without its `tch` feature (libtorch); rebuild it with \
     `--features tch` as its README explains, or use `device = \"cpu\"`"
        .into()
}

// burn marks its libtorch backend deprecated in 0.22; it is still the only
// way to a CUDA GPU without CubeCL's runtime compilers, hence the allows.
#[cfg(feature = "tch")]
#[allow(deprecated)]
fn libtorch_cpu() -> Option<Device> {
    Some(Device::libtorch())
}

#[cfg(feature = "tch")]
#[allow(deprecated)]
fn libtorch_cuda(index: usize) -> Option<Device> {
    Some(Device::libtorch_cuda(index))
}

#[cfg(not(feature = "tch"))]
fn libtorch_cpu() -> Option<Device> {
    None
}

#[cfg(not(feature = "tch"))]
fn libtorch_cuda(_index: usize) -> Option<Device> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(device: &str, threads: u32) -> ModelEnv {
        ModelEnv { threads, seed: 0, device: device.into() }
    }

    #[test]
    fn cpu_is_flex_with_the_thread_budget() {
        let compute = Compute::new(&env("cpu", 2)).unwrap();
        assert_eq!(compute.threads(), 2);
        assert_eq!(compute.run(rayon::current_num_threads), 2, "work runs in the budgeted pool");
        assert!(compute.training_device().is_autodiff());
        assert!(!compute.device().is_autodiff());
    }

    #[test]
    fn unknown_devices_are_named() {
        let err = device_named("gpu").unwrap_err();
        assert!(err.to_string().contains("`gpu`"), "{err}");
        let err = device_named("cuda:x").unwrap_err();
        assert!(err.to_string().contains("cuda:N"), "{err}");
    }

    /// Only with `--features tch` and libtorch 2.9.0 (README, "GPU through
    /// libtorch"): the same seeded network gives the same outputs on
    /// libtorch's CPU kernels as on flex, and trains there.
    #[cfg(feature = "tch")]
    #[test]
    fn libtorch_cpu_computes_what_flex_computes() {
        use crate::{Activation, Initialiser, Mlp};
        use burn::tensor::{Tensor, TensorData};
        use rand::SeedableRng;
        let outputs = |device: &str| {
            let compute = Compute::new(&env(device, 1)).unwrap();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            let mlp = Mlp::new(&Mlp::widths(3, 16, 2, 2), Activation::LeakyRelu, &mut Initialiser::new(&mut rng, compute.device()));
            let x: Vec<f32> = (0..30).map(|i| (i as f32 * 0.37).sin()).collect();
            let out = mlp.forward(Tensor::<2>::from_data(TensorData::new(x, [10, 3]), compute.device()));
            out.into_data().try_to_vec::<f32>().unwrap()
        };
        let (flex, torch) = (outputs("cpu"), outputs("libtorch-cpu"));
        for (a, b) in flex.iter().zip(&torch) {
            assert!((a - b).abs() < 1e-5, "flex {a} against libtorch {b}");
        }
    }

    #[cfg(not(feature = "tch"))]
    #[test]
    fn libtorch_devices_name_the_feature() {
        for name in ["cuda:0", "libtorch-cpu"] {
            let err = device_named(name).unwrap_err();
            assert!(err.to_string().contains(name) && err.to_string().contains("`tch` feature"), "{err}");
        }
    }
}
