"""Layers with an explicit forward and backward pass.

Every layer follows one contract:

- ``forward(x)`` (or ``layer(x)``) computes the output and keeps in ``self.cache`` exactly what
  ``backward`` will need, nothing more. Changing an input or an output in place afterwards cannot
  change the gradients: a kept input is the layer's own copy, a kept output is read-only (changing
  it raises).
- ``backward(dout)`` takes dL/d(output), sets each parameter's ``.grad`` to a new array holding
  dL/d(parameter) of this batch (replacing, never adding) and returns dL/d(input).
- ``parameters()`` lists the learnable :class:`Parameter` objects in a fixed order;
  ``train()`` / ``eval()`` switch the behaviour of layers such as :class:`Dropout`.
- Outputs and gradients keep the dtype of the layer (a float32 model stays float32).

Inside ``with no_grad():`` a forward keeps nothing (prediction needs no backward, so no memory for
it). ``Sequential(..., checkpoint_every=k)`` keeps only every k-th layer's input and recomputes the
rest during backward (see ``checkpoint.py``): less memory for more compute.

Shapes: a batch of inputs is a 2-D array ``(batch, features)``, one example per row, so the board's
``y = Wx + b`` for one column vector ``x`` becomes ``y = x @ W.T + b`` for a whole batch.
"""

import numpy as np

from . import checkpoint
from ._util import (
    as_rng,
    check_number,
    check_positive_int,
    float_array,
    grad_enabled,
    no_grad,
    private,
)
from .activations import prelu, sigmoid

__all__ = ["Parameter", "Module", "Linear", "Sigmoid", "Tanh", "ReLU", "PReLU", "Dropout",
           "Sequential", "BatchNorm", "LayerNorm", "no_grad"]


class _NoGrad:
    """The cache of a layer whose forward ran inside ``no_grad()`` and kept nothing."""

    def __repr__(self):
        return "<forward ran inside no_grad()>"

    def __reduce__(self):  # a pickled or deep-copied model gets this same object back
        return "_NO_GRAD"


_NO_GRAD = _NoGrad()


def _float_dtype(dtype, who):
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"{who}: dtype must be a floating-point type, got {dtype}")
    return dtype


class Parameter:
    """A learnable array: ``data`` holds its value, ``grad`` the gradient dL/d(data), same shape.

    ``grad`` starts at zero; each backward replaces it with a new array, the gradient of its batch
    (so a gradient kept from an earlier batch stays as it was).
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
    """What all layers share: calling, the walk over the modules inside, parameters, train/eval.

    A module finds the modules it holds by itself: every attribute that is a :class:`Module`, or
    a list, tuple or dict of them, is a child (``children()``), and every attribute that is a
    :class:`Parameter` (or a list, tuple or dict of them) is a parameter of its own. So a model of
    your own needs no extra code::

        class TwoLayers(Module):
            def __init__(self, rng):
                self.hidden = Linear(2, 8, rng=rng)
                self.act = ReLU()
                self.out = Linear(8, 2, rng=rng)

    has ``parameters()`` ``[hidden.W, hidden.b, out.W, out.b]``, ``train()``/``eval()`` reach its
    layers, and it works with ``fit``, ``gradcheck`` and checkpointing like a ``Sequential``.
    """

    training = True
    cache = None  # None: no forward yet; a tuple of arrays: what the last forward kept for backward
    buffer_names = ()  # attributes holding arrays that are state but not learned (BatchNorm's)

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def parameters(self):
        """The learnable parameters, in the fixed order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def train(self):
        """Training mode (the default) for this module and all inside it: Dropout drops units.
        Returns the module itself."""
        for m in self.modules():
            m.training = True
        return self

    def eval(self):
        """Evaluation mode for this module and all inside it: Dropout is the identity, BatchNorm
        uses its running statistics. Returns the module itself."""
        for m in self.modules():
            m.training = False
        return self

    # -- plumbing: what the methods above and the tools (fit, gradcheck) rely on --------------
    def backward_params(self, dout):
        """Like ``backward``, but only the parameters' gradients; returns None.

        Training never needs dL/d(input) of a model's first layer (the input is data): ``fit``
        calls this to skip that work, a third of the matrix products of a small MLP's backward.
        """
        self.backward(dout)

    # -- the walk over a model -----------------------------------------------------------------
    def named_children(self):
        """``(name, module)`` for each module held directly, in the order the attributes were set.

        An attribute holding a list or tuple of modules gives ``"name.0"``, ``"name.1"``, ...; a
        dict of them ``"name.key"``. A container that mixes modules with other things is refused
        (a TypeError naming it): its modules would otherwise be missed by every walk.
        """
        return [(name, m) for name, value in vars(self).items() for name, m in
                _held(self, name, value, Module)]

    def children(self):
        """The modules held directly (see :meth:`named_children`)."""
        return [m for _, m in self.named_children()]

    def named_modules(self, prefix=""):
        """``(path, module)`` for this module (path ``""``) and every module inside, depth first:
        ``("", model), ("0", model[0]), ..., ("3.1", model[3][1])``.

        Each module may sit at one place only (a layer keeps the cache of its last forward, so a
        second place would overwrite the first's): a ValueError names both paths.
        """
        found = self._walk(prefix)
        _check_each_layer_once(self, found)
        return found

    def _walk(self, prefix):
        found = [(prefix, self)]
        for name, child in self.named_children():
            found += child._walk(_join(prefix, name))
        return found

    def modules(self):
        """This module and every module inside it, at any depth, depth first."""
        return [m for _, m in self.named_modules()]

    def named_parameters(self):
        """``(name, parameter)`` pairs: this module's own first, then each child's, prefixed
        with the child's name (``"0.W"``, ``"0.b"``, ``"2.W"``, ...)."""
        return [(_join(path, name), p) for path, m in self.named_modules()
                for attribute, value in vars(m).items()
                for name, p in _held(m, attribute, value, Parameter)]

    def state_dict(self):
        """Copies of every parameter's and buffer's values, by name: ``{"0.W": ..., "0.b": ...,
        "1.running_mean": ...}``. Copies, so training on afterwards does not change them."""
        return {name: getattr(owner, a).copy() for name, (owner, a) in self._state().items()}

    def load_state_dict(self, state):
        """Copy every parameter's and buffer's values from ``state`` (from :meth:`state_dict`).

        The names, shapes and dtypes must match exactly; otherwise nothing is changed and the
        error lists what is missing, unexpected or different.
        """
        who, targets = f"{type(self).__name__}.load_state_dict", self._state()
        if not isinstance(state, dict):
            raise TypeError(f"{who} expected a dict from state_dict(), got {type(state).__name__}")
        missing = [name for name in targets if name not in state]
        unexpected = [name for name in state if name not in targets]
        if missing or unexpected:
            raise ValueError(f"{who}: the state does not fit this model: missing {missing}, "
                             f"unexpected {unexpected}")
        for name, (owner, attribute) in targets.items():
            old, new = getattr(owner, attribute), state[name]
            if not isinstance(new, np.ndarray) or new.shape != old.shape or new.dtype != old.dtype:
                got = (f"shape {new.shape} and dtype {new.dtype}" if isinstance(new, np.ndarray)
                       else type(new).__name__)
                raise ValueError(f"{who}: {name} must be an array of shape {old.shape} and dtype "
                                 f"{old.dtype}, got {got}")
        for name, (owner, attribute) in targets.items():
            getattr(owner, attribute)[...] = state[name]  # a copy into the model's own array
        return self

    def _state(self):
        """``{name: (object, attribute)}`` of every parameter's data and every buffer."""
        state = {name: (p, "data") for name, p in self.named_parameters()}
        for path, m in self.named_modules():
            state.update({_join(path, name): (m, name) for name in m.buffer_names})
        return state

    def cache_nbytes(self):
        """How many bytes this module and the modules inside it hold for backward right now.

        Each array counts once, however many layers keep it: the array a Sigmoid returns is the
        very array the next Linear keeps as its input (one array, two references), and memory
        holds it once. ``Sequential.cache_nbytes(per_layer=True)`` says what each layer keeps.
        """
        distinct = {id(a): a for a in self._cached_arrays()}  # same object, same id: kept once
        return sum(a.nbytes for a in distinct.values())

    def _cached_arrays(self):
        """Every array this module and the modules inside it keep for backward, repeats and all."""
        own = list(self.cache) if isinstance(self.cache, tuple) else []
        return own + [a for child in self.children() for a in child._cached_arrays()]

    def __repr__(self):
        return f"{type(self).__name__}()"

    # -- shared by the layers ------------------------------------------------------------------
    def _save(self, *arrays, copy=False, returned=False):
        """Keep ``arrays`` for backward (nothing inside ``no_grad()``).

        ``copy=True`` for the caller's arrays, which the caller may still change: the layer keeps
        its own copy (none for an array nothing can change). ``returned=True`` for an array the
        layer also returns (Sigmoid's output): it is made read-only. Arrays only the layer holds
        (ReLU's mask) are kept as they are.
        """
        if not grad_enabled():
            self.cache = _NO_GRAD
            return
        if copy:
            arrays = tuple(map(private, arrays))
        elif returned:
            for a in arrays:
                a.flags.writeable = False
        self.cache = arrays

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

    def _check_batch(self, x, features, dtype):
        """``x`` as a ``(batch, features)`` array of ``dtype``, or an error naming the layer."""
        x = float_array(x, self, dtype)
        if x.ndim != 2 or x.shape[1] != features:
            hint = " (for one example use x.reshape(1, -1))" if x.ndim == 1 else ""
            raise ValueError(
                f"{self!r} expected input with {features} features, of shape "
                f"(batch, {features}), got shape {x.shape}{hint}"
            )
        return x

    def _check_dout(self, dout, shape, dtype=None):
        """``dout`` as an array of the shape of the layer's last output and of its ``dtype`` (a
        layer with parameters), else of dout's own float dtype."""
        if type(dout) is not np.ndarray or dout.dtype != dtype:  # (the usual case skips this)
            dout = float_array(dout, f"{self!r}.backward", dtype)
        if dout.shape != shape:
            raise ValueError(
                f"{self!r}.backward expected dout of shape {shape} (the shape of its last output), "
                f"got shape {dout.shape}"
            )
        return dout


def _join(path, name):
    return f"{path}.{name}" if path else name


def _held(owner, name, value, kind):
    """``[(name, value)]`` if ``value`` is a ``kind``; ``[("name.0", v0), ...]`` for a list or
    tuple of them, ``[("name.key", v), ...]`` for a dict; else ``[]``. A container mixing modules
    or parameters with other things is refused, not skipped: its layers would not be trained."""
    if isinstance(value, kind):
        return [(name, value)]
    if isinstance(value, dict):
        items = [(f"{name}.{key}", v) for key, v in value.items()]
    elif isinstance(value, (list, tuple)):
        items = [(f"{name}.{i}", v) for i, v in enumerate(value)]
    else:
        return []
    found = [(path, v) for path, v in items if isinstance(v, kind)]
    if found and len(found) < len(items):
        path, other = next((path, v) for path, v in items if not isinstance(v, kind))
        raise TypeError(
            f"{type(owner).__name__}.{name} holds a {kind.__name__} ({found[0][0]}) next to "
            f"something else ({path}: {type(other).__name__}); keep the {kind.__name__}s in a "
            f"container of their own (a list, tuple or dict), or Module's walk could not find "
            f"them all"
        )
    return found


class Linear(Module):
    """A fully connected layer: ``y = x @ W.T + b``, the batched form of ``y = Wx + b``.

    Parameters: ``W`` of shape ``(out_features, in_features)``, one row per output neuron, and
    ``b`` of shape ``(out_features,)``; ``parameters()`` is ``[W, b]``. Inputs are converted to
    the dtype of ``W``.

    Initialisation (``init``): ``b`` starts at zero. With ``"he"`` (the default, for ReLU-family
    activations) ``W`` is drawn from N(0, 2 / in_features), which keeps the size of the signal
    roughly constant through ReLU layers. With ``"glorot"`` (for sigmoid, tanh, or no activation)
    ``W`` is uniform on [-a, a] with a = sqrt(6 / (in_features + out_features)).
    """

    def __init__(self, in_features, out_features, *, rng=None, dtype=np.float64, init="he"):
        who = f"Linear({in_features!r} -> {out_features!r})"
        self.in_features = check_positive_int(in_features, "in_features", who)
        self.out_features = check_positive_int(out_features, "out_features", who)
        dtype = _float_dtype(dtype, who)
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
        """x: (batch, in_features) -> y: (batch, out_features). Cache: (x,), a private copy."""
        x = self._check_batch(x, self.in_features, self.W.data.dtype)
        self._save(x, copy=True)
        try:
            return x @ self.W.data.T + self.b.data
        except ValueError:  # W.data or b.data replaced by an array of another shape
            raise ValueError(
                f"{self!r} expects W of shape {(self.out_features, self.in_features)} and b of "
                f"shape {(self.out_features,)}, but W.data has shape {self.W.data.shape} and "
                f"b.data {self.b.data.shape}; change them in place (W.data[...] = ...) instead"
            ) from None

    def backward(self, dout):
        """dout: (batch, out_features) -> dx: (batch, in_features); sets W.grad and b.grad."""
        dout = self._parameter_gradients(dout)
        return dout @ self.W.data  # (batch, out) @ (out, in)

    def backward_params(self, dout):
        """dout: (batch, out_features) -> None; sets W.grad and b.grad only."""
        self._parameter_gradients(dout)

    def _parameter_gradients(self, dout):
        (x,) = self._cached()
        dout = self._check_dout(dout, (x.shape[0], self.out_features), x.dtype)
        # dW = dout^T x: (out, batch) @ (batch, in), the sum over the batch of dout x^T
        self.W.grad = dout.T @ x
        self.b.grad = dout.sum(axis=0)
        return dout

    def __repr__(self):
        return f"Linear({self.in_features} -> {self.out_features})"


class Sigmoid(Module):
    """y = sigmoid(x) element-wise; dy/dx = y (1 - y), so the cache is the output y.

    The output is returned and kept, so it is read-only: use ``y.copy()`` to change it.
    """

    def forward(self, x):
        """x: any shape -> y: same shape and dtype. Cache: (y,)."""
        y = sigmoid(float_array(x, self))
        self._save(y, returned=True)
        return y

    def backward(self, dout):
        """dout: the shape of the last output -> dx: same shape and dtype; no parameters."""
        (y,) = self._cached()
        return self._check_dout(dout, y.shape, y.dtype) * y * (1 - y)


class Tanh(Module):
    """y = tanh(x) element-wise; dy/dx = 1 - y^2, so the cache is the output y.

    The output is returned and kept, so it is read-only: use ``y.copy()`` to change it.
    """

    def forward(self, x):
        """x: any shape -> y: same shape and dtype. Cache: (y,)."""
        y = np.tanh(float_array(x, self))
        self._save(y, returned=True)
        return y

    def backward(self, dout):
        """dout: the shape of the last output -> dx: same shape and dtype; no parameters."""
        (y,) = self._cached()
        return self._check_dout(dout, y.shape, y.dtype) * (1 - y * y)


class ReLU(Module):
    """y = max(0, x) element-wise; dy/dx is 1 where x > 0, else 0.

    The cache is the boolean mask ``x > 0``: one byte per element instead of eight. A dead unit
    passes nothing back, even an infinite gradient (where ``inf * 0`` would give NaN).
    """

    def forward(self, x):
        """x: any shape -> y: same shape and dtype. Cache: (x > 0,)."""
        x = float_array(x, self)
        self._save(x > 0)
        return np.maximum(x, 0)  # max(-inf, 0) = 0, where x * mask would give -inf * 0 = NaN

    def backward(self, dout):
        """dout: the shape of the last input -> dx: same shape and dtype as dout."""
        (positive,) = self._cached()
        dout = self._check_dout(dout, positive.shape)
        if not np.isfinite(dout).all():  # inf * 0 = NaN: a dead unit passes nothing back, not NaN
            return np.where(positive, dout, 0)
        return dout * positive


class PReLU(Module):
    """Parametric ReLU: y = x for x > 0 and y = alpha * x for x <= 0, with a learnable alpha.

    dy/dx = 1 for x > 0 and alpha for x <= 0.  dy/dalpha = x for x <= 0 and 0 for x > 0, so
    dL/dalpha sums ``dout * x`` over every element with x <= 0 in the batch.
    ``alpha`` is a scalar :class:`Parameter` of ``dtype`` and ``parameters()`` is ``[alpha]``;
    the output and dx have the dtype of the input.
    """

    def __init__(self, alpha=0.25, *, dtype=np.float64):
        alpha = check_number(alpha, "alpha", "PReLU")
        self.alpha = Parameter(np.array(alpha, dtype=_float_dtype(dtype, "PReLU")), name="alpha")

    def forward(self, x):
        """x: any shape -> y: same shape and dtype. Cache: (x,), a private copy."""
        x = float_array(x, self)
        self._save(x, copy=True)
        return prelu(x, self.alpha.data.astype(x.dtype))

    def backward(self, dout):
        """dout: the shape of the last output -> dx: same shape and dtype; sets alpha.grad."""
        (x,) = self._cached()
        dout = self._check_dout(dout, x.shape, x.dtype)
        negative = x <= 0
        self.alpha.grad = np.array(np.sum(dout * x, where=negative), self.alpha.data.dtype)
        return np.where(negative, self.alpha.data.astype(x.dtype) * dout, dout)

    def __repr__(self):
        return f"PReLU(alpha={float(self.alpha.data):.4g})"


class Dropout(Module):
    """Inverted dropout. ``p`` is the probability of DROPPING a unit (not of keeping it).

    (cs231n's assignments use p for the keep probability; here, as in PyTorch, p is the drop
    probability.)  In training mode each element is set to 0 with probability p and the survivors
    are scaled by 1 / (1 - p), so every element keeps its expected value:
    E[y] = (1 - p) * x / (1 - p) = x.  In eval mode the layer is the identity (it returns a copy).

    ``mask`` is the boolean array of kept units of the last training forward (None in eval mode).
    """

    def __init__(self, p=0.5, *, rng=None):
        self.p = check_number(p, "p (the drop probability)", "Dropout", low=0, high=1,
                              high_open=True)
        self.rng = as_rng(rng)

    @property
    def mask(self):
        return self.cache[0] if isinstance(self.cache, tuple) and len(self.cache) == 1 else None

    def forward(self, x):
        """x: any shape -> y: same shape and dtype. Cache: (mask,) in training mode, () in eval."""
        x = float_array(x, self)
        if not self.training:
            self._save()
            self._eval_shape = x.shape  # nothing to keep for backward but the shape, to check dout
            return x.copy()  # never the caller's array: changing the output must not change x
        keep = self.rng.random(x.shape) >= self.p  # True with probability 1 - p
        self._save(keep)
        return x * keep / x.dtype.type(1 - self.p)

    def backward(self, dout):
        """dout: the shape of the last output -> dx: same shape and dtype as dout."""
        cache = self._cached()
        if not cache:  # eval mode: the identity
            return self._check_dout(dout, self._eval_shape).copy()
        (keep,) = cache
        dout = self._check_dout(dout, keep.shape)
        return dout * keep / dout.dtype.type(1 - self.p)

    def __repr__(self):
        return f"Dropout(p={self.p:g})"


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(Linear(2, 16), ReLU(), Linear(16, 2))``.

    ``parameters()`` concatenates the layers' parameters in layer order; ``model[i]`` is the i-th
    layer, ``model[a:b]`` a Sequential sharing those layers. Each layer object may appear only
    once, at any depth of nesting: a layer keeps the cache of its last forward only.

    ``checkpoint_every=k`` turns on gradient checkpointing (``checkpoint.py``): the forward keeps
    only every k-th layer's input, the backward recomputes the rest. Same gradients, less memory.
    """

    def __init__(self, *layers, checkpoint_every=None):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: layer {i} must be a layer such as Linear or ReLU, "
                    f"got {type(layer).__name__}"
                )
        if checkpoint_every is not None:
            check_positive_int(checkpoint_every, "checkpoint_every", "Sequential")
        self.layers = list(layers)
        self.named_modules()  # refuses a layer at two places
        self.checkpoint_every = checkpoint_every

    def forward(self, x):
        """x: the first layer's input -> the last layer's output. Cache: none of its own (the
        layers keep theirs), or with checkpointing the list of stored segment inputs."""
        if self.checkpoint_every:
            x, checkpoints = checkpoint.forward(self.layers, self.checkpoint_every, x)
            self.cache = checkpoints if grad_enabled() else _NO_GRAD
            return x
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """dout: the shape of the last output -> dx: the shape of the input; sets every .grad."""
        if self.checkpoint_every:
            return checkpoint.backward(self.layers, self.checkpoint_every, self._cached(), dout,
                                       input_grad=True)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def backward_params(self, dout):
        """dout: the shape of the last output -> None; sets every .grad, skips dL/d(input)."""
        if self.checkpoint_every:
            checkpoint.backward(self.layers, self.checkpoint_every, self._cached(), dout,
                                input_grad=False)
            return
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        if self.layers:
            self.layers[0].backward_params(dout)  # dL/d(input) is not needed

    def named_children(self):
        return [(str(i), layer) for i, layer in enumerate(self.layers)]

    def cache_nbytes(self, per_layer=False):
        """Bytes held for backward, in total or (``per_layer=True``) as a list, one per layer.

        The total counts each array once (see ``Module.cache_nbytes``). The list says what each
        layer keeps: an array two layers share (a Sigmoid's output, the next Linear's input) is
        in both entries, so the list can add up to more than the total. With checkpointing, a
        stored segment input counts for the first layer of its segment.
        """
        if not per_layer:
            return super().cache_nbytes()
        sizes = [layer.cache_nbytes() for layer in self.layers]
        for i, x in zip(range(0, len(self.layers), self.checkpoint_every or 1), self._inputs()):
            sizes[i] += x.nbytes
        return sizes

    def _cached_arrays(self):
        return self._inputs() + super()._cached_arrays()

    def _inputs(self):
        """The stored segment inputs when checkpointing (after a training forward), else []."""
        if self.checkpoint_every and isinstance(self.cache, list):
            return [x for x, _ in self.cache]
        return []

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


def _check_each_layer_once(model, walk):
    """Raise if one layer object sits at two positions of ``walk`` (``model``'s named modules)."""
    seen = {}  # id(layer) -> its position, such as "2" or "2.0"
    for position, layer in walk:
        if id(layer) in seen:
            raise ValueError(
                f"{type(model).__name__}: layer {position} is the same object as layer "
                f"{seen[id(layer)]} ({layer!r}); a layer keeps the cache of its last forward, so "
                f"each position needs its own layer"
            )
        seen[id(layer)] = position


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

    buffer_names = ("running_mean", "running_var")

    def __init__(self, num_features, *, momentum=0.1, eps=1e-5, dtype=np.float64):
        who = f"BatchNorm({num_features!r})"
        self.num_features = check_positive_int(num_features, "num_features", who)
        self.momentum = check_number(momentum, "momentum", who, low=0, high=1)
        self.eps = check_number(eps, "eps", who, low=0, low_open=True)
        dtype = _float_dtype(dtype, who)
        self.gamma = Parameter(np.ones(self.num_features, dtype=dtype), name="gamma")
        self.beta = Parameter(np.zeros(self.num_features, dtype=dtype), name="beta")
        self.running_mean = np.zeros(self.num_features, dtype=dtype)
        self.running_var = np.ones(self.num_features, dtype=dtype)
        self.batch_statistics = None  # whether the last forward used the batch's statistics

    def forward(self, x):
        """x: (batch, features) -> y: same shape. Cache: (xhat, s) with s = 1/sqrt(var + eps)."""
        x = self._check_batch(x, self.num_features, self.gamma.data.dtype)
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
        xhat, s, dout = _affine_gradients(self, dout)
        g = dout * self.gamma.data  # dL/dxhat
        if not self.batch_statistics:
            return g * s
        n = xhat.shape[0]
        return (s / n) * (n * g - g.sum(axis=0) - xhat * np.sum(g * xhat, axis=0))

    def backward_params(self, dout):
        """dout: (batch, features) -> None; sets gamma.grad and beta.grad only."""
        _affine_gradients(self, dout)

    def __repr__(self):
        return f"BatchNorm({self.num_features})"


def _affine_gradients(layer, dout):
    """Set gamma.grad and beta.grad of a BatchNorm or LayerNorm; returns (xhat, s, dout).

    In both, y = gamma * xhat + beta acts per feature and the cache is (xhat, s), so
    dL/dgamma_j = sum_i dL/dy_ij xhat_ij and dL/dbeta_j = sum_i dL/dy_ij, sums over the batch.
    """
    xhat, s = layer._cached()
    dout = layer._check_dout(dout, xhat.shape, xhat.dtype)
    layer.gamma.grad = np.sum(dout * xhat, axis=0)
    layer.beta.grad = dout.sum(axis=0)
    return xhat, s, dout


class LayerNorm(Module):
    """Layer normalization for ``(batch, features)`` inputs (Ba, Kiros and Hinton, 2016).

    Like :class:`BatchNorm` turned by 90 degrees: each EXAMPLE i is normalised with the mean and
    (biased) variance of its own features, then each feature is scaled and shifted::

        mu_i = mean_j x_ij      var_i = mean_j (x_ij - mu_i)^2      (divides by D, the features)
        xhat_ij = (x_ij - mu_i) / sqrt(var_i + eps)
        y_ij = gamma_j * xhat_ij + beta_j

    No example sees another, so there are no running statistics, training and eval mode compute
    the same thing and a batch of one works. As ``torch.nn.LayerNorm(num_features, eps)``.
    Parameters: ``gamma`` (starts at 1) and ``beta`` (starts at 0), both of shape ``(features,)``.

    Backward: BatchNorm's compact form, summing over the features k of one example instead of
    over the examples of one feature. With g_ij = dL/dy_ij * gamma_j and s_i = 1/sqrt(var_i + eps)::

        dL/dx_ij = s_i / D * (D g_ij - sum_k g_ik - xhat_ij * sum_k g_ik xhat_ik)

    and dL/dgamma_j = sum_i dL/dy_ij xhat_ij, dL/dbeta_j = sum_i dL/dy_ij.
    """

    def __init__(self, num_features, *, eps=1e-5, dtype=np.float64):
        who = f"LayerNorm({num_features!r})"
        self.num_features = check_positive_int(num_features, "num_features", who)
        self.eps = check_number(eps, "eps", who, low=0, low_open=True)
        dtype = _float_dtype(dtype, who)
        self.gamma = Parameter(np.ones(self.num_features, dtype=dtype), name="gamma")
        self.beta = Parameter(np.zeros(self.num_features, dtype=dtype), name="beta")

    def forward(self, x):
        """x: (batch, features) -> y: same shape. Cache: (xhat, s), s of shape (batch, 1)."""
        x = self._check_batch(x, self.num_features, self.gamma.data.dtype)
        centred = x - x.mean(axis=1, keepdims=True)
        var = np.mean(centred * centred, axis=1, keepdims=True)  # two passes, as in BatchNorm
        s = 1 / np.sqrt(var + self.eps)
        xhat = centred * s
        self._save(xhat, s)
        return self.gamma.data * xhat + self.beta.data

    def backward(self, dout):
        """dout: (batch, features) -> dx: same shape; sets gamma.grad and beta.grad."""
        xhat, s, dout = _affine_gradients(self, dout)
        g = dout * self.gamma.data  # dL/dxhat
        d = xhat.shape[1]
        return (s / d) * (d * g - g.sum(axis=1, keepdims=True)
                          - xhat * np.sum(g * xhat, axis=1, keepdims=True))

    def backward_params(self, dout):
        """dout: (batch, features) -> None; sets gamma.grad and beta.grad only."""
        _affine_gradients(self, dout)

    def __repr__(self):
        return f"LayerNorm({self.num_features})"
