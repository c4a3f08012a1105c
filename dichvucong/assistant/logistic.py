"""L2-regularised logistic regression by Newton's method (numpy only), for the selection
models: small (tens of signals, tens of thousands of rows), so a few exact Newton steps
are enough and no machine-learning library is needed at training or run time."""

from __future__ import annotations

import numpy as np


def fit_logistic(
    features: np.ndarray, labels: np.ndarray, c: float = 1.0, intercept: bool = True, steps: int = 50
) -> tuple[np.ndarray, float]:
    """Weights and intercept minimising ``0.5 |w|^2 + c * sum(log loss)`` (the intercept is
    not penalised), the objective of scikit-learn's ``LogisticRegression(C=c)``."""
    x = np.asarray(features, dtype=float)
    y = np.asarray(labels, dtype=float)
    if intercept:
        x = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.ones(x.shape[1])
    if intercept:
        penalty[-1] = 0.0
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -60, 60)))
        gradient = penalty * w + c * x.T @ (p - y)
        hessian = np.diag(penalty + 1e-9) + c * (x.T * (p * (1 - p))) @ x
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return (w[:-1], float(w[-1])) if intercept else (w, 0.0)
