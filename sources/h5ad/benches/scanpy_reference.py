"""The reference for benches/load.rs: the same work with anndata + scanpy.

python3 scanpy_reference.py FILE REPEAT

pseudobulk: read_h5ad, normalize_total(target_sum=1e4), log1p, then the
mean of each (target, bio_rep) with scanpy.get.aggregate; cells:
read_h5ad, normalize_total, log1p, highly_variable_genes(flavor="seurat",
n_top_genes=100, subset=True), densified (what citebench hands models).
Median of REPEAT runs after one warm-up; imports are not timed.
"""

import sys
import time
import warnings

import anndata as ad
import numpy as np
import scanpy as sc

warnings.filterwarnings("ignore")
path, repeat = sys.argv[1], int(sys.argv[2])


def pseudobulk():
    a = ad.read_h5ad(path)
    sc.pp.normalize_total(a, target_sum=1e4)
    sc.pp.log1p(a)
    return sc.get.aggregate(a, by=["target", "bio_rep"], func="mean")


def cells():
    a = ad.read_h5ad(path)
    sc.pp.normalize_total(a, target_sum=1e4)
    sc.pp.log1p(a)
    sc.pp.highly_variable_genes(a, flavor="seurat", n_top_genes=100, subset=True)
    return np.asarray(a.X.toarray(), dtype=np.float32)


for name, work in [("pseudobulk", pseudobulk), ("cells", cells)]:
    runs = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        work()
        if i > 0:
            runs.append(time.perf_counter() - start)
    runs.sort()
    print(f"{name} {runs[len(runs) // 2]:.3f} s median (min {runs[0]:.3f}, max {runs[-1]:.3f}) scanpy {sc.__version__}")
