"""The walk over a model: children(), modules(), parameters, train/eval and state_dict, and a
user's own Module working wherever a Sequential does (fit, gradcheck, checkpointing)."""

import numpy as np
import pytest

import nnlesson as nl


class Block(nl.Module):
    """A user's own module: Linear -> ReLU -> Dropout -> BatchNorm, written out by hand."""

    def __init__(self, n_in, n_out, *, rng, p=0.3):
        self.linear = nl.Linear(n_in, n_out, rng=rng)
        self.middle = [nl.ReLU(), nl.Dropout(p, rng=rng + 100)]
        self.norm = nl.BatchNorm(n_out)

    def forward(self, x):
        x = self.linear(x)
        for layer in self.middle:
            x = layer(x)
        return self.norm(x)

    def backward(self, dout):
        dout = self.norm.backward(dout)
        for layer in reversed(self.middle):
            dout = layer.backward(dout)
        return self.linear.backward(dout)


def block_model(**kwargs):
    return nl.Sequential(Block(3, 6, rng=1), nl.Linear(6, 2, rng=2), **kwargs)


def test_children_and_modules_find_layers_in_attributes_and_lists():
    block = Block(3, 6, rng=1)
    assert [name for name, _ in block.named_children()] == ["linear", "middle.0", "middle.1", "norm"]
    assert block.children() == [block.linear, *block.middle, block.norm]
    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.Sequential(nl.ReLU(), block))
    assert [path for path, _ in model.named_modules()] == [
        "", "0", "1", "1.0", "1.1", "1.1.linear", "1.1.middle.0", "1.1.middle.1", "1.1.norm"]
    assert model.modules()[0] is model and model.modules()[-1] is block.norm


def test_parameter_names_and_order_are_unchanged():
    mlp = nl.Sequential(nl.Linear(2, 3, rng=0), nl.ReLU(), nl.Linear(3, 2, rng=1))
    assert [n for n, _ in mlp.named_parameters()] == ["0.W", "0.b", "2.W", "2.b"]
    assert mlp.parameters() == [mlp[0].W, mlp[0].b, mlp[2].W, mlp[2].b]
    assert [n for n, _ in nl.BatchNorm(3).named_parameters()] == ["gamma", "beta"]
    assert [n for n, _ in nl.PReLU().named_parameters()] == ["alpha"]
    assert [n for n, _ in Block(3, 6, rng=1).named_parameters()] == [
        "linear.W", "linear.b", "norm.gamma", "norm.beta"]


def test_train_and_eval_reach_every_module_inside_a_users_module():
    model = block_model()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_the_same_layer_twice_is_refused_inside_a_users_module_too():
    block = Block(3, 6, rng=1)
    with pytest.raises(ValueError, match=r"Sequential: layer 1.linear is the same object as "
                                         r"layer 0 \(Linear\(3 -> 6\)\)"):
        nl.Sequential(block.linear, block)


class Heads(nl.Module):
    """A user's own module holding its layers in a dict, one of them a Dropout."""

    def __init__(self):
        self.first = nl.Linear(2, 4, rng=0)
        self.heads = {"drop": nl.Dropout(0.5, rng=1), "out": nl.Linear(4, 1, rng=2)}


def test_layers_in_a_dict_are_walked_as_attribute_dot_key():
    model = Heads()
    assert [path for path, _ in model.named_modules()] == ["", "first", "heads.drop", "heads.out"]
    assert [n for n, _ in model.named_parameters()] == [
        "first.W", "first.b", "heads.out.W", "heads.out.b"]
    assert not model.eval().heads["drop"].training  # eval() reaches a Dropout inside the dict
    assert list(model.state_dict()) == ["first.W", "first.b", "heads.out.W", "heads.out.b"]


@pytest.mark.parametrize("held, where", [
    ([nl.Linear(4, 4, rng=1), lambda h: h], r"blocks.0\) next to something else \(blocks.1: function"),
    ((np.tanh, nl.ReLU()), r"blocks.1\) next to something else \(blocks.0: ufunc"),
    ({"out": nl.Linear(4, 1, rng=2), "scale": 2.0}, r"blocks.out\) next to something else "
                                                    r"\(blocks.scale: float"),
    ([nl.Parameter(np.ones(2)), "bias"], r"Parameter \(blocks.0\) next to something else"),
])
def test_a_container_mixing_layers_with_other_things_is_refused(held, where):
    class Net(nl.Module):
        def __init__(self):
            self.first = nl.Linear(2, 4, rng=0)
            self.blocks = held

    with pytest.raises(TypeError, match=r"Net.blocks holds a .*" + where):
        Net().parameters()


def test_containers_of_other_things_are_not_modules():
    class Net(nl.Module):
        def __init__(self):
            self.lin = nl.Linear(2, 1, rng=0)
            self.history, self.options, self.empty = [0.5, 0.25], {"lr": 0.1}, []

    assert [n for n, _ in Net().named_parameters()] == ["lin.W", "lin.b"]


def test_the_same_layer_at_two_places_in_a_users_module_is_refused_naming_both():
    class Tied(nl.Module):
        def __init__(self):
            self.a = nl.Linear(2, 2, rng=0)
            self.act = nl.ReLU()
            self.b = self.a

    model = Tied()
    message = r"Tied: layer b is the same object as layer a \(Linear\(2 -> 2\)\)"
    for walk in (model.named_modules, model.parameters, model.train, model.state_dict):
        with pytest.raises(ValueError, match=message):
            walk()
    with pytest.raises(ValueError, match=message):
        nl.gradcheck(model, np.ones((2, 2)))


def test_a_users_module_with_dropout_and_batchnorm_passes_gradcheck():
    x = np.random.default_rng(5).standard_normal((8, 3))
    report = nl.gradcheck(block_model(), x)
    assert report.passed, report


@pytest.mark.parametrize("k", [1, 2])
def test_checkpointing_a_users_module_gives_the_plain_gradients(k):
    x = np.random.default_rng(5).standard_normal((8, 3))
    dout = np.random.default_rng(6).standard_normal((8, 2))
    plain, ckpt = block_model(), block_model(checkpoint_every=k)
    plain(x)
    ckpt(x)
    dx_plain, dx_ckpt = plain.backward(dout), ckpt.backward(dout)
    np.testing.assert_allclose(dx_ckpt, dx_plain, rtol=1e-12, atol=1e-12)  # same Dropout mask
    for (name, p), (_, q) in zip(plain.named_parameters(), ckpt.named_parameters()):
        np.testing.assert_allclose(q.grad, p.grad, rtol=1e-12, atol=1e-12, err_msg=name)
    # the recomputing forward did not count the batch twice in BatchNorm's running statistics
    np.testing.assert_array_equal(ckpt[0].norm.running_mean, plain[0].norm.running_mean)


def test_fit_trains_a_users_module_and_checks_its_batchnorm():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((65, 3))
    y = (X[:, 0] > 0).astype(int)
    model = block_model()
    loss = nl.SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match="BatchNorm needs at least 2"):
        nl.fit(model, loss, nl.SGD(model.parameters(), lr=0.1), (X, y), epochs=1,
               batch_size=16, rng=0)  # 65 = 4 x 16 + 1: a batch of one
    history = nl.fit(model, loss, nl.SGD(model.parameters(), lr=0.1), (X[:64], y[:64]),
                     epochs=20, batch_size=16, rng=0)
    assert history.train_loss[-1] < 0.6 * history.train_loss[0]
    assert not any(m.training for m in model.modules())  # left in eval mode


def test_early_stopping_restores_batchnorms_running_statistics_too():
    """Before state_dict the restore put back gamma and beta but not the running statistics: the
    restored model's validation loss was not the one recorded for its epoch (0.212 for 0.184)."""
    X, y = nl.make_moons(300, noise=0.3, rng=0)
    (X_train, y_train), (X_val, y_val) = nl.train_val_split(X, y, val_fraction=0.3, rng=0)
    model = nl.Sequential(nl.Linear(2, 32, rng=0), nl.BatchNorm(32), nl.ReLU(),
                          nl.Linear(32, 2, rng=1))
    loss = nl.SoftmaxCrossEntropy()
    history = nl.fit(model, loss, nl.SGD(model.parameters(), lr=0.5), (X_train, y_train),
                     (X_val, y_val), epochs=100, batch_size=16, rng=0,
                     early_stopping=nl.EarlyStopping(3))
    assert history.stopped_epoch > history.best_epoch  # trained on after the best epoch
    with nl.no_grad():
        restored = loss(model(X_val), y_val)
    assert restored == history.val_loss[history.best_epoch - 1]


def test_state_dict_holds_copies_of_parameters_and_buffers():
    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.BatchNorm(3))
    state = model.state_dict()
    assert list(state) == ["0.W", "0.b", "1.gamma", "1.beta", "1.running_mean", "1.running_var"]
    state["0.W"][...] = 7.0
    state["1.running_var"][...] = 7.0
    assert not (model[0].W.data == 7).any() and not (model[1].running_var == 7).any()
    model.load_state_dict(state)
    state["0.W"][...] = 8.0  # loading copied: the model does not follow the dict
    assert (model[0].W.data == 7).all() and (model[1].running_var == 7).all()


def test_load_state_dict_names_what_does_not_fit_and_changes_nothing():
    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.BatchNorm(3))
    before = model.state_dict()
    state = model.state_dict()
    del state["1.running_mean"]
    state["2.W"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"Sequential.load_state_dict: the state does not fit this "
                                         r"model: missing \['1.running_mean'\], unexpected \['2.W'\]"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["1.beta"] = np.ones(3)  # fine
    state["0.W"] = np.zeros((2, 3))  # transposed
    with pytest.raises(ValueError, match=r"0.W must be an array of shape \(3, 2\) and dtype "
                                         r"float64, got shape \(2, 3\) and dtype float64"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["0.b"] = state["0.b"].astype(np.float32)
    with pytest.raises(ValueError, match=r"0.b must be an array of shape \(3,\) and dtype float64, "
                                         r"got shape \(3,\) and dtype float32"):
        model.load_state_dict(state)
    with pytest.raises(TypeError, match="expected a dict from state_dict"):
        model.load_state_dict(list(state.items()))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_a_pickled_or_copied_model_keeps_the_no_grad_mark():
    """The mark was a string compared by identity: a copy failed with "too many values to unpack"."""
    import copy
    import pickle

    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.ReLU())
    with nl.no_grad():
        model(np.ones((4, 2)))
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        with pytest.raises(RuntimeError, match="the last forward ran inside no_grad"):
            twin.backward(np.ones((4, 3)))
        twin(np.ones((4, 2)))  # and it trains again after a forward outside no_grad
        assert twin.backward(np.ones((4, 3))).shape == (4, 2)


def test_a_kept_gradient_is_not_overwritten_by_the_next_backward():
    model = nl.Sequential(nl.Linear(2, 3, rng=0), nl.BatchNorm(3), nl.PReLU(), nl.Linear(3, 2, rng=1))
    rng = np.random.default_rng(0)
    kept = {}
    for step in range(2):
        model(rng.standard_normal((4, 2)))
        model.backward(rng.standard_normal((4, 2)))
        if step == 0:
            kept = {name: (p.grad, p.grad.copy()) for name, p in model.named_parameters()}
    for name, p in model.named_parameters():
        first, value_then = kept[name]
        np.testing.assert_array_equal(first, value_then, err_msg=name)  # unchanged
        assert p.grad is not first and p.grad.shape == p.shape and p.grad.dtype == p.data.dtype


def test_sgd_with_momentum_follows_fresh_gradient_arrays():
    """Momentum keeps its own velocity: new gradient arrays each step must not change its math."""
    layer = nl.Linear(2, 1, rng=0)
    opt = nl.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    x = np.array([[1.0, 2.0]])
    W0 = layer.W.data.copy()
    velocity = np.zeros_like(W0)
    for _ in range(3):
        layer(x)
        layer.backward(np.ones((1, 1)))
        velocity = 0.9 * velocity + x  # dW = dout^T x = x
        opt.step()
        W0 -= 0.1 * velocity
    np.testing.assert_allclose(layer.W.data, W0)
