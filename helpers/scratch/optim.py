"""Adam, the optimiser GANs (and most networks since 2015) are trained with, for the layers of ``layers.py``.

Taught in ``notebooks/04_backprop.ipynb``, which shows exactly this code (``tests/test_nb04_backprop.py`` fails if
the notebook and this file drift apart); notebook 10 imports it. It follows ``layers.SGD``: give it layers
(anything with ``params`` and ``grads``), run a backward pass, call ``step()``.
"""

import numpy as np

__all__ = ["Adam"]


class Adam:
    """Adam (Kingma & Ba 2015) in PyTorch's formulation. For every parameter p with gradient g, at step t:

        m <- β1 m + (1 − β1) g          a running average of the gradient (its direction)
        v <- β2 v + (1 − β2) g²         a running average of its square (its typical size)
        p <- p − lr · m̂ / (√v̂ + eps)    with m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)

    Dividing by √v̂ takes out the size of the gradients: a step is up to about lr per parameter (about lr while
    its gradient keeps one sign, less when the signs flip and cancel in m);
    m and v start at 0, and the factors 1 / (1 − β^t) undo that start's pull towards 0 in the first steps.
    layers: one layer, a Sequential, or a list of them. ``lr`` may be changed between steps (a schedule).
    """

    def __init__(self, layers, lr, betas=(0.9, 0.999), eps=1e-8):
        self.layers = list(layers) if isinstance(layers, (list, tuple)) else [layers]
        for layer in self.layers:
            if not (hasattr(layer, "params") and hasattr(layer, "grads")):
                raise ValueError(f"Adam expects layers with params and grads, got {type(layer).__name__}")
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"Adam expects a learning rate lr > 0, got {lr!r}")
        if not (len(betas) == 2 and all(isinstance(b, (int, float)) and 0 <= b < 1 for b in betas)):
            raise ValueError(f"Adam expects betas = (β1, β2), each in [0, 1), got {betas!r}")
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.t = 0
        self.m = [np.zeros_like(p) for p, _ in self._pairs()]
        self.v = [np.zeros_like(p) for p, _ in self._pairs()]

    def _pairs(self):
        return [(layer.params[k], layer.grads[k]) for layer in self.layers for k in layer.params]

    def step(self):
        """Update every parameter once from the gradients the last backward pass left in ``grads``."""
        self.t += 1
        correction1, correction2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        for (p, g), m, v in zip(self._pairs(), self.m, self.v, strict=True):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= self.lr * (m / correction1) / (np.sqrt(v / correction2) + self.eps)
