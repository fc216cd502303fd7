//! The training loop every neural plugin shares: AdamW on minibatches of
//! items (cells, or whole trajectories), seeded shuffling, a validation
//! split with early stopping, restarts from fresh initialisations kept by
//! their validation loss, progress reported to the host, and a guard that
//! stops with an error the moment a loss is NaN or infinite.
//!
//! Restarts exist because latent-variable models land in local optima that
//! differ in how well they recover the latents, and the validation loss
//! (a held-out ELBO, no ground truth) tells them apart; see the CITE-VAE
//! README for the measurements behind this.
//!
//! What a minibatch's loss is belongs to the model, as an [`Objective`];
//! the loop only knows items by index. Each epoch runs inside the model's
//! thread pool ([`Compute::run`]); progress is reported between epochs,
//! from the host's thread, because the host's callback is not `Send`.

use crate::{Compute, NnError};
use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use citebench_core::model::Progress;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// Optimiser and schedule settings. Each plugin has its own defaults (what
/// an item is, and so a good batch size, differs between models); a
/// scenario overrides them key by key through [`TrainOverrides`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// AdamW step size.
    pub learning_rate: f64,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f32,
    /// Items per minibatch.
    pub batch_size: usize,
    /// Upper bound on passes over the training items.
    pub max_epochs: usize,
    /// Share of items held out to decide early stopping (0 disables it).
    pub validation_fraction: f32,
    /// Epochs without a better validation loss before training stops.
    pub patience: usize,
    /// Per-parameter gradient norm clip (0 disables it): one bad minibatch
    /// must not throw the weights far.
    pub max_gradient_norm: f32,
    /// Trainings from fresh initialisations; the one with the lowest
    /// validation loss is kept (more than 1 needs a validation split).
    pub restarts: usize,
}

/// A plugin's `[models.hyperparameters.training]` table as written: each
/// key present replaces that setting of the plugin's [`TrainConfig`], so
/// writing one key never resets the others to someone else's defaults.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrainOverrides {
    pub learning_rate: Option<f64>,
    pub weight_decay: Option<f32>,
    pub batch_size: Option<usize>,
    pub max_epochs: Option<usize>,
    pub validation_fraction: Option<f32>,
    pub patience: Option<usize>,
    pub max_gradient_norm: Option<f32>,
    pub restarts: Option<usize>,
}

impl TrainOverrides {
    /// `defaults` with every key this table sets replaced.
    pub fn over(&self, defaults: TrainConfig) -> TrainConfig {
        TrainConfig {
            learning_rate: self.learning_rate.unwrap_or(defaults.learning_rate),
            weight_decay: self.weight_decay.unwrap_or(defaults.weight_decay),
            batch_size: self.batch_size.unwrap_or(defaults.batch_size),
            max_epochs: self.max_epochs.unwrap_or(defaults.max_epochs),
            validation_fraction: self.validation_fraction.unwrap_or(defaults.validation_fraction),
            patience: self.patience.unwrap_or(defaults.patience),
            max_gradient_norm: self.max_gradient_norm.unwrap_or(defaults.max_gradient_norm),
            restarts: self.restarts.unwrap_or(defaults.restarts),
        }
    }
}

impl TrainConfig {
    pub fn validate(&self) -> Result<(), NnError> {
        let bad = |key: &str, why: &str| Err(NnError::Config(format!("`training.{key}` {why}")));
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate", "must be a positive number");
        }
        if self.batch_size == 0 {
            return bad("batch_size", "must be at least 1");
        }
        if self.max_epochs == 0 {
            return bad("max_epochs", "must be at least 1");
        }
        if !(0.0..0.9).contains(&self.validation_fraction) {
            return bad("validation_fraction", "must be in [0, 0.9)");
        }
        if self.weight_decay < 0.0 || self.max_gradient_norm < 0.0 {
            return bad("weight_decay` and `max_gradient_norm", "must not be negative");
        }
        if self.restarts == 0 {
            return bad("restarts", "must be at least 1");
        }
        if self.restarts > 1 && self.validation_fraction <= 0.0 {
            return bad("restarts", "above 1 needs a validation split to choose between them: set `training.validation_fraction` above 0");
        }
        Ok(())
    }
}

/// What a model minimises.
pub trait Objective: Sync {
    type Model: Module + Sync;

    /// The mean loss of a minibatch of `items`, as a one-element tensor on
    /// `device` (the autodiff device in training, the plain one in
    /// validation). All noise comes from `rng`.
    fn loss(&self, model: &Self::Model, items: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Tensor<1>;

    /// Called before each epoch of each restart (epoch 0 first) with the
    /// model as it stands; `device` is the plain one. An objective whose
    /// data depend on the model (cells of adjacent time points re-paired in
    /// the current latent space) updates them here, through interior
    /// mutability since [`Objective::loss`] takes `&self`. The default does
    /// nothing, so objectives with fixed data are unaffected.
    fn begin_epoch(&self, _model: &Self::Model, _epoch: usize, _device: &Device) -> Result<(), NnError> {
        Ok(())
    }
}

/// How a training run went: the kept restart's curves.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    /// Mean minibatch loss per epoch.
    pub train_loss: Vec<f32>,
    /// Validation loss per epoch (empty without a validation split).
    pub validation_loss: Vec<f32>,
    /// The epoch (0-based) whose model was kept.
    pub best_epoch: usize,
    /// The restart (0-based) whose model was kept.
    pub restart: usize,
    /// Each restart's best validation loss (empty without a validation split).
    pub restart_losses: Vec<f32>,
}

impl TrainReport {
    /// The kept model's validation loss, if there was a validation split.
    pub fn best_validation_loss(&self) -> Option<f32> {
        self.validation_loss.get(self.best_epoch).copied()
    }
}

/// Trains `config.restarts` models, restart `r` starting from `init(r)`, on
/// items `0..n_items`, and returns the one with the lowest validation loss,
/// each taken at its best epoch (the last epoch's without validation). All
/// restarts share the validation split and the sequence of minibatches and
/// noise, so they differ only in their initialisation.
pub fn train<O: Objective>(
    init: impl Fn(usize) -> O::Model,
    objective: &O,
    n_items: usize,
    config: &TrainConfig,
    compute: &Compute,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<(O::Model, TrainReport), NnError> {
    config.validate()?;
    if n_items == 0 {
        return Err(NnError::Data("no training items".into()));
    }
    if config.restarts > 1 && validation_size(n_items, config.validation_fraction) == 0 {
        return Err(NnError::Data(format!("{} restarts need a validation split to choose between them, and {n_items} item(s) leave none", config.restarts)));
    }
    let mut kept: Option<(O::Model, TrainReport)> = None;
    let mut restart_losses = Vec::new();
    for restart in 0..config.restarts {
        // Progress of the whole fit: restart r covers [r, r + 1) / restarts.
        let share = 1.0 / config.restarts as f32;
        let mut within = |fraction: f32| progress.report((restart as f32 + fraction) * share);
        let (model, report) = train_once(init(restart), objective, n_items, config, compute, seed, &mut within)?;
        let loss = report.best_validation_loss();
        restart_losses.extend(loss);
        let better = match (&kept, loss) {
            (Some((_, best)), Some(loss)) => best.best_validation_loss().is_some_and(|b| loss < b),
            (Some(_), None) => false,
            (None, _) => true,
        };
        if better {
            kept = Some((model, TrainReport { restart, ..report }));
        }
    }
    progress.report(1.0);
    let (model, report) = kept.expect("restarts >= 1 is validated");
    Ok((model, TrainReport { restart_losses, ..report }))
}

/// One training from `model`: the model of the epoch with the lowest
/// validation loss (the last epoch's without validation).
fn train_once<O: Objective>(
    model: O::Model,
    objective: &O,
    n_items: usize,
    config: &TrainConfig,
    compute: &Compute,
    seed: u64,
    progress: &mut dyn FnMut(f32),
) -> Result<(O::Model, TrainReport), NnError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut items: Vec<usize> = (0..n_items).collect();
    items.shuffle(&mut rng);
    let n_validation = validation_size(n_items, config.validation_fraction);
    let (validation, train_items) = items.split_at(n_validation);
    let mut train_items = train_items.to_vec();

    let mut optimiser = Optimiser::new(config);
    let training_device = compute.training_device();
    let mut model = model.to_device(&training_device).train();
    let mut report =
        TrainReport { train_loss: Vec::new(), validation_loss: Vec::new(), best_epoch: 0, restart: 0, restart_losses: Vec::new() };
    let mut best: Option<(f32, O::Model)> = None;

    for epoch in 0..config.max_epochs {
        compute.run(|| objective.begin_epoch(&model, epoch, compute.device()))?;
        train_items.shuffle(&mut rng);
        let (next, loss) = compute.run(|| {
            run_epoch(model, objective, &train_items, config, &mut optimiser, &mut rng, &training_device, epoch)
        })?;
        model = next;
        report.train_loss.push(loss);
        if !validation.is_empty() {
            // The same noise every epoch, so epochs are compared on equal terms.
            let mut validation_rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
            let loss = compute.run(|| evaluate(&model, objective, validation, config.batch_size, &mut validation_rng, compute.device(), epoch))?;
            report.validation_loss.push(loss);
            if best.as_ref().is_none_or(|(b, _)| loss < *b) {
                best = Some((loss, model.clone()));
                report.best_epoch = epoch;
            } else if epoch - report.best_epoch >= config.patience {
                break;
            }
        } else {
            report.best_epoch = epoch;
        }
        progress((epoch + 1) as f32 / config.max_epochs as f32);
    }
    let model = best.map_or(model, |(_, m)| m);
    Ok((model.valid(), report))
}

fn validation_size(n_items: usize, fraction: f32) -> usize {
    if fraction <= 0.0 || n_items < 2 {
        return 0;
    }
    ((n_items as f32 * fraction).round() as usize).clamp(1, n_items - 1)
}

/// AdamW as configured, applied one minibatch at a time: the unit of work
/// [`train`] repeats, public so that benchmarks time exactly that.
pub struct Optimiser {
    inner: ModuleOptimizer,
    learning_rate: f64,
}

impl Optimiser {
    pub fn new(config: &TrainConfig) -> Self {
        let mut adam = AdamWConfig::new().with_weight_decay(config.weight_decay);
        if config.max_gradient_norm > 0.0 {
            adam = adam.with_grad_clipping(Some(GradientClippingConfig::Norm(config.max_gradient_norm)));
        }
        Self { inner: adam.init(), learning_rate: config.learning_rate }
    }

    /// One step on the loss of `items`. Returns the updated model and the
    /// loss, or the non-finite loss (and no update) when it is NaN or infinite.
    pub fn step<O: Objective>(
        &mut self,
        model: O::Model,
        objective: &O,
        items: &[usize],
        rng: &mut ChaCha8Rng,
        device: &Device,
    ) -> Result<(O::Model, f32), NonFiniteLoss> {
        let loss = objective.loss(&model, items, rng, device);
        let value = scalar(loss.clone()).map_err(NonFiniteLoss::Readback)?;
        if !value.is_finite() {
            return Err(NonFiniteLoss::Value(value));
        }
        let gradients = GradientsParams::from_grads(loss.backward(), &model);
        Ok((self.inner.step(self.learning_rate, model, gradients), value))
    }
}

/// Why [`Optimiser::step`] made no step.
#[derive(Debug)]
pub enum NonFiniteLoss {
    Value(f32),
    Readback(NnError),
}

#[allow(clippy::too_many_arguments)]
fn run_epoch<O: Objective>(
    mut model: O::Model,
    objective: &O,
    items: &[usize],
    config: &TrainConfig,
    optimiser: &mut Optimiser,
    rng: &mut ChaCha8Rng,
    device: &Device,
    epoch: usize,
) -> Result<(O::Model, f32), NnError> {
    let mut total = 0.0f64;
    let mut batches = 0usize;
    for (step, batch) in items.chunks(config.batch_size).enumerate() {
        let value;
        (model, value) = optimiser.step(model, objective, batch, rng, device).map_err(|e| match e {
            NonFiniteLoss::Value(value) => NnError::NonFinite { phase: "training", epoch, step, value },
            NonFiniteLoss::Readback(e) => e,
        })?;
        total += f64::from(value);
        batches += 1;
    }
    Ok((model, (total / batches.max(1) as f64) as f32))
}

/// Mean minibatch loss over `items`, without gradients.
fn evaluate<O: Objective>(
    model: &O::Model,
    objective: &O,
    items: &[usize],
    batch_size: usize,
    rng: &mut ChaCha8Rng,
    device: &Device,
    epoch: usize,
) -> Result<f32, NnError> {
    let model = model.valid();
    let mut total = 0.0f64;
    for (step, batch) in items.chunks(batch_size).enumerate() {
        let value = scalar(objective.loss(&model, batch, rng, device))?;
        if !value.is_finite() {
            return Err(NnError::NonFinite { phase: "validation", epoch, step, value });
        }
        total += f64::from(value) * batch.len() as f64;
    }
    Ok((total / items.len() as f64) as f32)
}

fn scalar(t: Tensor<1>) -> Result<f32, NnError> {
    t.try_into_scalar::<f32>().map_err(|e| NnError::Readback(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Initialiser;
    use crate::mlp::Dense;
    use burn::tensor::TensorData;
    use citebench_core::model::ModelEnv;

    /// Fits `y = 2x - 1` on 64 points; `poison` turns the loss into NaN
    /// from the given epoch on (counted in minibatches seen).
    struct Line {
        x: Vec<f32>,
        poison_after: Option<usize>,
        calls: std::sync::atomic::AtomicUsize,
    }

    impl Objective for Line {
        type Model = Dense;

        fn loss(&self, model: &Dense, items: &[usize], _: &mut ChaCha8Rng, device: &Device) -> Tensor<1> {
            let x: Vec<f32> = items.iter().map(|&i| self.x[i]).collect();
            let y: Vec<f32> = x.iter().map(|v| 2.0 * v - 1.0).collect();
            let n = x.len();
            let x = Tensor::<2>::from_data(TensorData::new(x, [n, 1]), device);
            let y = Tensor::<2>::from_data(TensorData::new(y, [n, 1]), device);
            let loss = (model.forward(x) - y).powi_scalar(2).mean();
            let calls = self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match self.poison_after {
                Some(after) if calls >= after => loss.log().mul_scalar(f32::NAN),
                _ => loss,
            }
        }
    }

    fn line(poison_after: Option<usize>) -> Line {
        Line { x: (0..64).map(|i| i as f32 / 32.0 - 1.0).collect(), poison_after, calls: Default::default() }
    }

    fn fit(objective: &Line, config: &TrainConfig) -> Result<(Dense, TrainReport), NnError> {
        fit_on("cpu", objective, config)
    }

    fn fit_on(device: &str, objective: &Line, config: &TrainConfig) -> Result<(Dense, TrainReport), NnError> {
        let compute = Compute::new(&ModelEnv { threads: 1, seed: 0, device: device.into() })?;
        let init = |restart: usize| {
            let mut rng = ChaCha8Rng::seed_from_u64(1 + restart as u64);
            Dense::new(1, 1, &mut Initialiser::new(&mut rng, compute.device()))
        };
        train(init, objective, 64, config, &compute, 4, &mut |_: f32| {})
    }

    fn config() -> TrainConfig {
        TrainConfig {
            learning_rate: 0.05,
            weight_decay: 1e-4,
            batch_size: 16,
            max_epochs: 300,
            validation_fraction: 0.1,
            patience: 10,
            max_gradient_norm: 10.0,
            restarts: 1,
        }
    }

    #[test]
    fn learns_a_line_stops_early_and_is_deterministic() {
        let (model, report) = fit(&line(None), &config()).unwrap();
        let w = model.weight.val().into_scalar::<f32>();
        let b = model.bias.val().into_scalar::<f32>();
        assert!((w - 2.0).abs() < 0.05 && (b + 1.0).abs() < 0.05, "w = {w}, b = {b}");
        assert!(report.train_loss.len() < 300, "early stopping never triggered: {} epochs", report.train_loss.len());
        assert_eq!(report.train_loss.len(), report.validation_loss.len());
        let (again, report_again) = fit(&line(None), &config()).unwrap();
        assert_eq!(report, report_again, "same seed, same run");
        assert_eq!(again.weight.val().into_scalar::<f32>(), w);
    }

    /// Only with `--features tch` and libtorch 2.9.0: the loop trains on
    /// libtorch's CPU kernels too (autodiff and AdamW through burn-tch).
    #[cfg(feature = "tch")]
    #[test]
    fn learns_a_line_on_libtorch() {
        let (model, _) = fit_on("libtorch-cpu", &line(None), &config()).unwrap();
        let w = model.weight.val().into_scalar::<f32>();
        let b = model.bias.val().into_scalar::<f32>();
        assert!((w - 2.0).abs() < 0.05 && (b + 1.0).abs() < 0.05, "w = {w}, b = {b}");
    }

    #[test]
    fn restarts_keep_the_lowest_validation_loss() {
        // Few epochs, so the restarts' initialisations still show in their losses.
        let config = TrainConfig { restarts: 3, max_epochs: 3, learning_rate: 0.01, ..config() };
        let (_, report) = fit(&line(None), &config).unwrap();
        assert_eq!(report.restart_losses.len(), 3);
        let lowest = report.restart_losses.iter().copied().fold(f32::INFINITY, f32::min);
        assert_eq!(report.best_validation_loss(), Some(lowest));
        assert_eq!(report.restart_losses[report.restart], lowest);
        assert!(report.restart_losses.iter().any(|&l| l != lowest), "the restarts started from different weights");
        let err = fit(&line(None), &TrainConfig { restarts: 2, validation_fraction: 0.0, ..config }).unwrap_err();
        assert!(err.to_string().contains("`training.restarts`"), "{err}");
    }

    #[test]
    fn a_non_finite_loss_stops_training_with_its_place() {
        let err = fit(&line(Some(7)), &config()).unwrap_err();
        // 58 training items make 4 minibatches per epoch, then 1 validation
        // minibatch of 6: call 7 (0-based) is epoch 1's step 2.
        assert!(matches!(err, NnError::NonFinite { phase: "training", epoch: 1, step: 2, value } if value.is_nan()), "{err:?}");
        assert!(err.to_string().contains("training diverged"), "{err}");
    }

    #[test]
    fn overrides_replace_only_the_keys_written() {
        let overrides: TrainOverrides = toml::from_str("batch_size = 4\npatience = 2").unwrap();
        let merged = overrides.over(config());
        assert_eq!((merged.batch_size, merged.patience), (4, 2));
        assert_eq!(merged, TrainConfig { batch_size: 4, patience: 2, ..config() });
        assert!(toml::from_str::<TrainOverrides>("lr = 1").unwrap_err().to_string().contains("unknown field `lr`"));
    }

    #[test]
    fn bad_settings_name_the_key() {
        let err = fit(&line(None), &TrainConfig { batch_size: 0, ..config() }).unwrap_err();
        assert!(err.to_string().contains("`training.batch_size`"), "{err}");
    }
}
