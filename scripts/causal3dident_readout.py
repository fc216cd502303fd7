"""How much of each Causal-3DIdent latent a linear read-out of the pixels
carries: 5-fold cross-validated R² of a linear regression on the first 9
and 50 principal components, and for angles and hues also of their sine and
cosine (which do not wrap). A diagnostic for README's Causal-3DIdent
results, not a test.

    target/release/citebench simulate scenarios/causal3dident.toml --out /tmp/c3d.h5ad
    python3 scripts/causal3dident_readout.py /tmp/c3d.h5ad
"""

import sys

import anndata
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score

NAMES = ["pos_x", "pos_y", "pos_z", "rot_alpha", "rot_beta", "spot_angle", "object_hue", "spot_hue", "background_hue"]


def r2(features, target):
    return cross_val_score(LinearRegression(), features, target, cv=5, scoring="r2").mean()


def main(path):
    data = anndata.read_h5ad(path)
    x, latents = np.asarray(data.X), data.obsm["latents"]
    if latents.shape[1] != len(NAMES):
        sys.exit(f"{path}: expected the {len(NAMES)} latents of a one-shape scenario, found {latents.shape[1]}")
    pcs9, pcs50 = PCA(9).fit_transform(x), PCA(50).fit_transform(x)
    print("latent          R2(9 PCs)  R2(50 PCs)  R2(sin)  R2(cos)")
    for j, name in enumerate(NAMES):
        y = latents[:, j]
        row = f"{name:<15} {r2(pcs9, y):9.3f}  {r2(pcs50, y):10.3f}"
        if j >= 3:
            row += f"  {r2(pcs50, np.sin(y)):7.3f}  {r2(pcs50, np.cos(y)):7.3f}"
        print(row)


if __name__ == "__main__":
    main(sys.argv[1])
