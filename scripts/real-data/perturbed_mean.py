"""The "mean of perturbed training cells" baseline on papalexi2021.toml's
split, quoted in README (Real data): prepared as the scenario prepares the
cells (SPI1 dropped, normalize_total 1e4, log1p, 100 Seurat HVGs), then
for each held-out target the Pearson-delta and the MSE of predicting the
mean of every perturbed training cell. Not a plugin yet.

    python3 scripts/real-data/perturbed_mean.py
"""

from pathlib import Path

import anndata as ad
import numpy as np
import scanpy as sc

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
HELD_OUT = ["IFNGR2", "JAK2", "IRF7", "CUL3", "SMAD4"]

a = ad.read_h5ad(DATA / "papalexi2021_thp1_eccite_sceptredata.h5ad")
a = a[a.obs.target != "SPI1"].copy()
sc.pp.normalize_total(a, target_sum=1e4)
sc.pp.log1p(a)
sc.pp.highly_variable_genes(a, flavor="seurat", n_top_genes=100, subset=True)
x, target = a.X.toarray().astype(np.float64), a.obs.target.astype(str).to_numpy()
control = x[target == "non-targeting"].mean(0)
perturbed = x[(target != "non-targeting") & ~np.isin(target, HELD_OUT)].mean(0)
pd, mse = [], []
for t in HELD_OUT:
    truth = x[target == t].mean(0)
    pd.append(np.corrcoef(perturbed - control, truth - control)[0, 1])
    mse.append(((perturbed - truth) ** 2).mean())
    print(f"{t}: pearson_delta {pd[-1]:.3f}, ood_mse {mse[-1]:.4f} (control mean: {((control - truth) ** 2).mean():.4f})")
print(f"mean over held-out targets: pearson_delta {np.mean(pd):.3f}, ood_mse {np.mean(mse):.4f}")
