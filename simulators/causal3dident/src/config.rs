//! The simulator's configuration and its validation.
//!
//! Every key is optional; [`Causal3dIdentConfig::default`] documents the
//! defaults. The experimental design (targets and conditions) a
//! configuration implies lives in module `design`; the violations in
//! module `violation`.

use citebench_core::config::{ConfigError, from_table};
use serde::{Deserialize, Serialize};

use crate::mesh::Shape;
use crate::render::{MAX_SIZE, MIN_SIZE};
use crate::violation::ViolationConfig;

/// The `[simulator.config]` table of a scenario that uses `causal3dident`.
///
/// Defaults follow temporal Causal3DIdent: the teapot alone, the CITRIS
/// noise levels, one single-target intervention per causal variable
/// (position and rotation as groups, as CITRIS's coarse variables), 64 x 64
/// images along trajectories.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Causal3dIdentConfig {
    /// Side of the square images, 8 to 224 pixels.
    pub image_size: u32,
    /// The object classes; each scene shows one, drawn uniformly. With
    /// more than one, the class is a latent (`object_class`, invariant).
    pub shapes: Vec<Shape>,
    /// Mesh tessellation: the teapot's patches are cut into `mesh_detail`^2
    /// quads (6: 2,256 triangles), other shapes get as many triangles.
    pub mesh_detail: u32,
    /// Perturbation targets: each names a latent (`pos_x`, `object_hue`, ...)
    /// or a group (`position` = x, y, z; `rotation` = the rotation angles)
    /// that its intervention replaces by uniform draws at every step.
    pub targets: Vec<String>,
    /// Combinations also simulated, as labels such as "object_hue+position".
    pub combinations: Vec<String>,
    /// Time points observed per scene (0 is before any intervention acts).
    pub time_points: u32,
    /// Scenes per condition, control included.
    pub scenes_per_condition: usize,
    /// Replicates the scenes of a condition are dealt to, round robin.
    pub replicates: u32,
    /// Standard deviation of each step's noise on positions (CITRIS: 0.1).
    pub position_noise: f64,
    /// Standard deviation of each step's noise on angles and hues (CITRIS: 0.15).
    pub angle_noise: f64,
    /// Whether the third rotation angle moves. CITRIS holds it at 0: over
    /// full ranges, three Euler angles are not identifiable from an image
    /// (different triples give the same rotation).
    pub rotation_gamma: bool,
    /// Which scenes are observed at which time points.
    pub observation_mode: ObservationMode,
    /// How the angles and hues enter the ground truth.
    pub truth_angles: TruthAngles,
    /// Assumption violations, each `{ kind = "...", strength = s }`.
    pub violations: Vec<ViolationConfig>,
    /// Worker threads: 0 = all cores, 1 = sequential; never changes the data.
    pub threads: usize,
}

impl Default for Causal3dIdentConfig {
    fn default() -> Self {
        Self {
            image_size: 64,
            shapes: vec![Shape::Teapot],
            mesh_detail: 6,
            targets: ["position", "rotation", "spot_angle", "object_hue", "spot_hue", "background_hue"]
                .map(String::from)
                .to_vec(),
            combinations: Vec::new(),
            time_points: 5,
            scenes_per_condition: 20,
            replicates: 1,
            position_noise: 0.1,
            angle_noise: 0.15,
            rotation_gamma: false,
            observation_mode: ObservationMode::Trajectories,
            truth_angles: TruthAngles::Raw,
            violations: Vec::new(),
            threads: 0,
        }
    }
}

/// Which scenes are observed at which time points. (Pseudo-bulk pooling,
/// which `latent-scm` offers, has no meaning for images.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationMode {
    /// Every scene at every time point; rows sharing a unit id form a trajectory.
    #[default]
    Trajectories,
    /// Each scene is observed once, at one time point.
    Snapshots,
}

/// How an angle or hue (a latent on the circle) is written in the ground
/// truth. Metrics treat truth columns as points on a line, so a raw angle
/// near 0 and one near 2 pi count as far apart although their images
/// match; sine and cosine put the circle where linear and kernel R² can
/// see it, as CITRIS scores its angles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TruthAngles {
    /// One column in [0, 2 pi), the latent as Causal3DIdent publishes it.
    #[default]
    Raw,
    /// Two columns, `NAME_sin` and `NAME_cos`. MCC's one-to-one matching
    /// then pairs single latents with sines and cosines of a circle the
    /// model may embed at any rotation: read R² on these data, not MCC.
    SinCos,
}

impl Causal3dIdentConfig {
    /// Reads a configuration table; unknown keys are errors naming the key.
    pub fn from_table(table: &toml::Table) -> Result<Self, ConfigError> {
        from_table(table)
    }

    /// Checks every value, with a message naming the key at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.design().map(drop)
    }

    pub(crate) fn check_values(&self) -> Result<(), ConfigError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&self.image_size) {
            return Err(invalid(format!(
                "`image_size` = {} is out of range: images are square, {MIN_SIZE} to {MAX_SIZE} pixels a side",
                self.image_size
            )));
        }
        if !(2..=32).contains(&self.mesh_detail) {
            return Err(invalid(format!("`mesh_detail` = {} must be 2 to 32", self.mesh_detail)));
        }
        if self.shapes.is_empty() {
            return Err(invalid("`shapes` is empty: a scene needs an object (teapot, horn, blob, knot)".into()));
        }
        if let Some(s) = self.shapes.iter().enumerate().find_map(|(i, s)| self.shapes[..i].contains(s).then_some(s)) {
            return Err(invalid(format!("`shapes`: `{}` is listed twice", s.name())));
        }
        for (key, value, why) in [
            ("time_points", self.time_points as usize, "every scene is observed at time point 0"),
            ("scenes_per_condition", self.scenes_per_condition, "every condition needs scenes"),
            ("replicates", self.replicates as usize, "scenes are dealt to replicates"),
        ] {
            if value == 0 {
                return Err(invalid(format!("`{key}` = 0 must be at least 1: {why}")));
            }
        }
        for (key, value) in [("position_noise", self.position_noise), ("angle_noise", self.angle_noise)] {
            if !(value >= 0.0 && (value as f32).is_finite()) {
                return Err(invalid(format!("`{key}` = {value} must be a finite number >= 0")));
            }
        }
        crate::violation::validate(&self.violations)
    }
}

pub(crate) fn invalid(message: String) -> ConfigError {
    ConfigError::invalid(message)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn parse(text: &str) -> Result<Causal3dIdentConfig, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::invalid(e.to_string()))?;
        let config = Causal3dIdentConfig::from_table(&table)?;
        config.validate().map(|()| config)
    }

    #[test]
    fn empty_table_gives_the_documented_defaults() {
        assert_eq!(parse("").unwrap(), Causal3dIdentConfig::default());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse("image_sise = 32").unwrap_err();
        assert_eq!(err.unknown_key.as_deref(), Some("image_sise"));
        assert_eq!(err.nearest_key(), Some("image_size"));
    }

    #[test]
    fn invalid_values_name_their_keys() {
        let cases = [
            ("image_size = 300", &["`image_size` = 300", "8 to 224"][..]),
            ("image_size = 4", &["`image_size` = 4"]),
            ("mesh_detail = 1", &["`mesh_detail` = 1"]),
            ("shapes = []", &["`shapes` is empty"]),
            ("shapes = [\"teapot\", \"teapot\"]", &["`teapot` is listed twice"]),
            ("shapes = [\"dragon\"]", &["dragon", "teapot", "horn", "blob", "knot"]),
            ("time_points = 0", &["`time_points` = 0"]),
            ("scenes_per_condition = 0", &["`scenes_per_condition` = 0"]),
            ("angle_noise = -1.0", &["`angle_noise` = -1"]),
            ("observation_mode = \"pseudobulk\"", &["pseudobulk", "trajectories", "snapshots"]),
            ("targets = [\"colour\"]", &["`targets`", "`colour`", "position", "object_hue"]),
            ("targets = [\"rot_gamma\"]", &["`rot_gamma`", "`rotation_gamma`"]),
            ("targets = [\"position\", \"pos_x\"]", &["`pos_x`", "`position`", "at most once"]),
            ("targets = [\"object_hue\", \"object_hue\"]", &["`object_hue`", "at most once"]),
            ("combinations = [\"position\"]", &["`combinations`", "`position`", "fewer than two"]),
        ];
        for (text, needles) in cases {
            let message = parse(text).unwrap_err().to_string();
            for needle in needles {
                assert!(message.contains(needle), "{text}: `{message}` lacks `{needle}`");
            }
        }
    }
}
