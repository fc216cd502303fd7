"""One CITE-VAE training step in PyTorch eager, for timing against citebench.

The same model as plugins/cite-vae (default hyperparameters): encoder and
decoder MLPs of width 64 with two hidden LeakyReLU(0.2) layers, a TDRL-style
transition prior with one inverse MLP per dynamic latent whose
d r_i / d z_{t,i} is pushed forward as a tangent (as the Rust code does),
target-to-latent embeddings, the alignment (moment matching) and sparsity
(group lasso) penalties, AdamW with per-parameter gradient-norm clipping.

Idiomatic for PyTorch: a batch is a dense [units, time points, features]
tensor, so pooling and predecessor pairing are slices rather than the index
lists citebench builds (citebench's batches may have gaps; these do not).

Prints one line: `steps_per_second=<float> median_ms=<float>`.
Run by `cargo run --release -p citebench-model-cite-vae --example train_step`.
"""

import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F

SLOPE = 0.2


def mlp(widths):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(torch.nn.LeakyReLU(SLOPE))
    return torch.nn.Sequential(*layers)


class Componentwise(torch.nn.Module):
    """One MLP per latent, batched: weights are [latents, d_in, d_out]."""

    def __init__(self, latents, widths):
        super().__init__()
        self.weights = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        for a, b in zip(widths[:-1], widths[1:]):
            bound = 1.0 / math.sqrt(a)
            self.weights.append(torch.nn.Parameter(torch.empty(latents, a, b).uniform_(-bound, bound)))
            self.biases.append(torch.nn.Parameter(torch.empty(latents, 1, b).uniform_(-bound, bound)))

    def forward_with_tangent(self, h, wrt):
        tangent = None
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            pre = torch.bmm(h, w) + b
            t = w[:, wrt : wrt + 1, :] if tangent is None else torch.bmm(tangent, w)
            if i < last:
                slope = torch.where(pre > 0, 1.0, SLOPE)
                tangent = t * slope
                h = F.leaky_relu(pre, SLOPE)
            else:
                return pre, t.expand_as(pre)


class CiteVae(torch.nn.Module):
    def __init__(self, features, targets, ns=2, nz=4, width=64, layers=2, tw=64, tl=2, emb=1):
        super().__init__()
        self.ns, self.nz, self.emb = ns, nz, emb
        self.encoder = mlp([features] + [width] * layers + [2 * (ns + nz)])
        self.decoder = mlp([ns + nz] + [width] * layers + [features])
        self.prior = Componentwise(nz, [emb + nz + 1] + [tw] * tl + [1])
        self.embedding = torch.nn.Parameter(torch.empty(targets, nz, emb).uniform_(-0.01, 0.01))

    def loss(self, x, multi_hot, condition, beta=2e-3, gamma=2e-2, alignment=1.0, sparsity=1e-3):
        b, t, f = x.shape
        ns, nz = self.ns, self.nz
        n = b * t
        out = self.encoder(x.reshape(n, f))
        s_mu, s_lv = out[:, :ns], out[:, ns : 2 * ns]
        z_mu, z_lv = out[:, 2 * ns : 2 * ns + nz], out[:, 2 * ns + nz :]
        us_mu = s_mu.reshape(b, t, ns).mean(1)
        us_lv = s_lv.reshape(b, t, ns).mean(1)
        s = us_mu + torch.exp(0.5 * us_lv) * torch.randn_like(us_mu)
        z = z_mu + torch.exp(0.5 * z_lv) * torch.randn_like(z_mu)
        s_rows = s.repeat_interleave(t, 0)
        recon = (self.decoder(torch.cat([s_rows, z], 1)) - x.reshape(n, f)).pow(2).sum()
        kl = lambda mu, lv: 0.5 * (mu.pow(2) + lv.exp() - lv - 1).sum()
        zb, zmb, zlb = z.reshape(b, t, nz), z_mu.reshape(b, t, nz), z_lv.reshape(b, t, nz)
        total = recon + beta * (kl(us_mu, us_lv) + kl(zmb[:, 0], zlb[:, 0]))
        # Temporal term on every (t-1, t) pair.
        cur, prev = zb[:, 1:].reshape(-1, nz), zb[:, :-1].reshape(-1, nz)
        rows = cur.shape[0]
        hot = multi_hot.reshape(b, t, -1)[:, 1:].reshape(rows, -1)
        context = (hot @ self.embedding.reshape(hot.shape[1], -1)).reshape(rows, nz, self.emb).transpose(0, 1)
        inputs = torch.cat([context, prev.unsqueeze(0).expand(nz, rows, nz), cur.t().unsqueeze(2)], 2)
        eps, deriv = self.prior.forward_with_tangent(inputs, inputs.shape[2] - 1)
        eps, log_d = eps.squeeze(2).t(), deriv.abs().clamp_min(1e-12).log().squeeze(2).t()
        log_p = (-0.5 * eps.pow(2) + log_d).sum(1) - 0.5 * nz * math.log(2 * math.pi)
        mu_c, lv_c = zmb[:, 1:].reshape(rows, nz), zlb[:, 1:].reshape(rows, nz)
        log_q = (-0.5 * ((cur - mu_c).pow(2) * torch.exp(-lv_c) + lv_c)).sum(1) - 0.5 * nz * math.log(2 * math.pi)
        total = total + gamma * (log_q - log_p).sum()
        total = total / n
        # Alignment: moment matching of s's posterior mean across conditions.
        groups, inverse, counts = torch.unique(condition, return_inverse=True, return_counts=True)
        keep = counts >= 4
        avg = torch.zeros(len(groups), n)
        avg[inverse, torch.arange(n)] = 1.0
        avg = (avg / counts.unsqueeze(1))[keep]
        w = counts[keep].float() / counts[keep].sum()
        mean_g, sq_g = avg @ s_mu, avg @ s_mu.pow(2)
        var_g = sq_g - mean_g.pow(2)
        mean, var = (mean_g * w[:, None]).sum(0), (var_g * w[:, None]).sum(0)
        gap = (mean_g - mean).pow(2) + (var_g - var).pow(2)
        total = total + alignment * (gap.sum(1) * w).sum()
        return total + sparsity * (self.embedding.pow(2).sum(2) + 1e-12).sqrt().sum()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--time-points", type=int, default=5)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--targets", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    b, t, f = args.units, args.time_points, args.features
    x = torch.randn(b, t, f)
    perturbation = torch.randint(0, args.targets + 1, (b,))  # 0 = control
    multi_hot = torch.zeros(b, t, args.targets)
    for u in range(b):
        if perturbation[u] > 0:
            multi_hot[u, :, perturbation[u] - 1] = 1.0
    condition = (perturbation[:, None] * t + torch.arange(t)[None, :]).reshape(-1)
    model = CiteVae(f, args.targets)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4, eps=1e-5)

    def step():
        optimiser.zero_grad()
        loss = model.loss(x, multi_hot.reshape(b * t, -1), condition)
        loss.backward()
        for p in model.parameters():
            torch.nn.utils.clip_grad_norm_([p], 10.0)
        optimiser.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"steps_per_second={1.0 / median:.2f} median_ms={median * 1e3:.3f}")


if __name__ == "__main__":
    main()
