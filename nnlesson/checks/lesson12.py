"""Instant checks for lesson 12 (nnlesson to PyTorch): the student's torch.nn twins.

The student's function takes an nnlesson model and returns a ``torch.nn`` module; the checks run
both on seeded batches and compare what comes out (outputs, BatchNorm's running statistics) with
the cases' runner of ``nnlesson.checks``. ``nl.to_torch`` is refused while the student's function
runs: the exercise is to write the twin by hand. PyTorch is imported when a check runs.
"""

import functools

import numpy as np

from ..bridge import _torch
from ..layers import BatchNorm, Linear, Parameter, ReLU, Sequential, Tanh
from . import Case, _takes_functions, run_cases

__all__ = ["check_torch_twin", "check_fixed_twin"]

# The exercise is written with torch, so torch is allowed; all of nnlesson (``nl.to_torch`` and
# the bridge's helpers included) is refused but the model the check hands over.
FORBIDDEN = ("nnlesson",)
ALLOW = (Sequential, Linear, ReLU, Tanh, BatchNorm, Parameter)
TASK = "this exercise"


def _run_twin(student, torch, forwards):
    """A function ``(model, batches) -> outputs`` that builds the student's twin of ``model`` and
    runs ``forwards(twin, batches)`` on it (named as the student's function in verdicts)."""
    @functools.wraps(student)
    def run(model, batches):
        twin = student(model)
        if not isinstance(twin, torch.nn.Module):
            raise TypeError(f"it should return a torch.nn.Module, got {type(twin).__name__}")
        return forwards(twin, batches)

    return run


def _output(torch):
    def forwards(twin, batches):
        with torch.no_grad():
            return twin(torch.from_numpy(batches[0])).numpy()
    return forwards


def _mlp(sizes, activation, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layer = Linear(n_in, n_out, rng=rng)
        layer.b.data[...] = rng.normal(size=n_out)  # a bias the twin must copy
        layers += [layer] + ([activation()] if i < len(sizes) - 2 else [])
    return Sequential(*layers)


def check_torch_twin(fn, *, quiet=False):
    """``fn(model)``: a ``torch.nn`` module computing what the nnlesson ``model`` computes; the
    models hold ``Linear``, ``Tanh`` and ``ReLU`` layers, in float64."""
    torch = _torch("checks.check_torch_twin")
    cases = []
    for label, sizes, activation, batch, seed in [
        ("Linear(4 -> 3) alone", (4, 3), Tanh, 5, 0),
        ("4 -> 8 -> 3 with Tanh", (4, 8, 3), Tanh, 6, 1),
        ("3 -> 3 -> 3 -> 2 with ReLU (square weights)", (3, 3, 3, 2), ReLU, 7, 2),
        ("a batch of one", (5, 4, 2), ReLU, 1, 3),
    ]:
        model = _mlp(sizes, activation, seed)
        x = np.random.default_rng(seed + 10).standard_normal((batch, sizes[0]))
        transposed = Sequential(*[_transposed(layer) for layer in model])
        cases.append(Case(label, (model, [x]), (model(x),), batch=batch, mistakes=(
            (0, lambda got, t=transposed, x=x: np.allclose(got, t(x)),
             "It computes x @ W + b: nn.Linear's weight is (out, in) like W, copy W without .T"),
            (0, lambda got, m=model, x=x: np.allclose(got, _without_bias(m)(x)),
             "The biases are missing: copy each b into the nn.Linear's bias too"),
            (0, lambda got, m=model, x=x: _off_by_one_row(got, m(x)),
             "It is off by the same row for every example: the last layer's bias is not the "
             "model's (nn.Linear starts with a random bias of its own): copy each b into the "
             "nn.Linear's bias too"),
        ), raised="is every layer float64, nn.Linear(..., dtype=torch.float64), each "
                  "weight (out, in), and each copy_ inside torch.no_grad()?"))
    return run_cases(_run_twin(fn, torch, _output(torch)), cases, ["the output"], quiet=quiet,
                     forbidden=FORBIDDEN, allow=ALLOW, task=TASK)


def _off_by_one_row(got, expected):
    """True when ``got - expected`` is one row repeated for every example (of two or more): what
    a wrong bias in the last layer gives."""
    difference = got - expected
    return len(difference) > 1 and np.allclose(difference, difference[0])


def _transposed(layer):
    if isinstance(layer, Linear) and layer.in_features == layer.out_features:
        twin = Linear(layer.in_features, layer.out_features)
        twin.W.data[...], twin.b.data[...] = layer.W.data.T, layer.b.data
        return twin
    return layer


def _without_bias(model):
    twin = Sequential(*[_copy(layer) for layer in model])
    for layer in twin:
        if isinstance(layer, Linear):
            layer.b.data[...] = 0
    return twin


def _copy(layer):
    if isinstance(layer, Linear):
        twin = Linear(layer.in_features, layer.out_features)
        twin.load_state_dict(layer.state_dict())
        return twin
    return type(layer)()


def _bn_model(seed, trained, training):
    """Linear -> BatchNorm -> ReLU -> Linear; ``trained``: running statistics away from 0 and 1."""
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(3, 4, rng=rng), BatchNorm(4, momentum=0.2), ReLU(),
                       Linear(4, 2, rng=rng))
    if trained:
        for _ in range(5):
            model(rng.normal(2.0, 3.0, size=(8, 3)))
    return model.train() if training else model.eval()


def _after_batches(torch):
    def forwards(twin, batches):
        with torch.no_grad():
            outputs = [twin(torch.from_numpy(x)).numpy() for x in batches]
        bn = [m for m in twin.modules() if isinstance(m, torch.nn.BatchNorm1d)]
        mean = bn[0].running_mean.numpy().copy() if bn else None
        return outputs[-1], mean
    return forwards


def _expected(model, batches):
    outputs = [model(x) for x in batches]
    return outputs[-1], model[1].running_mean.copy()


# The bugs that make two "equal" models differ, each as the twin it would give (nnlesson's model
# with that change) and what to say.
BUGS = [
    ({"keras_momentum": True}, "Its running mean moves by 1 - momentum per batch (Keras's "
                               "convention): PyTorch's momentum is nnlesson's, copy it as it is"),
    ({"fresh_statistics": True}, "It starts from fresh running statistics (0 and 1): copy "
                                 "running_mean and running_var into the twin"),
    ({"fresh_var": True}, "Its running variance starts fresh (at 1), though the running mean is "
                          "right: copy running_var into the twin too (eval mode divides by it)"),
    ({"training": True}, "The twin is in training mode while the model is in eval mode: carry "
                         "the mode over (twin.train(model.training))"),
    ({"training": False}, "The twin is in eval mode while the model is in training mode: carry "
                          "the mode over (twin.train(model.training))"),
]


def _buggy(model, batches, keras_momentum=False, fresh_statistics=False, fresh_var=False,
           training=None):
    """What a twin with these bugs gives on ``batches``: (last output, running mean)."""
    twin = _bn_model(0, False, model.training if training is None else training)
    state = model.state_dict()
    if fresh_statistics:
        state.update({"1.running_mean": np.zeros(4), "1.running_var": np.ones(4)})
    if fresh_var:
        state.update({"1.running_var": np.ones(4)})
    twin.load_state_dict(state)
    if keras_momentum:
        twin[1].momentum = 1 - model[1].momentum
    return _expected(twin, batches)


def _recognises(model, batches, bug, index):
    def test(got):
        return np.allclose(_buggy(model, batches, **bug)[index], got)
    return test


def check_fixed_twin(fn, *, quiet=False):
    """``fn(model)``: the ``torch.nn`` twin of ``Linear -> BatchNorm -> ReLU -> Linear`` (float64)
    whose outputs and running statistics stay equal to the model's, in training and eval mode."""
    torch = _torch("checks.check_fixed_twin")
    cases = []
    for label, trained, training, seed in [
        ("a fresh model, 3 training batches", False, True, 0),
        ("a trained model, 3 more training batches", True, True, 1),
        ("a trained model in eval mode", True, False, 2),
    ]:
        rng = np.random.default_rng(seed + 20)
        batches = [rng.normal(1.0, 2.0, size=(6, 3)) for _ in range(3)]
        source = _bn_model(seed, trained, training)  # the student's, not yet run on the batches
        expected = _expected(_bn_model(seed, trained, training), batches)
        mistakes = tuple((index, _recognises(source, batches, bug, index), hint)
                         for index in (0, 1) for bug, hint in BUGS
                         if bug.get("training", training) != training or "training" not in bug)
        cases.append(Case(label, (source, batches), expected, mistakes=mistakes))
    return run_cases(_run_twin(fn, torch, _after_batches(torch)), cases,
                     ["the output of the last batch", "the running mean"], order=(1, 0),
                     quiet=quiet, forbidden=FORBIDDEN, allow=ALLOW, task=TASK)


check_torch_twin = _takes_functions(check_torch_twin)
check_fixed_twin = _takes_functions(check_fixed_twin)
