"""Reference solutions for notebook 10. Try the exercises first!"""

import numpy as np


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def discriminator_grads(x_real, x_fake, w, b):
    """L_D of D(x) = σ(x·w + b) and its gradients (loss, dw, db)."""
    a_real, a_fake = x_real @ w + b, x_fake @ w + b
    loss = np.logaddexp(0, -a_real).mean() + np.logaddexp(0, a_fake).mean()  # softplus(−a), softplus(a)
    da_real, da_fake = (_sigmoid(a_real) - 1) / len(a_real), _sigmoid(a_fake) / len(a_fake)
    return loss, x_real.T @ da_real + x_fake.T @ da_fake, da_real.sum() + da_fake.sum()


def generator_grads(z, A, c, w, b):
    """L_G = mean(−log D(G(z))) for G(z) = z A + c against D(x) = σ(x·w + b): (loss, dA, dc)."""
    fake = z @ A + c
    a = fake @ w + b
    loss = np.logaddexp(0, -a).mean()
    feedback = np.outer((_sigmoid(a) - 1) / len(a), w)  # dL/dx̃: D's gradient with respect to its input
    return loss, z.T @ feedback, feedback.sum(axis=0)


SOLUTIONS = {
    # disjoint boxes: the JSD takes its largest value, log 2 nats; W1 moves all the mass by the shift 2.5
    "10.divergences": (np.log(2), 2.5),
    # (a) L_D low, L_G high: D; (b) both at the coin's values; (c) L_D above 2 log 2, L_G below log 2: G
    "10.who_is_ahead": {"a": "D", "b": "neither", "c": "G"},
    "10.discriminator_grads": discriminator_grads,
    "10.generator_grads": generator_grads,
}
