//! `instantaneous_effects`: same-step edges among dynamic latents, which
//! temporal identifiability results (TDRL, LEAP) assume away.
//!
//! A causal order of the dynamic latents is drawn, and each pair (j before
//! i) gets an edge with probability 1/2, with weight
//! B[j, i] = strength * random sign * U(0.5, 1.5) / sqrt(parents of i),
//! the scaling keeping a latent's same-step input of order `strength`
//! however many parents it has. The order and the edges do not depend on
//! the strength, so a sweep scales one graph. The structural assignment
//! (module `assignment`) solves in that order; the edges appear in the
//! ground-truth graph with lag 0. At strength 0 no edge is kept.

use rand::RngExt;
use rand::seq::SliceRandom;

use crate::assignment::Contemporaneous;
use crate::scm::Mechanisms;
use crate::stream::{Draw, Streams};

pub(super) fn adjust(strength: f64, streams: &Streams, m: &mut Mechanisms) {
    let n = m.transition.n;
    let mut rng = streams.mechanism(Draw::Instantaneous);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let mut parents = vec![Vec::new(); n];
    for (position, &i) in order.iter().enumerate() {
        let drawn: Vec<(usize, f32)> = order[..position]
            .iter()
            .filter_map(|&j| {
                let keep = rng.random_bool(0.5);
                let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                let size = rng.random_range(0.5f32..1.5);
                keep.then_some((j, sign * size))
            })
            .collect();
        let scale = strength as f32 / (drawn.len().max(1) as f32).sqrt();
        parents[i] = drawn.into_iter().map(|(j, w)| (j, scale * w)).filter(|(_, w)| *w != 0.0).collect();
    }
    m.contemporaneous = Contemporaneous { order, parents };
}
