//! Properties of the simulator as a whole: latents stay in range, the
//! renderer is a function of the latents, each hue moves only its own
//! pixels, interventions replace a latent by uniform draws, and the data
//! do not depend on the thread count.

use std::f32::consts::TAU;

use proptest::prelude::*;

use crate::latents::{Latent, SceneLatents};
use crate::mesh::Shape;
use crate::render::Renderer;
use crate::{Causal3dIdent, Causal3dIdentConfig, ObservationMode, TruthAngles, ViolationConfig, ViolationKind};

/// A CI-sized configuration: 16 x 16 images, few scenes.
fn small() -> Causal3dIdentConfig {
    Causal3dIdentConfig {
        image_size: 16,
        mesh_detail: 3,
        scenes_per_condition: 4,
        time_points: 4,
        ..Causal3dIdentConfig::default()
    }
}

fn latents_strategy() -> impl Strategy<Value = SceneLatents> {
    let position = -2.0f32..=2.0;
    let angle = 0.0f32..TAU;
    (
        [position.clone(), position.clone(), position],
        [angle.clone(), angle.clone(), angle.clone(), angle.clone(), angle.clone(), angle.clone(), angle],
    )
        .prop_map(|(p, a)| {
            let mut s = SceneLatents::default();
            s.values[..3].copy_from_slice(&p);
            s.values[3..].copy_from_slice(&a);
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn latents_stay_in_their_ranges(
        seed in any::<u64>(),
        instantaneous in 0.0f64..=1.0,
        noise in 0.0f64..2.0,
        shapes in prop::sample::subsequence(Shape::ALL.to_vec(), 1..=4),
        gamma in any::<bool>(),
    ) {
        let config = Causal3dIdentConfig {
            image_size: 8,
            mesh_detail: 2,
            time_points: 6,
            scenes_per_condition: 3,
            shapes: shapes.clone(),
            // Large noise pushes positions against their bounds.
            position_noise: noise,
            angle_noise: noise,
            rotation_gamma: gamma,
            violations: vec![ViolationConfig { kind: ViolationKind::InstantaneousEffects, strength: instantaneous }],
            ..Causal3dIdentConfig::default()
        };
        let sim = Causal3dIdent::simulate_config(&config, seed).unwrap();
        let names = Causal3dIdent::latent_names(&config);
        let truth = &sim.truth.latents;
        prop_assert_eq!(truth.cols(), names.len());
        for i in 0..truth.rows() {
            for (j, name) in names.iter().enumerate() {
                let v = truth.get(i, j);
                if *name == "object_class" {
                    prop_assert!(v.fract() == 0.0 && (0.0..shapes.len() as f32).contains(&v), "class {}", v);
                } else {
                    let latent = Latent::ALL.into_iter().find(|l| l.name() == *name).unwrap();
                    prop_assert!(latent.contains(v), "{} = {} out of range", name, v);
                }
            }
        }
        let x = sim.dataset.observations.x();
        prop_assert!(x.as_slice().iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn the_same_latents_give_the_same_image(a in latents_strategy(), b in latents_strategy(), class in 0usize..4) {
        let mut first = Renderer::new(24, &Shape::ALL, 3).unwrap();
        let mut second = first.clone();
        let (mut one, mut two) = (vec![0.0; first.image_len()], vec![0.0; first.image_len()]);
        first.render(&a, class, &mut one);
        // The second renderer draws another scene first: no state may leak between frames.
        second.render(&b, (class + 1) % 4, &mut two);
        second.render(&a, class, &mut two);
        prop_assert_eq!(one, two);
    }

    #[test]
    fn each_hue_changes_only_its_own_pixels(s in latents_strategy(), hue in 0.0f32..TAU, class in 0usize..4) {
        let mut renderer = Renderer::new(32, &Shape::ALL, 3).unwrap();
        let len = renderer.image_len();
        let plane = len / 3;
        let (mut base, mut moved) = (vec![0.0; len], vec![0.0; len]);
        renderer.render(&s, class, &mut base);
        let object: Vec<bool> = renderer.object_mask().collect();
        for (latent, on_object) in [(Latent::ObjectHue, true), (Latent::BackgroundHue, false)] {
            let mut t = s;
            t.set(latent, hue);
            renderer.render(&t, class, &mut moved);
            let mut changed = 0;
            for i in 0..len {
                if base[i] != moved[i] {
                    prop_assert_eq!(object[i % plane], on_object, "{:?} changed pixel {}", latent, i % plane);
                    changed += 1;
                }
            }
            // A change of hue by more than a little must show wherever it may.
            let turn = (hue - s.get(latent)).rem_euclid(TAU).min((s.get(latent) - hue).rem_euclid(TAU));
            let region = object.iter().filter(|&&o| o == on_object).count();
            if turn > 0.05 && region > 0 {
                prop_assert!(changed > 0, "{:?} moved by {} but no pixel changed", latent, turn);
            }
        }
    }
}

#[test]
fn the_data_do_not_depend_on_the_thread_count() {
    let config = Causal3dIdentConfig {
        shapes: vec![Shape::Teapot, Shape::Knot],
        violations: vec![
            ViolationConfig { kind: ViolationKind::ObservationNoise, strength: 0.05 },
            ViolationConfig { kind: ViolationKind::SparseTimePoints, strength: 0.3 },
        ],
        ..small()
    };
    let one = Causal3dIdent::simulate_config(&Causal3dIdentConfig { threads: 1, ..config.clone() }, 5).unwrap();
    let many = Causal3dIdent::simulate_config(&Causal3dIdentConfig { threads: 3, ..config }, 5).unwrap();
    assert_eq!(one, many);
}

#[test]
fn violations_at_strength_zero_change_nothing() {
    let plain = Causal3dIdent::simulate_config(&small(), 9).unwrap();
    let violations = [
        ViolationKind::InstantaneousEffects,
        ViolationKind::SparseTimePoints,
        ViolationKind::ObservationNoise,
        ViolationKind::BatchEffects,
    ]
    .map(|kind| ViolationConfig { kind, strength: 0.0 })
    .to_vec();
    let zero = Causal3dIdent::simulate_config(&Causal3dIdentConfig { violations, ..small() }, 9).unwrap();
    assert_eq!(plain, zero);
}

#[test]
fn the_dataset_is_images_with_its_truth() {
    let sim = Causal3dIdent::simulate_config(&small(), 1).unwrap();
    let obs = &sim.dataset.observations;
    // 7 conditions (control and six targets) x 4 scenes x 4 time points.
    assert_eq!(obs.len(), 7 * 4 * 4);
    assert_eq!(obs.image().map(|s| (s.channels, s.height, s.width)), Some((3, 16, 16)));
    assert_eq!(sim.dataset.feature_names[16 * 16], "g_0_0");
    assert_eq!(sim.truth.latents.cols(), 9);
    // position's intervention acts on the first three columns.
    assert_eq!(sim.truth.target_latents[0], vec![0, 1, 2]);
    let snapshots = Causal3dIdentConfig { observation_mode: ObservationMode::Snapshots, ..small() };
    let sim = Causal3dIdent::simulate_config(&snapshots, 1).unwrap();
    let mut units = sim.dataset.observations.unit().to_vec();
    units.dedup();
    assert_eq!(units.len(), 7 * 4, "every scene once");
}

#[test]
fn angles_as_sines_and_cosines_are_the_same_scenes_on_the_circle() {
    let raw_config = Causal3dIdentConfig { shapes: vec![Shape::Teapot, Shape::Knot], ..small() };
    let circular_config = Causal3dIdentConfig { truth_angles: TruthAngles::SinCos, ..raw_config.clone() };
    let raw = Causal3dIdent::simulate_config(&raw_config, 4).unwrap();
    let circular = Causal3dIdent::simulate_config(&circular_config, 4).unwrap();
    assert_eq!(raw.dataset, circular.dataset, "only the truth's encoding changes");
    let (raw_names, names) = (Causal3dIdent::latent_names(&raw_config), Causal3dIdent::latent_names(&circular_config));
    assert_eq!(circular.truth.latents.cols(), names.len());
    assert_eq!(names.len(), 1 + 3 + 2 * 6, "class, positions, six angles and hues as two columns");
    for (j, name) in raw_names.iter().enumerate() {
        let latent = Latent::ALL.into_iter().find(|l| l.name() == name);
        let column = |suffix: &str| names.iter().position(|n| *n == format!("{name}{suffix}")).unwrap();
        for i in 0..raw.truth.latents.rows() {
            let v = raw.truth.latents.get(i, j);
            if latent.is_some_and(Latent::is_angle) {
                assert!((circular.truth.latents.get(i, column("_sin")) - v.sin()).abs() < 1e-6);
                assert!((circular.truth.latents.get(i, column("_cos")) - v.cos()).abs() < 1e-6);
            } else {
                assert_eq!(circular.truth.latents.get(i, column("")), v);
            }
        }
    }
    // Blocks, graph and targets follow the columns: object_hue's goal reads
    // the class, so both its columns have an edge from column 0.
    let truth = &circular.truth;
    assert_eq!(truth.blocks.len(), names.len());
    assert!(truth.graph.edges.iter().all(|e| e.from < names.len() && e.to < names.len()));
    let hue: Vec<usize> = ["object_hue_sin", "object_hue_cos"].map(|n| names.iter().position(|m| m == n).unwrap()).to_vec();
    assert!(hue.iter().all(|&to| truth.graph.edges.iter().any(|e| e.from == 0 && e.to == to)));
    let object_hue_target = raw_config.targets.iter().position(|t| t == "object_hue").unwrap();
    assert_eq!(truth.target_latents[object_hue_target], hue);
}

/// Under an intervention on the background hue its values are uniform and
/// forget the previous step; unperturbed, each step moves it by noise only.
#[test]
fn an_intervention_replaces_its_latent_by_uniform_draws() {
    let config = Causal3dIdentConfig {
        image_size: 8,
        mesh_detail: 2,
        targets: vec!["background_hue".into()],
        scenes_per_condition: 400,
        time_points: 3,
        ..Causal3dIdentConfig::default()
    };
    let sim = Causal3dIdent::simulate_config(&config, 3).unwrap();
    let obs = &sim.dataset.observations;
    let column = Causal3dIdent::latent_names(&config).iter().position(|n| n == "background_hue").unwrap();
    let hue = |i: usize| sim.truth.latents.get(i, column);
    let mut steps = [Vec::new(), Vec::new()];
    let mut quarters = [0usize; 4];
    for i in 1..obs.len() {
        if obs.unit()[i] != obs.unit()[i - 1] {
            continue;
        }
        let perturbed = !obs.perturbation_of(i).is_control();
        let turn = (hue(i) - hue(i - 1) + std::f32::consts::PI).rem_euclid(TAU) - std::f32::consts::PI;
        steps[usize::from(perturbed)].push(turn.abs());
        if perturbed {
            quarters[(hue(i) / TAU * 4.0) as usize] += 1;
        }
    }
    // Control: every step is noise of sd 0.15 (|turn| < 5 sd).
    assert!(steps[0].iter().all(|&t| t < 0.75), "{:?}", steps[0].iter().cloned().fold(0.0, f32::max));
    // Intervened: 800 uniform draws, about 200 per quarter (sd 12), and
    // steps as large as a uniform angle gives (mean |turn| = pi / 2).
    assert!(quarters.iter().all(|&q| (140..260).contains(&q)), "{quarters:?}");
    let mean = steps[1].iter().sum::<f32>() / steps[1].len() as f32;
    assert!((mean - std::f32::consts::FRAC_PI_2).abs() < 0.15, "{mean}");
}
