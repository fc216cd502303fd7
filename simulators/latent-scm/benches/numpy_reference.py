#!/usr/bin/env python3
"""Vectorised NumPy implementation of the generator `benches/simulate.rs` times.

The same model as latent-scm with the benchmark's configuration: snapshots
of cells whose 12 dynamic latents follow z_t = LReLU(eps + LReLU(z_{t-1} W))
+ shift (mechanism-shift perturbations, 2 latents per target), 4 invariant
latents, a linear mixing A to 2,000 genes, Gaussian noise on the log
expression, then scVI-style rates (softmax with per-gene baselines times a
log-normal library size) and negative-binomial counts. Cells are processed
in row chunks so memory stays near the size of the output, as in the Rust
implementation. Random streams differ from citebench's (NumPy's PCG64), so
the data agree in law, not bit for bit.

Run by the Rust bench; alone: python3 numpy_reference.py --cells 200000
"""

import argparse
import resource
import time

import numpy as np

TIME_POINTS, INVARIANT, DYNAMIC, GENES = 8, 4, 12, 2000
PER_TARGET, EFFECT, TRANSITION_NOISE, OBSERVATION_NOISE = 2, 2.0, 0.1, 0.05
REPLICATES, LIBRARY, LIBRARY_SD, BASELINE_SD, THETA = 2, 5000.0, 0.3, 1.0, 5.0
CHUNK = 8192


def lrelu(x):
    return np.where(x >= 0, x, np.float32(0.2) * x)


def gemm_rate(rng):
    n = 2048
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    best = min(timed(lambda: a @ b) for _ in range(3))
    return 2 * n**3 / best / 1e9


def timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=200_000)
    parser.add_argument("--conditions", type=int, default=25)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    n, latents, conditions = DYNAMIC, INVARIANT + DYNAMIC, args.conditions
    per_condition = args.cells // conditions
    cells = per_condition * conditions
    times = dict(dynamics=0.0, mixing=0.0, noise=0.0, counts=0.0)
    start = time.perf_counter()

    # Mechanisms.
    w = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    w /= np.linalg.norm(w, axis=0)
    shifts = np.zeros((conditions, n), dtype=np.float32)
    for c in range(1, conditions):
        chosen = rng.choice(n, PER_TARGET, replace=False)
        signs = rng.choice([-1.0, 1.0], PER_TARGET)
        shifts[c, chosen] = signs * EFFECT * rng.uniform(0.5, 1.5, PER_TARGET)
    mixing = (rng.standard_normal((GENES, latents)) / np.sqrt(latents)).astype(np.float32)
    baseline = (BASELINE_SD * rng.standard_normal(GENES)).astype(np.float32)

    # Population: snapshot times dealt as in citebench (replicates, then time points).
    t0 = time.perf_counter()
    condition = np.repeat(np.arange(conditions), per_condition)
    k = np.tile(np.arange(per_condition), conditions)
    sample_time = (k // REPLICATES) % TIME_POINTS
    v = np.empty((cells, latents), dtype=np.float32)
    v[:, :INVARIANT] = rng.standard_normal((cells, INVARIANT), dtype=np.float32)
    z = rng.standard_normal((cells, n), dtype=np.float32)
    alive = np.arange(cells)
    for step in range(TIME_POINTS):
        if step > 0:
            eps = TRANSITION_NOISE * rng.standard_normal((alive.size, n), dtype=np.float32)
            z = lrelu(eps + lrelu(z @ w)) + shifts[condition[alive]]
        seen = sample_time[alive] == step
        v[alive[seen], INVARIANT:] = z[seen]
        keep = ~seen
        alive, z = alive[keep], z[keep]
    times["dynamics"] = time.perf_counter() - t0

    # Readout in chunks, straight into the output.
    x = np.empty((cells, GENES), dtype=np.float32)
    for lo in range(0, cells, CHUNK):
        hi = min(lo + CHUNK, cells)
        t0 = time.perf_counter()
        h = v[lo:hi] @ mixing.T
        t1 = time.perf_counter()
        h += OBSERVATION_NOISE * rng.standard_normal(h.shape, dtype=np.float32)
        t2 = time.perf_counter()
        h += baseline
        h -= h.max(axis=1, keepdims=True)
        np.exp(h, out=h)
        h /= h.sum(axis=1, keepdims=True)
        library = np.exp(np.log(LIBRARY) + LIBRARY_SD * rng.standard_normal(hi - lo)).astype(np.float32)
        mu = h * library[:, None]
        x[lo:hi] = rng.negative_binomial(THETA, THETA / (THETA + mu))
        t3 = time.perf_counter()
        times["mixing"] += t1 - t0
        times["noise"] += t2 - t1
        times["counts"] += t3 - t2
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    output = x.nbytes + v.nbytes
    flops = 2.0 * cells * latents * GENES
    gemm = gemm_rate(rng)
    print(f"NumPy {np.__version__} reference: {cells} cells x {GENES} genes")
    print(f"  end to end           {total:8.2f} s")
    print(f"  dynamics             {times['dynamics']:8.2f} s")
    print(f"  mixing               {times['mixing']:8.2f} s  = {flops / times['mixing'] / 1e9:.1f} GFLOP/s (all BLAS threads)")
    print(f"  counts               {times['counts']:8.2f} s")
    print(f"  noise                {times['noise']:8.2f} s")
    print(f"  NumPy GEMM rate      {gemm:8.1f} GFLOP/s (float32 2048^3, all BLAS threads)")
    print(f"  peak memory          {peak / 1e9:8.2f} GB = {peak / output:.2f} x the output ({output / 1e9:.2f} GB)")
    print(f"  mean count           {x.mean():8.3f} (per cell {x.sum(axis=1).mean():.0f})")


if __name__ == "__main__":
    main()
