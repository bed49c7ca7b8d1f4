"""Mixing laws: predict each domain's validation loss from the mixture, fitted on small real proxy runs.

Lecture stage: domain balancing, done by experiment instead of by taste. A handful of tiny GPTs
are trained on different mixtures (:func:`run_proxy_experiments`, a run directory with one
JSONL row per run); then, per evaluated domain i, we fit the Data Mixing Laws form
L_i(r) = c_i + k_i · exp(Σ_j t_ij r_j) (Ye et al. 2024) or a RegMix-style linear regression
(Liu et al. 2024). Notable: with fewer runs than parameters the fit is ridge-regularised, and
leave-one-out error against a constant baseline says honestly whether the law predicts anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from .errors import InputError

# ---------------------------------------------------------------- the law


@dataclass
class MixingLaw:
    """A fitted law: predicted loss for each evaluated domain given mixture proportions.

    Attributes:
        kind: ``"exponential"`` (Data Mixing Laws) or ``"linear"`` (RegMix-style).
        mixture_domains: the J domains whose proportions r_j are the input.
        eval_domains: the I domains whose loss L_i is predicted.
        intercept: c_i (exponential) or a_i (linear), shape [I].
        scale: k_i, shape [I] (ones for the linear law).
        coefficients: t_ij (exponential) or b_ij (linear), shape [I, J].
    """
    kind: str
    mixture_domains: list[str]
    eval_domains: list[str]
    intercept: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray

    def predict_array(self, proportions: np.ndarray) -> np.ndarray:
        """Predicted losses [R, I] for proportions [R, J] (rows need not be normalised; they are here)."""
        proportions = np.atleast_2d(np.asarray(proportions, dtype=np.float64))
        proportions = proportions / proportions.sum(axis=1, keepdims=True)
        linear = proportions @ self.coefficients.T  # [R, I]
        if self.kind == "linear":
            return self.intercept + linear
        return self.intercept + self.scale * np.exp(linear)

    def predict(self, proportions: Mapping[str, float]) -> dict[str, float]:
        """Predicted loss per evaluated domain for one mixture given as domain -> proportion.

        Raises:
            InputError: an unknown domain, or all proportions zero.
        """
        unknown = sorted(set(proportions) - set(self.mixture_domains))
        if unknown:
            raise InputError(f"the mixing law knows no domain {', '.join(unknown)}")
        row = np.array([float(proportions.get(d, 0.0)) for d in self.mixture_domains])
        if row.sum() <= 0:
            raise InputError("all proportions are zero: the mixing law needs some data to predict from")
        return dict(zip(self.eval_domains, self.predict_array(row[None, :])[0].tolist()))

    def to_dict(self) -> dict:
        """JSON-able parameters."""
        return {"kind": self.kind, "mixture_domains": self.mixture_domains, "eval_domains": self.eval_domains,
                "intercept": self.intercept.tolist(), "scale": self.scale.tolist(),
                "coefficients": self.coefficients.tolist()}


def _as_arrays(runs: pd.DataFrame, mixture_domains: Sequence[str], eval_domains: Sequence[str]):
    missing = [f"r/{d}" for d in mixture_domains if f"r/{d}" not in runs] + \
              [f"bpb/{d}" for d in eval_domains if f"bpb/{d}" not in runs]
    if missing:
        raise InputError(f"the proxy-run table lacks columns {', '.join(missing)}")
    proportions = runs[[f"r/{d}" for d in mixture_domains]].to_numpy(dtype=np.float64)
    losses = runs[[f"bpb/{d}" for d in eval_domains]].to_numpy(dtype=np.float64)
    return proportions, losses


def _fit_exponential_one(proportions: np.ndarray, losses: np.ndarray, ridge: float, seed: int):
    """Fit c + exp(log_k + t·r) to one domain's losses [R]; returns (c, k, t[J])."""
    n_domains = proportions.shape[1]

    def residuals(theta):
        c, log_k, t = theta[0], theta[1], theta[2:]
        predicted = c + np.exp(log_k + proportions @ t)
        return np.concatenate([predicted - losses, np.sqrt(ridge) * t])

    def jacobian(theta):
        exponential = np.exp(theta[1] + proportions @ theta[2:])  # [R]
        fit_rows = np.column_stack([np.ones_like(exponential), exponential, exponential[:, None] * proportions])
        ridge_rows = np.hstack([np.zeros((n_domains, 2)), np.sqrt(ridge) * np.eye(n_domains)])
        return np.vstack([fit_rows, ridge_rows])

    # Bounds keep the law identifiable: 0 ≤ c < min(L) (an irreducible loss below every observed one)
    # and k ≤ max(L). Without them k grows, t shrinks and the ridge on t stops regularising anything.
    lower = np.concatenate([[0.0, -30.0], np.full(n_domains, -np.inf)])
    upper = np.concatenate([[max(float(losses.min()) - 1e-6, 1e-9), np.log(float(losses.max()) + 1e-9)],
                            np.full(n_domains, np.inf)])
    rng = np.random.default_rng(seed)
    best = None
    for attempt in range(3):  # a few starts: the problem is not convex
        c0 = float(losses.min()) * (0.9 - 0.3 * attempt)
        start = np.concatenate([[c0, np.log(max(float(losses.mean()) - c0, 1e-3))],
                                rng.normal(0.0, 0.1, n_domains)])
        start = np.clip(start, lower + 1e-9, upper - 1e-9)
        result = least_squares(residuals, start, jac=jacobian, bounds=(lower, upper), method="trf", max_nfev=500)
        if best is None or result.cost < best.cost:
            best = result
    theta = best.x
    return theta[0], float(np.exp(theta[1])), theta[2:]


def fit_mixing_law(runs: pd.DataFrame, mixture_domains: Sequence[str], eval_domains: Sequence[str] | None = None,
                   kind: str = "exponential", ridge: float = 0.1, seed: int = 0) -> MixingLaw:
    """Fit a mixing law on a proxy-run table (columns ``r/<domain>`` and ``bpb/<domain>``).

    Args:
        runs: one row per proxy run (see :func:`run_proxy_experiments`).
        mixture_domains: the domains whose proportions are inputs.
        eval_domains: the domains whose loss is predicted (default: the mixture domains).
        kind: ``"exponential"`` (Data Mixing Laws, Ye et al. 2024) or ``"linear"`` (RegMix-style).
        ridge: L2 penalty on the mixture coefficients (there are often fewer runs than parameters).
        seed: seeds the fit's random restarts.

    Returns:
        a :class:`MixingLaw`.

    Raises:
        InputError: fewer than 3 runs, missing columns, or an unknown kind.
    """
    mixture_domains = list(mixture_domains)
    eval_domains = list(eval_domains) if eval_domains is not None else mixture_domains
    if kind not in ("exponential", "linear"):
        raise InputError(f"unknown mixing law {kind!r}: choose 'exponential' or 'linear'")
    if len(runs) < 3:
        raise InputError(f"a mixing law needs at least 3 proxy runs, got {len(runs)}")
    proportions, losses = _as_arrays(runs, mixture_domains, eval_domains)
    proportions = proportions / proportions.sum(axis=1, keepdims=True)
    if kind == "linear":
        # ridge regression in closed form on centred data (the intercept is not penalised)
        mean_r, mean_loss = proportions.mean(axis=0), losses.mean(axis=0)
        centred_r, centred_loss = proportions - mean_r, losses - mean_loss
        gram = centred_r.T @ centred_r + ridge * np.eye(proportions.shape[1])
        coefficients = np.linalg.solve(gram, centred_r.T @ centred_loss).T  # [I, J]
        return MixingLaw("linear", mixture_domains, eval_domains, mean_loss - coefficients @ mean_r,
                         np.ones(len(eval_domains)), coefficients)
    fitted = [_fit_exponential_one(proportions, losses[:, i], ridge, seed + i) for i in range(len(eval_domains))]
    return MixingLaw("exponential", mixture_domains, eval_domains,
                     np.array([f[0] for f in fitted]), np.array([f[1] for f in fitted]),
                     np.stack([f[2] for f in fitted]))


def leave_one_out(runs: pd.DataFrame, mixture_domains: Sequence[str], eval_domains: Sequence[str] | None = None,
                  kind: str = "exponential", ridge: float = 0.1) -> pd.DataFrame:
    """Leave-one-out mean absolute error per evaluated domain: the law versus predicting the mean.

    Returns:
        a DataFrame with ``domain``, ``law_mae``, ``mean_baseline_mae`` (both in the loss unit).
    """
    eval_domains = list(eval_domains) if eval_domains is not None else list(mixture_domains)
    _, losses = _as_arrays(runs, mixture_domains, eval_domains)
    law_errors, baseline_errors = [], []
    for held in range(len(runs)):
        train_rows = runs.drop(runs.index[held])
        law = fit_mixing_law(train_rows, mixture_domains, eval_domains, kind=kind, ridge=ridge)
        proportions, _ = _as_arrays(runs.iloc[[held]], mixture_domains, eval_domains)
        law_errors.append(np.abs(law.predict_array(proportions)[0] - losses[held]))
        _, train_losses = _as_arrays(train_rows, mixture_domains, eval_domains)
        baseline_errors.append(np.abs(train_losses.mean(axis=0) - losses[held]))
    return pd.DataFrame({"domain": eval_domains, "law_mae": np.mean(law_errors, axis=0),
                         "mean_baseline_mae": np.mean(baseline_errors, axis=0)})


# ---------------------------------------------------------------- proxy runs


def proxy_mixtures(domains: Sequence[str], n_runs: int, seed: int = 0, concentration: float = 1.0) -> list[dict]:
    """Mixtures for proxy runs: the uniform mixture, then Dirichlet draws (RegMix samples mixtures this way).

    Args:
        domains: the domains to mix.
        n_runs: how many mixtures.
        seed: random seed.
        concentration: Dirichlet α (small α = more lopsided mixtures).
    """
    if n_runs < 1:
        raise InputError(f"n_runs must be ≥ 1, got {n_runs}")
    domains = list(domains)
    rng = np.random.default_rng(seed)
    mixtures = [{d: 1.0 / len(domains) for d in domains}]
    while len(mixtures) < n_runs:
        draw = rng.dirichlet(np.full(len(domains), concentration))
        mixtures.append({d: float(p) for d, p in zip(domains, draw)})
    return mixtures
