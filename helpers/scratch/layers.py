"""From-scratch NumPy layers with hand-written backward passes (the tiny scalar autograd engine is engine.py).

Taught in ``notebooks/04_backprop.ipynb``, which shows exactly this code (``tests/test_nb04_backprop.py``
fails if the notebook and this file drift apart); later notebooks (05 CNN, 06 ResNet) import it.

The layer protocol, which every layer here follows (and new layers should too)::

    Y = layer.forward(X)      # compute the output; cache what the backward pass will need
    dX = layer.backward(dY)   # dY = dL/dY in, dL/dX out; also fills layer.grads (dL/d each param)
    layer.params, layer.grads # dicts name -> array with the same keys ({} for parameter-free layers)

    net = Sequential(Linear(784, 256, rng), ReLU(), Linear(256, 10, rng))
    loss, dlogits = softmax_cross_entropy(net.forward(X), y)
    net.backward(dlogits)
    SGD(net, lr=0.1, momentum=0.9).step()

Functional forms (``linear_backward(dY, X, W) -> (dX, dW, db)``, ``relu_backward``, ...) hold the math;
the classes call them. Every public function and class checks its inputs and raises a ``ValueError``
that says what it expected.
"""

import numpy as np

from helpers.scratch.engine import Value  # the scalar engine has its own file; layers re-exports it

__all__ = ["Value", "linear_forward", "linear_backward", "relu", "relu_backward", "sigmoid", "sigmoid_backward",
           "tanh", "tanh_backward", "log_softmax", "softmax", "softmax_cross_entropy", "Linear", "ReLU", "Sigmoid",
           "Tanh", "Flatten", "Sequential", "SGD", "check_float_input", "check_dY"]


# --------------------------------------------------------------------------------------------
# Input checks: fail early, with a message that says what was expected.
# --------------------------------------------------------------------------------------------

def check_float_input(X, where, what="X"):
    """Raise ValueError unless ``X`` is a float32/float64 NumPy array; return it."""
    if not isinstance(X, np.ndarray):
        raise ValueError(f"{where} expects {what} as a NumPy array, got {type(X).__name__}")
    if X.dtype not in (np.float32, np.float64):
        raise ValueError(f"{where} expects {what} as float32 or float64, got {X.dtype}: convert it first, "
                         f"e.g. {what}.astype(np.float32) (and scale images to [0, 1])")
    return X


def check_dY(dY, cache, where, out_features=None):
    """Raise ValueError unless forward ran (``cache`` is set) and ``dY`` has the forward output's shape:
    the cache's shape, or (N, out_features) for a layer that changes the width."""
    if cache is None:
        raise ValueError(f"{where} called before forward: forward caches what backward needs")
    shape = cache.shape if out_features is None else (len(cache), out_features)
    check_float_input(dY, where, "dY")
    if dY.shape != shape:
        raise ValueError(f"{where} expects dY of shape {shape} (the shape forward returned), got {dY.shape}")


# --------------------------------------------------------------------------------------------
# The math: forward and backward of each layer as plain functions.
# --------------------------------------------------------------------------------------------

def linear_forward(X, W, b):
    """Y = X W + b.   X: (N, D_in), W: (D_in, D_out), b: (D_out,)  ->  Y: (N, D_out)."""
    return X @ W + b


def linear_backward(dY, X, W):
    """Backward of Y = X W + b.   dY: (N, D_out)  ->  dX: (N, D_in), dW: (D_in, D_out), db: (D_out,)."""
    dX = dY @ W.T  # each input x_i reaches every output y_j through W[i, j]
    dW = X.T @ dY  # a sum over the batch: every example adds its outer product x_n^T dy_n
    db = dY.sum(axis=0)  # b is added to every row, so its gradient sums the rows
    return dX, dW, db


def relu(X):
    """ReLU(x) = max(x, 0), elementwise; any shape."""
    return np.maximum(X, 0)


def relu_backward(dY, X):
    """dL/dX = dL/dY where the input was positive, else 0 (we take the slope at x = 0 to be 0)."""
    return dY * (X > 0)


def sigmoid(X):
    """σ(x) = 1 / (1 + e^-x), elementwise, computed as (1 + tanh(x / 2)) / 2: the same function (multiply the
    fraction by e^(x/2) / e^(x/2)), but tanh never overflows, and it is one fast NumPy call."""
    return 0.5 * (1 + np.tanh(0.5 * X))


def sigmoid_backward(dY, Y):
    """dL/dX = dL/dY · σ(x)(1 − σ(x)), computed from the forward OUTPUT Y = σ(X)."""
    return dY * Y * (1 - Y)


def tanh(X):
    """tanh(x), elementwise; any shape."""
    return np.tanh(X)


def tanh_backward(dY, Y):
    """dL/dX = dL/dY · (1 − tanh(x)²), computed from the forward OUTPUT Y = tanh(X)."""
    return dY * (1 - Y**2)


def log_softmax(Z):
    """log softmax(Z) along the last axis, stably.   Z: (N, K) logits  ->  (N, K) log-probabilities."""
    Z = Z - Z.max(axis=-1, keepdims=True)  # softmax(z - c) = softmax(z), and now exp(z) <= 1: no overflow
    return Z - np.log(np.exp(Z).sum(axis=-1, keepdims=True))


def softmax(Z):
    """softmax(Z) along the last axis: positive, each row sums to 1.   Z: (N, K)  ->  (N, K)."""
    return np.exp(log_softmax(Z))


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    logits: (N, K) floats; y: (N,) integer class labels in [0, K).
    Returns ``(loss, dlogits)``: loss = -mean_n log p[n, y_n] (a float) and dlogits = (p - onehot(y)) / N.
    """
    check_float_input(logits, "softmax_cross_entropy", "logits")
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy expects logits of shape (N, K), got {logits.shape}")
    N, K = logits.shape
    y = np.asarray(y)
    if y.shape != (N,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"softmax_cross_entropy expects y as ({N},) integer labels, got {y.dtype} {y.shape}")
    if N and (y.min() < 0 or y.max() >= K):
        raise ValueError(f"softmax_cross_entropy: labels must lie in [0, {K - 1}], got {y.min()}..{y.max()}")
    rows = np.arange(N)
    logp = log_softmax(logits)
    loss = -logp[rows, y].mean()
    dlogits = np.exp(logp)  # the probabilities p
    dlogits[rows, y] -= 1  # p - onehot(y): the famous "prediction minus truth"
    return float(loss), dlogits / N


# --------------------------------------------------------------------------------------------
# Layers: objects that hold parameters and remember their inputs between forward and backward.
# --------------------------------------------------------------------------------------------

class Linear:
    """A fully connected layer: Y = X W + b with X: (N, in_features) -> Y: (N, out_features).

    params: ``"W"`` (in_features, out_features) and ``"b"`` (out_features,).
    PyTorch's ``nn.Linear`` stores its weight as (out, in) and computes ``X @ weight.T + bias``,
    so copying ours into it is ``lin.weight = W.T`` (note the transpose) and ``lin.bias = b``.

    Init (He/Kaiming uniform, He et al. 2015): W ~ U(-sqrt(6 / in), +sqrt(6 / in)), b = 0. That
    uniform has variance 2 / in_features, which keeps the size of ReLU activations about the same
    from layer to layer (ReLU zeroes half its inputs, the factor 2 makes up for it).
    """

    def __init__(self, in_features, out_features, rng, dtype=np.float64):
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear expects {name} as a positive int, got {n!r}")
        if not isinstance(rng, np.random.Generator):
            raise ValueError("Linear expects rng = np.random.default_rng(seed) (or seed_everything(seed)), "
                             f"got {type(rng).__name__}")
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"Linear expects dtype np.float32 or np.float64, got {dtype}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        bound = np.sqrt(6.0 / in_features)
        W = rng.uniform(-bound, bound, size=(in_features, out_features))
        self.params = {"W": W.astype(dtype), "b": np.zeros(out_features, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.X = None  # the input, cached by forward for backward

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"

    def forward(self, X):
        where = f"{self!r}.forward"
        check_float_input(X, where)
        if X.ndim != 2 or X.shape[1] != self.in_features:
            hint = ": flatten images first" if X.ndim > 2 and np.prod(X.shape[1:]) == self.in_features else ""
            raise ValueError(f"{where} expects X of shape (N, {self.in_features}), got {X.shape}{hint}")
        if X.dtype != self.params["W"].dtype:
            raise ValueError(f"{where}: X is {X.dtype} but the weights are {self.params['W'].dtype}; "
                             f"use X.astype(np.{self.params['W'].dtype}) (or build the layer with that dtype)")
        self.X = X
        return linear_forward(X, self.params["W"], self.params["b"])

    def backward(self, dY):
        check_dY(dY, self.X, f"{self!r}.backward", out_features=self.out_features)
        dX, self.grads["W"], self.grads["b"] = linear_backward(dY, self.X, self.params["W"])
        return dX


class ReLU:
    """Elementwise max(x, 0), any shape. Backward needs the sign of the input, so forward caches X."""

    def __init__(self):
        self.params, self.grads = {}, {}  # nothing to learn
        self.X = None

    def __repr__(self):
        return "ReLU()"

    def forward(self, X):
        self.X = check_float_input(X, "ReLU().forward")
        return relu(X)

    def backward(self, dY):
        check_dY(dY, self.X, "ReLU().backward")
        return relu_backward(dY, self.X)


class Sigmoid:
    """Elementwise σ(x), any shape. Backward only needs the output (σ' = σ(1 − σ)), so forward caches Y."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.Y = None

    def __repr__(self):
        return "Sigmoid()"

    def forward(self, X):
        self.Y = sigmoid(check_float_input(X, "Sigmoid().forward"))
        return self.Y

    def backward(self, dY):
        check_dY(dY, self.Y, "Sigmoid().backward")
        return sigmoid_backward(dY, self.Y)


class Tanh:
    """Elementwise tanh(x), any shape. Backward only needs the output (tanh' = 1 − tanh²)."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.Y = None

    def __repr__(self):
        return "Tanh()"

    def forward(self, X):
        self.Y = tanh(check_float_input(X, "Tanh().forward"))
        return self.Y

    def backward(self, dY):
        check_dY(dY, self.Y, "Tanh().backward")
        return tanh_backward(dY, self.Y)


class Flatten:
    """(N, d1, d2, ...) -> (N, d1·d2·...): images into vectors for a Linear layer. Backward un-flattens."""

    def __init__(self):
        self.params, self.grads = {}, {}
        self.X_shape, self.Y = None, None

    def __repr__(self):
        return "Flatten()"

    def forward(self, X):
        check_float_input(X, "Flatten().forward")
        if X.ndim < 2:
            raise ValueError(f"Flatten().forward expects a batch (N, ...) with 2+ dimensions, got {X.shape}")
        self.X_shape = X.shape
        self.Y = X.reshape(len(X), -1)  # a view of X: no copy
        return self.Y

    def backward(self, dY):
        check_dY(dY, self.Y, "Flatten().backward")
        return dY.reshape(self.X_shape)


class Sequential:
    """Layers applied one after another; backward runs them in reverse (the chain rule, layer by layer).

    ``params``/``grads`` collect the layers' dicts under keys like ``"0.W"`` (layer index, name), as
    PyTorch names them, so a Sequential can itself be a layer inside another Sequential.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            missing = [a for a in ("forward", "backward", "params", "grads") if not hasattr(layer, a)]
            if missing:
                raise ValueError(f"Sequential: layer {i} ({type(layer).__name__}) lacks {missing}; a layer "
                                 f"needs forward(X), backward(dY), params and grads")
        self.layers = list(layers)

    def __repr__(self):
        return "Sequential(" + ", ".join(repr(layer) for layer in self.layers) + ")"

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY):
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    @property
    def params(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def parameters(self):
        """Yield ``(param, grad)`` pairs, in layer order."""
        params, grads = self.params, self.grads
        for k in params:
            yield params[k], grads[k]


class SGD:
    """Minibatch stochastic gradient descent, optionally with momentum (PyTorch's formulation).

        v <- momentum * v + grad      (v starts at 0, so plain SGD when momentum = 0)
        param <- param - lr * v       (in place, so every view of the parameter sees the update)

    layers: one layer, a Sequential, or a list of layers (anything with ``params`` and ``grads``).
    """

    def __init__(self, layers, lr, momentum=0.0):
        self.layers = list(layers) if isinstance(layers, (list, tuple)) else [layers]
        for layer in self.layers:
            if not (hasattr(layer, "params") and hasattr(layer, "grads")):
                raise ValueError(f"SGD expects layers with params and grads, got {type(layer).__name__}")
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"SGD expects a learning rate lr > 0, got {lr!r}")
        if not (isinstance(momentum, (int, float)) and 0 <= momentum < 1):
            raise ValueError(f"SGD expects 0 <= momentum < 1, got {momentum!r}")
        self.lr, self.momentum = lr, momentum
        self.velocity = [np.zeros_like(p) for p, _ in self._pairs()]

    def _pairs(self):
        return [(layer.params[k], layer.grads[k]) for layer in self.layers for k in layer.params]

    def step(self):
        """Update every parameter once from the gradients the last backward pass left in ``grads``."""
        for (p, g), v in zip(self._pairs(), self.velocity, strict=True):
            v *= self.momentum
            v += g
            p -= self.lr * v
