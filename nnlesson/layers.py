"""Layers with an explicit forward and backward pass.

Every layer follows one contract:

- ``forward(x)`` (or ``layer(x)``) computes the output and keeps in ``self.cache`` exactly what
  ``backward`` will need, nothing more.
- ``backward(dout)`` takes dL/d(output), stores dL/d(parameter) of this batch in each parameter's
  ``.grad`` (overwriting, never adding) and returns dL/d(input).
- ``parameters()`` lists the learnable :class:`Parameter` objects in a fixed order;
  ``train()`` / ``eval()`` switch the behaviour of layers such as :class:`Dropout`.

Inside ``with no_grad():`` a forward keeps nothing (prediction needs no backward, so no memory for
it). ``Sequential(..., checkpoint_every=k)`` keeps only every k-th layer's input and recomputes the
rest during backward: less memory for more compute.

Shapes: a batch of inputs is a 2-D array ``(batch, features)``, one example per row, so the board's
``y = Wx + b`` for one column vector ``x`` becomes ``y = x @ W.T + b`` for a whole batch.
"""

from contextlib import contextmanager

import numpy as np

from ._util import as_rng, check_positive_int, float_array
from .activations import prelu, sigmoid

_grad_enabled = True
_NO_GRAD = "forward ran inside no_grad()"  # the cache of a layer whose forward kept nothing


@contextmanager
def no_grad():
    """Inference mode: inside ``with no_grad():`` layers keep nothing for backward.

    A forward inside it also drops what an earlier forward kept, so a later backward cannot use
    stale values: it raises a RuntimeError instead.
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def random_generators(module):
    """The random generators of ``module`` and of every layer inside it (Dropout's ``rng``)."""
    found = [module.rng] if isinstance(getattr(module, "rng", None), np.random.Generator) else []
    for layer in getattr(module, "layers", ()):
        found += random_generators(layer)
    return found


class Parameter:
    """A learnable array: ``data`` holds its value, ``grad`` the gradient dL/d(data), same shape.

    ``grad`` starts at zero; each backward overwrites it in place with the gradient of its batch.
    """

    def __init__(self, data, name=""):
        self.data = np.array(float_array(data, "Parameter"))  # a copy: the caller's array stays
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        name = self.name or "unnamed"
        return f"Parameter({name}, shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """What all layers share: calling, train/eval mode, parameter lists and input checks."""

    training = True
    cache = None  # None: no forward yet; a tuple of arrays: what the last forward kept for backward

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def backward_params(self, dout):
        """Like ``backward``, but only the parameters' gradients; returns None.

        Training never needs dL/d(input) of a model's first layer (the input is data): ``fit``
        calls this to skip that work, a third of the matrix products of a small MLP's backward.
        """
        self.backward(dout)

    def parameters(self):
        """The learnable parameters, in a fixed documented order (none for most layers)."""
        return []

    def named_parameters(self):
        """``(name, parameter)`` pairs, in the order of :meth:`parameters`."""
        return [(p.name, p) for p in self.parameters()]

    def train(self):
        """Training mode (the default): Dropout drops units. Returns the layer itself."""
        self.training = True
        return self

    def eval(self):
        """Evaluation mode: Dropout is the identity. Returns the layer itself."""
        self.training = False
        return self

    def cache_nbytes(self):
        """How many bytes this layer holds for its backward pass right now."""
        return sum(a.nbytes for a in self.cache) if isinstance(self.cache, tuple) else 0

    def __repr__(self):
        return f"{type(self).__name__}()"

    # -- shared by the layers ------------------------------------------------------------------
    def _save(self, *arrays):
        """Keep ``arrays`` for backward (nothing inside ``no_grad()``)."""
        self.cache = arrays if _grad_enabled else _NO_GRAD

    def _cached(self):
        if self.cache is None:
            raise RuntimeError(
                f"{self!r}.backward was called before forward: run forward on a batch first"
            )
        if self.cache is _NO_GRAD:
            raise RuntimeError(
                f"{self!r}.backward: the last forward ran inside no_grad(), which keeps nothing "
                f"for backward; run forward again outside no_grad() first"
            )
        return self.cache

    def _check_dout(self, dout, shape):
        dout = float_array(dout, f"{self!r}.backward")
        if dout.shape != shape:
            raise ValueError(
                f"{self!r}.backward expected dout of shape {shape} (the shape of its last output), "
                f"got shape {dout.shape}"
            )
        return dout


class Linear(Module):
    """A fully connected layer: ``y = x @ W.T + b``, the batched form of ``y = Wx + b``.

    Parameters: ``W`` of shape ``(out_features, in_features)``, one row per output neuron, and
    ``b`` of shape ``(out_features,)``; ``parameters()`` is ``[W, b]``.

    Initialisation (``init``): ``b`` starts at zero. With ``"he"`` (the default, for ReLU-family
    activations) ``W`` is drawn from N(0, 2 / in_features), which keeps the size of the signal
    roughly constant through ReLU layers. With ``"glorot"`` (for sigmoid, tanh, or no activation)
    ``W`` is uniform on [-a, a] with a = sqrt(6 / (in_features + out_features)).
    """

    def __init__(self, in_features, out_features, *, rng=None, dtype=np.float64, init="he"):
        who = f"Linear({in_features!r} -> {out_features!r})"
        self.in_features = check_positive_int(in_features, "in_features", who)
        self.out_features = check_positive_int(out_features, "out_features", who)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"{who}: dtype must be a floating-point type, got {dtype}")
        rng = as_rng(rng)
        shape = (self.out_features, self.in_features)
        if init == "he":
            W = rng.normal(0.0, np.sqrt(2.0 / self.in_features), size=shape)
        elif init == "glorot":
            a = np.sqrt(6.0 / (self.in_features + self.out_features))
            W = rng.uniform(-a, a, size=shape)
        else:
            raise ValueError(f'{who}: init must be "he" or "glorot", got {init!r}')
        self.W = Parameter(W.astype(dtype), name="W")
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype), name="b")

    def forward(self, x):
        """x: (batch, in_features) -> y: (batch, out_features). Cache: (x,)."""
        x = np.asarray(x, dtype=self.W.data.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            hint = " (for one example use x.reshape(1, -1))" if x.ndim == 1 else ""
            raise ValueError(
                f"{self!r} expected input with {self.in_features} features, of shape "
                f"(batch, {self.in_features}), got shape {x.shape}{hint}"
            )
        self._save(x)
        return x @ self.W.data.T + self.b.data

    def backward(self, dout):
        """dout: (batch, out_features) -> dx: (batch, in_features); sets W.grad and b.grad."""
        dout = self._parameter_gradients(dout)
        return dout @ self.W.data  # (batch, out) @ (out, in)

    def backward_params(self, dout):
        self._parameter_gradients(dout)

    def _parameter_gradients(self, dout):
        (x,) = self._cached()
        dout = self._check_dout(dout, (x.shape[0], self.out_features))
        # dW = dout^T x: (out, batch) @ (batch, in), the sum over the batch of dout x^T. Written
        # into the existing .grad arrays (out=...), so a training step allocates no new gradients.
        np.matmul(dout.T, x, out=self.W.grad)
        dout.sum(axis=0, out=self.b.grad)
        return dout

    def parameters(self):
        return [self.W, self.b]

    def __repr__(self):
        return f"Linear({self.in_features} -> {self.out_features})"


class Sigmoid(Module):
    """y = sigmoid(x) element-wise; dy/dx = y (1 - y), so the cache is the output y."""

    def forward(self, x):
        """x: any shape -> y: same shape. Cache: (y,)."""
        y = sigmoid(float_array(x, repr(self)))
        self._save(y)
        return y

    def backward(self, dout):
        (y,) = self._cached()
        return self._check_dout(dout, y.shape) * y * (1 - y)


class Tanh(Module):
    """y = tanh(x) element-wise; dy/dx = 1 - y^2, so the cache is the output y."""

    def forward(self, x):
        """x: any shape -> y: same shape. Cache: (y,)."""
        y = np.tanh(float_array(x, repr(self)))
        self._save(y)
        return y

    def backward(self, dout):
        (y,) = self._cached()
        return self._check_dout(dout, y.shape) * (1 - y * y)


class ReLU(Module):
    """y = max(0, x) element-wise; dy/dx is 1 where x > 0, else 0.

    The cache is the boolean mask ``x > 0``: one byte per element instead of eight.
    """

    def forward(self, x):
        """x: any shape -> y: same shape. Cache: (x > 0,)."""
        x = float_array(x, repr(self))
        positive = x > 0
        self._save(positive)
        return x * positive

    def backward(self, dout):
        (positive,) = self._cached()
        return self._check_dout(dout, positive.shape) * positive


class PReLU(Module):
    """Parametric ReLU: y = x for x > 0 and y = alpha * x for x <= 0, with a learnable alpha.

    dy/dx = 1 for x > 0 and alpha for x <= 0.  dy/dalpha = x for x <= 0 and 0 for x > 0, so
    dL/dalpha sums ``dout * x`` over every element with x <= 0 in the batch.
    ``alpha`` is a scalar :class:`Parameter` and ``parameters()`` is ``[alpha]``.
    """

    def __init__(self, alpha=0.25):
        alpha = float(alpha)
        if not np.isfinite(alpha):
            raise ValueError(f"PReLU: alpha must be a finite number, got {alpha!r}")
        self.alpha = Parameter(np.array(alpha), name="alpha")

    def forward(self, x):
        """x: any shape -> y: same shape. Cache: (x,) (dL/dalpha needs the negative inputs)."""
        x = float_array(x, repr(self))
        self._save(x)
        return prelu(x, self.alpha.data.astype(x.dtype))

    def backward(self, dout):
        (x,) = self._cached()
        dout = self._check_dout(dout, x.shape)
        negative = x <= 0
        self.alpha.grad[...] = np.sum(dout * x, where=negative)
        return np.where(negative, self.alpha.data.astype(dout.dtype) * dout, dout)

    def parameters(self):
        return [self.alpha]

    def __repr__(self):
        return f"PReLU(alpha={float(self.alpha.data):.4g})"


class Dropout(Module):
    """Inverted dropout. ``p`` is the probability of DROPPING a unit (not of keeping it).

    (cs231n's assignments use p for the keep probability; here, as in PyTorch, p is the drop
    probability.)  In training mode each element is set to 0 with probability p and the survivors
    are scaled by 1 / (1 - p), so every element keeps its expected value:
    E[y] = (1 - p) * x / (1 - p) = x.  In eval mode the layer is the identity.

    ``mask`` is the boolean array of kept units of the last training forward (None in eval mode).
    """

    def __init__(self, p=0.5, *, rng=None):
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p < 1:
            raise ValueError(
                f"Dropout: p (the drop probability) must satisfy 0 <= p < 1, got {p!r}"
            )
        self.p = float(p)
        self.rng = as_rng(rng)

    @property
    def mask(self):
        return self.cache[0] if isinstance(self.cache, tuple) and self.cache else None

    def forward(self, x):
        """x: any shape -> y: same shape. Cache: (mask,) in training mode, () in eval mode."""
        x = float_array(x, repr(self))
        if not self.training:
            self._save()
            return x
        keep = self.rng.random(x.shape) >= self.p  # True with probability 1 - p
        self._save(keep)
        return x * keep / (1 - self.p)

    def backward(self, dout):
        cache = self._cached()
        if not cache:  # eval mode: the identity
            return float_array(dout, f"{self!r}.backward")
        (keep,) = cache
        return self._check_dout(dout, keep.shape) * keep / (1 - self.p)

    def __repr__(self):
        return f"Dropout(p={self.p:g})"


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(Linear(2, 16), ReLU(), Linear(16, 2))``.

    ``parameters()`` concatenates the layers' parameters in layer order; ``model[i]`` is the i-th
    layer, ``model[a:b]`` a Sequential sharing those layers.

    Gradient checkpointing: with ``checkpoint_every=k`` the forward keeps only the input of every
    k-th layer (the start of each segment of k layers) and no layer's cache. The backward runs the
    segments last to first: it recomputes one segment's forward from its stored input,
    backpropagates through it and frees it again. Gradients are the same; the memory for backward
    drops from every layer's intermediates to the stored inputs plus one segment's, for the price
    of one extra forward.
    """

    def __init__(self, *layers, checkpoint_every=None):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: layer {i} must be a layer such as Linear or ReLU, "
                    f"got {type(layer).__name__}"
                )
            for j in range(i):
                if layers[j] is layer:
                    raise ValueError(
                        f"Sequential: layer {i} is the same object as layer {j} ({layer!r}); a "
                        f"layer keeps the cache of its last forward, so each position needs its "
                        f"own layer"
                    )
        if checkpoint_every is not None:
            check_positive_int(checkpoint_every, "checkpoint_every", "Sequential")
        self.layers = list(layers)
        self.checkpoint_every = checkpoint_every

    def forward(self, x):
        if not self.checkpoint_every:
            for layer in self.layers:
                x = layer(x)
            return x
        keep = _grad_enabled
        checkpoints = []  # (segment input, its layers' random states) for every segment
        with no_grad():
            for segment in self._segments():
                checkpoints.append((x, _states(segment)))
                for layer in segment:
                    x = layer(x)
        self.cache = checkpoints if keep else _NO_GRAD
        return x

    def backward(self, dout):
        return self._backward(dout, input_grad=True)

    def backward_params(self, dout):
        self._backward(dout, input_grad=False)

    def _backward(self, dout, input_grad):
        if not self.checkpoint_every:
            return _backward_through(self.layers, dout, input_grad)
        checkpoints = self._cached()
        after_forward = _states(self.layers)  # recomputing must not rewind the random streams
        segments = list(zip(self._segments(), checkpoints))
        for i in reversed(range(len(segments))):
            segment, (x, states) = segments[i]
            _set_states(segment, states)  # Dropout draws the same mask as in the forward
            for layer in segment:
                x = layer(x)
            dout = _backward_through(segment, dout, input_grad or i > 0)
            for layer in segment:
                layer.cache = None  # free the recomputed intermediates
        _set_states(self.layers, after_forward)
        return dout

    def _segments(self):
        k = self.checkpoint_every
        return [self.layers[i:i + k] for i in range(0, len(self.layers), k)]

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self):
        return [(f"{i}.{name}", p) for i, layer in enumerate(self.layers)
                for name, p in layer.named_parameters()]

    def train(self):
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self):
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def cache_nbytes(self, per_layer=False):
        """Bytes held for backward, in total or (``per_layer=True``) as a list, one per layer.

        With checkpointing, a stored segment input counts for the first layer of its segment.
        """
        sizes = [layer.cache_nbytes() for layer in self.layers]
        if self.checkpoint_every and isinstance(self.cache, list):
            for i, (x, _) in zip(range(0, len(self.layers), self.checkpoint_every), self.cache):
                sizes[i] += x.nbytes
        return sizes if per_layer else sum(sizes)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        if self.checkpoint_every:
            lines.append(f"  checkpoint_every={self.checkpoint_every}")
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def _backward_through(layers, dout, input_grad):
    """Backward through ``layers``, last first; the first skips dL/d(input) unless input_grad."""
    if not layers:
        return dout
    for layer in reversed(layers[1:]):
        dout = layer.backward(dout)
    if input_grad:
        return layers[0].backward(dout)
    layers[0].backward_params(dout)
    return None


def _states(layers):
    return [g.bit_generator.state for layer in layers for g in random_generators(layer)]


def _set_states(layers, states):
    generators = [g for layer in layers for g in random_generators(layer)]
    for g, state in zip(generators, states):
        g.bit_generator.state = state


from ._util import check_number  # noqa: E402  (BatchNorm's only import; move to the top later)


class BatchNorm(Module):
    """Batch normalization for ``(batch, features)`` inputs (Ioffe and Szegedy, 2015).

    Training mode: each feature j is normalised with the mean and (biased) variance of the batch,
    then scaled and shifted by the learnable ``gamma`` and ``beta``::

        mu_j = mean_i x_ij      var_j = mean_i (x_ij - mu_j)^2      (divides by N, the batch size)
        xhat_ij = (x_ij - mu_j) / sqrt(var_j + eps)
        y_ij = gamma_j * xhat_ij + beta_j

    and the running statistics move towards the batch's, with PyTorch's momentum convention::

        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * var * N / (N - 1)

    (the running variance takes the UNBIASED batch variance, dividing by N - 1; Keras's
    ``momentum`` is our ``1 - momentum``). Eval mode uses the running statistics instead of the
    batch's, so a prediction does not depend on the other examples in the batch.

    Parameters: ``gamma`` (starts at 1) and ``beta`` (starts at 0), both of shape ``(features,)``;
    ``parameters()`` is ``[gamma, beta]``. Buffers (not learned): ``running_mean`` (starts at 0)
    and ``running_var`` (starts at 1).

    Backward in training mode, the compact form. With g_ij = dL/dy_ij * gamma_j = dL/dxhat_ij and
    s = 1 / sqrt(var + eps), x_ij reaches L through xhat_ij directly and through mu_j and var_j,
    which every example of the batch shares::

        dxhat_ij/dx_kj = s_j * (delta_ik - 1/N - xhat_ij * xhat_kj / N)

    (the -1/N from mu_j; the last term from var_j, since d var_j / dx_kj = 2 (x_kj - mu_j) / N and
    d s_j / d var_j = -s_j^3 / 2). Summing g_ij times this over i gives::

        dL/dx_kj = s_j / N * (N g_kj - sum_i g_ij - xhat_kj * sum_i g_ij xhat_ij)

    It needs only ``xhat`` and ``s`` (the cache), never x - mu or var again, and no subtraction
    of two large, nearly equal numbers: stable in float32. Also dL/dgamma_j = sum_i dL/dy_ij xhat_ij
    and dL/dbeta_j = sum_i dL/dy_ij. In eval mode the statistics are constants, so
    dL/dx_kj = g_kj * s_j with s from the running variance.
    """

    def __init__(self, num_features, *, momentum=0.1, eps=1e-5, dtype=np.float64):
        who = f"BatchNorm({num_features!r})"
        self.num_features = check_positive_int(num_features, "num_features", who)
        self.momentum = check_number(momentum, "momentum", who, low=0, high=1)
        self.eps = check_number(eps, "eps", who, low=0, low_open=True)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"{who}: dtype must be a floating-point type, got {dtype}")
        self.gamma = Parameter(np.ones(self.num_features, dtype=dtype), name="gamma")
        self.beta = Parameter(np.zeros(self.num_features, dtype=dtype), name="beta")
        self.running_mean = np.zeros(self.num_features, dtype=dtype)
        self.running_var = np.ones(self.num_features, dtype=dtype)
        self.batch_statistics = None  # whether the last forward used the batch's statistics

    def forward(self, x):
        """x: (batch, features) -> y: same shape. Cache: (xhat, s) with s = 1/sqrt(var + eps)."""
        x = float_array(x, repr(self)).astype(self.gamma.data.dtype, copy=False)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            hint = " (for one example use x.reshape(1, -1))" if x.ndim == 1 else ""
            raise ValueError(
                f"{self!r} expected input with {self.num_features} features, of shape "
                f"(batch, {self.num_features}), got shape {x.shape}{hint}"
            )
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    f"{self!r} in training mode needs a batch of at least 2 examples to compute "
                    f"a mean and a variance per feature, got shape {x.shape}; call .eval() to "
                    f"normalise with the running statistics instead"
                )
            mu = x.mean(axis=0)
            centred = x - mu
            var = np.mean(centred * centred, axis=0)  # two passes: no E[x^2] - mu^2 cancellation
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mu
            self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            centred = x - self.running_mean
            var = self.running_var
        s = 1 / np.sqrt(var + self.eps)
        xhat = centred * s
        self.batch_statistics = self.training
        self._save(xhat, s)
        return self.gamma.data * xhat + self.beta.data

    def backward(self, dout):
        """dout: (batch, features) -> dx: same shape; sets gamma.grad and beta.grad."""
        xhat, s, dout = self._parameter_gradients(dout)
        g = dout * self.gamma.data  # dL/dxhat
        if not self.batch_statistics:
            return g * s
        n = xhat.shape[0]
        return (s / n) * (n * g - g.sum(axis=0) - xhat * np.sum(g * xhat, axis=0))

    def backward_params(self, dout):
        self._parameter_gradients(dout)

    def _parameter_gradients(self, dout):
        xhat, s = self._cached()
        dout = self._check_dout(dout, xhat.shape).astype(xhat.dtype, copy=False)
        np.sum(dout * xhat, axis=0, out=self.gamma.grad)
        dout.sum(axis=0, out=self.beta.grad)
        return xhat, s, dout

    def parameters(self):
        return [self.gamma, self.beta]

    def __repr__(self):
        return f"BatchNorm({self.num_features})"
