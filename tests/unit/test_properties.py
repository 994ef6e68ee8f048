"""Property tests of the layer contract over random shapes, batch sizes (1 included) and dtypes.

For every layer: the float64 gradient check passes; a second backward gives the same ``.grad`` and
dL/dx (gradients are overwritten, never added); forward and backward leave their input arrays
unchanged; outputs, dL/dx and gradients keep the dtype of the input (float32 or float64).
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnlesson as nl

# Random small networks can have gradients of 1e-5 (a saturated tanh), where the round-off of a
# central difference (about 1e-16 |L| / eps = 1e-10) is already a relative 1e-5.
RANDOM_NET_TOL = 1e-5
# Below this size a gradient is round-off for central differences (1e-10 / 1e-4 = 1e-6 relative):
# an example whose whole gradient block is smaller (a saturated tanh) cannot be checked at RANDOM_NET_TOL.
RESOLVABLE = 1e-4


def make_layer(name, n_in, n_out, dtype, seed, batch=2):
    """A layer of each kind, its parameters in ``dtype``; its output width."""
    if name == "Linear":
        return nl.Linear(n_in, n_out, rng=seed, dtype=dtype), n_out
    if name == "PReLU":
        return nl.PReLU(0.1 + (seed % 5) / 10, dtype=dtype), n_in
    if name == "Dropout":
        return nl.Dropout((seed % 9) / 10, rng=seed), n_in
    if name == "BatchNorm":  # a batch of one has no variance: that case runs in eval mode
        layer = nl.BatchNorm(n_in, momentum=(seed % 10) / 10, dtype=dtype)
        layer.running_mean[...] = np.linspace(-1, 1, n_in)
        layer.running_var[...] = np.linspace(0.5, 2, n_in)
        return (layer.eval() if batch == 1 else layer), n_in
    if name == "LayerNorm":  # gamma and beta away from 1 and 0, so that their gradients matter
        layer = nl.LayerNorm(n_in, dtype=dtype)
        layer.gamma.data[...] = np.linspace(0.5, 1.5, n_in)
        layer.beta.data[...] = np.linspace(-0.3, 0.3, n_in)
        return layer, n_in
    if name == "Sequential":
        return nl.Sequential(nl.Linear(n_in, n_out, rng=seed, dtype=dtype), nl.Tanh(),
                             nl.Dropout(0.3, rng=seed), nl.Linear(n_out, 2, rng=seed + 1, dtype=dtype),
                             nl.Sigmoid()), 2
    return {"Sigmoid": nl.Sigmoid, "Tanh": nl.Tanh, "ReLU": nl.ReLU}[name](), n_in


NAMES = ["Linear", "Sigmoid", "Tanh", "ReLU", "PReLU", "Dropout", "BatchNorm", "LayerNorm",
         "Sequential"]
cases = st.fixed_dictionaries({
    "name": st.sampled_from(NAMES),
    "batch": st.integers(1, 6),
    "n_in": st.integers(1, 5),
    "n_out": st.integers(1, 5),
    "dtype": st.sampled_from([np.float32, np.float64]),
    "seed": st.integers(0, 2 ** 16),
})


def data(case, n_out):
    """Inputs away from ReLU's kink at 0 (there central differences are no derivative), and dout."""
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["batch"], case["n_in"]))
    x = np.where(np.abs(x) < 0.05, 0.1 * np.sign(x + 1e-12), x).astype(case["dtype"])
    dout = rng.standard_normal((case["batch"], n_out)).astype(case["dtype"])
    return x, dout


@settings(max_examples=100, deadline=None, derandomize=True)  # the same examples on every run
@given(cases)
def test_the_layer_contract(case):
    layer, n_out = make_layer(case["name"], case["n_in"], case["n_out"], case["dtype"], case["seed"],
                              case["batch"])
    x, dout = data(case, n_out)
    x_before, dout_before = x.copy(), dout.copy()

    out = layer(x)
    assert out.shape == (case["batch"], n_out) and out.dtype == case["dtype"]
    dx = layer.backward(dout)
    grads = [p.grad.copy() for p in layer.parameters()]
    assert dx.shape == x.shape and dx.dtype == case["dtype"]
    assert all(g.dtype == case["dtype"] for g in grads)

    dx_again = layer.backward(dout)  # overwritten, not added: the same gradients again
    np.testing.assert_array_equal(dx_again, dx)
    for p, g in zip(layer.parameters(), grads):
        np.testing.assert_array_equal(p.grad, g)

    np.testing.assert_array_equal(x, x_before)  # neither forward nor backward changed the inputs
    np.testing.assert_array_equal(dout, dout_before)

    G = np.random.default_rng(case["seed"]).standard_normal(out.shape)  # gradcheck's own dL/dout
    blocks = [layer.backward(G.astype(case["dtype"]))] + [p.grad for p in layer.parameters()]
    assume(all(np.max(np.abs(b)) == 0 or np.max(np.abs(b)) > RESOLVABLE for b in blocks))
    report = nl.gradcheck(layer, x.astype(np.float64), rng=case["seed"], tol=RANDOM_NET_TOL)
    assert report.passed and report.max_error < RANDOM_NET_TOL, report


@settings(max_examples=30, deadline=None, derandomize=True)
@given(cases.filter(lambda c: c["name"] != "Sequential"),
       st.sampled_from([None, 1, 2]))
def test_checkpointed_and_plain_sequential_agree_for_every_batch_size(case, checkpoint_every):
    models = []
    for k in (None, checkpoint_every):
        layer, n_out = make_layer(case["name"], case["n_in"], case["n_out"], case["dtype"],
                                  case["seed"], case["batch"])
        head = nl.Linear(case["n_in"], case["n_in"], rng=case["seed"] + 7, dtype=case["dtype"])
        models.append((nl.Sequential(head, layer, checkpoint_every=k), n_out))
    x, dout = data(case, models[0][1])
    results = []
    for model, _ in models:
        model(x)
        results.append((model.backward(dout), [p.grad.copy() for p in model.parameters()]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_keep_the_prediction_dtype(dtype):
    pred = np.random.default_rng(0).standard_normal((4, 3)).astype(dtype)
    mse, ce = nl.MSELoss(), nl.SoftmaxCrossEntropy()
    mse(pred, np.zeros((4, 3)))  # float64 targets
    ce(pred, np.array([0, 1, 2, 0]))
    assert mse.backward().dtype == ce.backward().dtype == dtype



# A model's plan: a list of layer names, a nested list for a nested Sequential.
plans = st.recursive(st.sampled_from(NAMES[:-1]), lambda inner: st.lists(inner, max_size=3),
                     max_leaves=8).map(lambda plan: plan if isinstance(plan, list) else [plan])


def build(plan, width, dtype, seed):
    """A Sequential following ``plan``, every layer ``width`` wide, its weights from ``seed``."""
    layers = []
    for i, item in enumerate(plan):
        if isinstance(item, list):
            layers.append(build(item, width, dtype, seed + 100 * (i + 1)))
        else:
            layers.append(make_layer(item, width, width, dtype, seed + i, batch=4)[0])
    return nl.Sequential(*layers)


@settings(max_examples=40, deadline=None)
@given(plans, st.sampled_from([np.float32, np.float64]), st.integers(0, 2 ** 16),
       st.integers(1, 4))
def test_state_dict_round_trips_any_model(plan, dtype, seed, width):
    source = build(plan, width, dtype, seed).train()
    x = np.random.default_rng(seed).standard_normal((4, width)).astype(dtype)
    source(x)  # moves BatchNorm's running statistics away from where a fresh model starts
    for p in source.parameters():
        p.data += dtype(0.5)
    state = source.state_dict()
    twin = build(plan, width, dtype, seed + 1).load_state_dict(state)
    loaded = twin.state_dict()
    assert list(loaded) == list(state)
    for name, value in state.items():
        assert loaded[name].dtype == value.dtype == dtype, name
        np.testing.assert_array_equal(loaded[name], value, err_msg=name)
    value = next(iter(state.values()), None)
    if value is not None:  # copies, not views: changing the dict changes no model
        value[...] = 9
        assert not any((v == 9).all() for v in (*source.state_dict().values(),
                                                 *twin.state_dict().values()))
    source.eval(), twin.eval()
    with nl.no_grad():
        np.testing.assert_array_equal(twin(x), source(x))
