"""The bridge to PyTorch: random nnlesson models and their torch.nn twins compute the same numbers.

Every layer kind, nested Sequentials, random widths and depths, training and eval mode, float32
and float64: equal outputs, input gradients and parameter gradients (1e-10 in float64, float32 at
its precision), and ``from_torch(to_torch(m))`` gives back the same parameters, buffers, modes and
settings. Dropout's masks are random in both libraries: in training mode the torch twin's Dropout
is given nnlesson's mask by a forward hook, so everything around it is compared with equal masks.
Skips where torch is not installed.
"""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlesson as nl

torch = pytest.importorskip("torch")

TOL = {np.float64: 1e-10, np.float32: 1e-4}  # relative to the largest value compared
KINDS = ["Linear", "Sigmoid", "Tanh", "ReLU", "PReLU", "Dropout", "BatchNorm", "LayerNorm"]


def make(kind, width, dtype, rng):
    """A layer of ``kind`` for inputs ``width`` wide, away from its defaults; its output width."""
    if kind == "Linear":
        out = int(rng.integers(1, 6))
        layer = nl.Linear(width, out, rng=rng, dtype=dtype)
        layer.b.data[...] = rng.normal(size=out)
        return layer, out
    if kind == "PReLU":
        return nl.PReLU(float(rng.uniform(0.01, 0.5)), dtype=dtype), width
    if kind == "Dropout":
        return nl.Dropout(float(rng.uniform(0, 0.9)), rng=rng), width
    if kind in ("BatchNorm", "LayerNorm"):
        layer = (nl.BatchNorm(width, momentum=float(rng.uniform(0, 1)), eps=1e-3, dtype=dtype)
                 if kind == "BatchNorm" else nl.LayerNorm(width, eps=1e-3, dtype=dtype))
        layer.gamma.data[...] = rng.uniform(0.5, 2, width)
        layer.beta.data[...] = rng.normal(size=width)
        if kind == "BatchNorm":
            layer.running_mean[...] = rng.normal(size=width)
            layer.running_var[...] = rng.uniform(0.5, 2, width)
        return layer, width
    return getattr(nl, kind)(), width


# A model's plan: a list of layer kinds, a nested list for a nested Sequential.
plans = st.recursive(st.sampled_from(KINDS), lambda inner: st.lists(inner, min_size=1, max_size=3),
                     max_leaves=7).map(lambda plan: plan if isinstance(plan, list) else [plan])


def build(plan, width, dtype, rng):
    """A Sequential following ``plan`` for inputs ``width`` wide; its output width."""
    layers = []
    for item in plan:
        layer, width = (build(item, width, dtype, rng) if isinstance(item, list)
                        else make(item, width, dtype, rng))
        layers.append(layer)
    return nl.Sequential(*layers), width


def same_masks(model, twin):
    """Hooks giving each torch Dropout the mask nnlesson's twin drew in its last forward."""
    pairs = [(a, b) for (_, a), (_, b) in zip(model.named_modules(), twin.named_modules())
             if isinstance(a, nl.Dropout) and a.training]

    def hook(layer):
        def use_its_mask(module, inputs, output):
            mask = torch.from_numpy(layer.mask).to(inputs[0].dtype)
            return inputs[0] * mask / (1 - layer.p)
        return use_its_mask

    return [b.register_forward_hook(hook(a)) for a, b in pairs]


def assert_close(ours, theirs, dtype, what):
    theirs = theirs.detach().numpy().reshape(np.shape(ours))
    assert ours.dtype == theirs.dtype == dtype, (what, ours.dtype, theirs.dtype)
    scale = max(1.0, float(np.max(np.abs(theirs), initial=0)))
    error = float(np.max(np.abs(ours - theirs), initial=0))
    assert error <= TOL[dtype] * scale, f"{what}: largest difference {error:.3g}"


@settings(max_examples=40, deadline=None, derandomize=True)  # the same examples on every run
@given(plans, st.integers(1, 5), st.integers(2, 6), st.booleans(),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 2 ** 16))
def test_random_models_and_their_twins_agree(plan, width, n, training, dtype, seed):
    rng = np.random.default_rng(seed)
    model, out = build(plan, width, dtype, rng)
    model.train() if training else model.eval()
    twin = to_torch_checked(model)
    x = rng.standard_normal((n, width)).astype(dtype)
    dout = rng.standard_normal((n, out)).astype(dtype)

    y = model(x)
    hooks = same_masks(model, twin)
    xt = torch.tensor(x, requires_grad=True)
    yt = twin(xt)
    for h in hooks:
        h.remove()
    yt.backward(torch.from_numpy(dout))
    assert_close(y, yt, dtype, "output")
    assert_close(model.backward(dout), xt.grad, dtype, "input gradient")
    ours, theirs = model.named_parameters(), list(twin.named_parameters())
    assert len(ours) == len(theirs)
    for (name, p), (torch_name, q) in zip(ours, theirs):
        assert_close(p.grad, q.grad, dtype, f"gradient of {name} ({torch_name})")
    for path, layer in model.named_modules():  # BatchNorm's running statistics moved alike
        if isinstance(layer, nl.BatchNorm):
            other = twin.get_submodule(path) if path else twin
            assert_close(layer.running_mean, other.running_mean, dtype, f"{path}.running_mean")
            assert_close(layer.running_var, other.running_var, dtype, f"{path}.running_var")


def to_torch_checked(model):
    """``to_torch(model)``, with the structure, modes and dtypes it must have."""
    twin = nl.to_torch(model)
    for (path, a), (torch_path, b) in zip(model.named_modules(), twin.named_modules()):
        assert path == torch_path and a.training == b.training, (path, torch_path)
    assert len(model.modules()) == len(list(twin.modules()))
    for p, q in zip(model.parameters(), twin.parameters()):
        assert q.dtype == torch.from_numpy(p.data).dtype and q.requires_grad
    return twin


@settings(max_examples=30, deadline=None, derandomize=True)
@given(plans, st.integers(1, 5), st.booleans(), st.sampled_from([np.float32, np.float64]),
       st.integers(0, 2 ** 16))
def test_from_torch_of_to_torch_gives_the_model_back(plan, width, training, dtype, seed):
    model, _ = build(plan, width, dtype, np.random.default_rng(seed))
    model.train() if training else model.eval()
    model[-1].train() if model[-1].training is False else model[-1].eval()  # a mixed mode
    back = nl.from_torch(nl.to_torch(model))
    assert repr(back) == repr(model)
    state, returned = model.state_dict(), back.state_dict()
    assert list(returned) == list(state)
    for name, value in state.items():
        assert returned[name].dtype == value.dtype and returned[name].shape == value.shape, name
        np.testing.assert_array_equal(returned[name], value, err_msg=name)
    for a, b in zip(model.modules(), back.modules()):
        assert type(a) is type(b) and a.training == b.training
        for setting in ("p", "eps", "momentum"):
            assert getattr(a, setting, None) == getattr(b, setting, None), setting


def test_the_twins_are_copies():
    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.BatchNorm(3))
    twin = nl.to_torch(model)
    with torch.no_grad():
        twin[0].weight += 1
    twin(torch.ones(4, 2, dtype=torch.float64))  # moves the twin's running statistics
    assert np.all(model[0].W.data != twin[0].weight.detach().numpy())
    np.testing.assert_array_equal(model[1].running_mean, 0)
    back = nl.from_torch(twin)
    back[0].W.data[...] = 0
    assert torch.all(twin[0].weight != 0)


def test_the_torch_side_of_each_layer():
    model = nl.Sequential(nl.Linear(3, 2, rng=0, dtype=np.float32), nl.PReLU(0.1, dtype=np.float32),
                          nl.BatchNorm(2, momentum=0.3, eps=1e-4, dtype=np.float32),
                          nl.LayerNorm(2, eps=1e-6, dtype=np.float32), nl.Dropout(0.2), nl.Tanh())
    twin = nl.to_torch(model.eval())
    linear, prelu, bn, ln, drop, tanh = twin
    assert linear.weight.shape == (2, 3) and linear.weight.dtype == torch.float32
    np.testing.assert_array_equal(linear.weight.detach().numpy(), model[0].W.data)  # no transpose
    assert prelu.num_parameters == 1 and float(prelu.weight.detach()) == pytest.approx(0.1)
    assert (bn.momentum, bn.eps, int(bn.num_batches_tracked)) == (0.3, 1e-4, 0)
    assert ln.normalized_shape == (2,) and ln.eps == 1e-6
    assert drop.p == 0.2 and isinstance(tanh, torch.nn.Tanh)
    assert not any(m.training for m in twin.modules())


def test_dropout_in_training_mode_drops_at_the_same_rate():
    model = nl.Dropout(0.3, rng=0)
    twin = nl.to_torch(model)
    torch.manual_seed(0)
    kept = (twin(torch.ones(200, 100)) != 0).double().mean().item()
    assert kept == pytest.approx(0.7, abs=0.01) and twin.training


@pytest.mark.parametrize("layer, names", [
    (nl.Module(), "model is a Module"),
    (nl.Sequential(nl.ReLU(), nl.Sequential(nl.Tanh(), type("MyLinear", (nl.Linear,), {})(2, 2))),
     "model[1][1] is a MyLinear"),
])
def test_a_layer_without_a_twin_is_named(layer, names):
    with pytest.raises(TypeError, match=rf"to_torch: {names.replace('[', '.').replace(']', '.')}"
                                        r", which has no torch.nn twin here; supported: Linear, "
                                        r"Sigmoid, Tanh, ReLU, PReLU, Dropout, BatchNorm, LayerNorm"):
        nl.to_torch(layer)


@pytest.mark.parametrize("module, match", [
    (torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Conv1d(1, 1, 1)),
     r"from_torch: module\[1\] is a Conv1d, which has no nnlesson twin; supported: torch.nn's Linear"),
    (torch.nn.Linear(2, 2, bias=False), r"module is Linear\(.*\), which has no nnlesson twin: .*bias"),
    (torch.nn.PReLU(3), r"module is PReLU\(num_parameters=3\).*one alpha"),
    (torch.nn.BatchNorm1d(3, momentum=None), r"BatchNorm1d.*momentum \(not None\)"),
    (torch.nn.BatchNorm1d(3, affine=False), r"BatchNorm1d.*affine=True"),
    (torch.nn.LayerNorm((2, 3)), r"LayerNorm\(\(2, 3\).*one feature axis"),
    (torch.nn.GELU(), r"module is a GELU"),
])
def test_a_module_without_a_twin_is_named(module, match):
    with pytest.raises(TypeError, match=match):
        nl.from_torch(module)


def test_wrong_arguments():
    with pytest.raises(TypeError, match="to_torch expected an nnlesson layer or model, got Linear"):
        nl.to_torch(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="from_torch expected a torch.nn.Module, got Linear"):
        nl.from_torch(nl.Linear(2, 2))


def test_without_torch_the_error_says_how_to_install_it():
    code = ("import sys; sys.modules['torch'] = None\n"  # as if torch were not installed
            "import nnlesson as nl\n"
            "try:\n    nl.to_torch(nl.ReLU())\n"
            "except ImportError as error:\n    print(error)\n"
            "from nnlesson.bridge import optional_torch\n"
            "print('optional:', optional_torch())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "to_torch needs PyTorch, which is not installed" in done.stdout
    assert "pip install torch" in done.stdout and "cpu" in done.stdout
    # the lessons' optional cells: a message saying the same, then None (the cell skips its code)
    assert "This optional cell needs PyTorch, which is not installed" in done.stdout
    assert done.stdout.rstrip().endswith("optional: None")
