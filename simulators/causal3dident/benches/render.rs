//! Frames per second of the software renderer: the teapot (2,256
//! triangles at the default `mesh_detail` 6) at 64 x 64 on one thread and
//! on every core (one renderer per thread, as the simulator renders), the
//! other shapes at 64 x 64, and the teapot at 224 x 224.
//!
//! `cargo bench -p citebench-causal3dident --bench render`; criterion
//! reports throughput in frames (elements) per second.

use std::f32::consts::TAU;
use std::hint::black_box;

use citebench_causal3dident::latents::SceneLatents;
use citebench_causal3dident::mesh::Shape;
use citebench_causal3dident::render::Renderer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Frames of a moving scene: every latent changes from frame to frame, so
/// no frame repeats the work of the last.
fn scene(i: usize) -> SceneLatents {
    let t = i as f32 * 0.037;
    SceneLatents {
        values: [
            1.8 * (0.9 * t).sin(),
            1.8 * (1.1 * t).cos(),
            1.5 * (0.7 * t).sin(),
            t % TAU,
            (1.3 * t) % TAU,
            0.0,
            (0.5 * t) % TAU,
            (0.3 * t) % TAU,
            (0.2 * t) % TAU,
            (0.1 * t) % TAU,
        ],
    }
}

fn render(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("render");
    for (shape, size) in [(Shape::Teapot, 64), (Shape::Horn, 64), (Shape::Blob, 64), (Shape::Knot, 64), (Shape::Teapot, 224)] {
        let mut renderer = Renderer::new(size, &[shape], 6).unwrap();
        let triangles = renderer.mesh(0).triangle_count();
        let mut frame = vec![0.0; renderer.image_len()];
        let mut i = 0;
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("{}_{triangles}tri_{size}px_1thread", shape.name()), |b| {
            b.iter(|| {
                i += 1;
                renderer.render(black_box(&scene(i)), 0, &mut frame);
                black_box(frame[0])
            })
        });
    }
    // Every core, each rendering its share of a batch with its own renderer.
    let renderer = Renderer::new(64, &[Shape::Teapot], 6).unwrap();
    let batch = 512 * cores;
    group.throughput(Throughput::Elements(batch as u64));
    group.bench_function(format!("teapot_{}tri_64px_{cores}threads", renderer.mesh(0).triangle_count()), |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                for thread in 0..cores {
                    let mut renderer = renderer.clone();
                    scope.spawn(move || {
                        let mut frame = vec![0.0; renderer.image_len()];
                        for i in (thread..batch).step_by(cores) {
                            renderer.render(&scene(i), 0, &mut frame);
                        }
                        black_box(frame[0])
                    });
                }
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = render
}
criterion_main!(benches);
