"""Bad input gets a clear error naming the layer or function, what it expected and what it got."""

import re

import numpy as np
import pytest

import nnlesson as nl


def test_linear_wrong_feature_count():
    with pytest.raises(ValueError, match=re.escape("Linear(3 -> 4) expected input with 3 features")) as e:
        nl.Linear(3, 4, rng=0)(np.ones((5, 2)))
    assert "got shape (5, 2)" in str(e.value)


def test_linear_wrong_number_of_dimensions_with_a_hint():
    with pytest.raises(ValueError, match=r"got shape \(3,\) \(for one example use x.reshape\(1, -1\)\)"):
        nl.Linear(3, 4, rng=0)(np.ones(3))
    with pytest.raises(ValueError, match=r"Linear\(3 -> 4\).*got shape \(2, 3, 1\)"):
        nl.Linear(3, 4, rng=0)(np.ones((2, 3, 1)))


@pytest.mark.parametrize("args", [(0, 4), (3, -1), (2.5, 3), (True, 3)])
def test_linear_non_positive_or_non_integer_sizes(args):
    with pytest.raises(ValueError, match=r"Linear\(.*\): (in|out)_features must be a positive integer"):
        nl.Linear(*args)


def test_linear_bad_init_and_dtype():
    with pytest.raises(ValueError, match='init must be "he" or "glorot", got \'xavier\''):
        nl.Linear(2, 2, init="xavier")
    with pytest.raises(ValueError, match="dtype must be a floating-point type, got int64"):
        nl.Linear(2, 2, dtype=np.int64)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_p_outside_zero_one(p):
    with pytest.raises(ValueError, match=r"Dropout: p \(the drop probability\) must be in \[0, 1\), got"):
        nl.Dropout(p)


@pytest.mark.parametrize("p", ["0.5", None, np.array([0.5, 0.5]), True])
def test_dropout_p_not_a_number(p):
    with pytest.raises(TypeError, match=r"Dropout: p \(the drop probability\) must be a number, got"):
        nl.Dropout(p)


@pytest.mark.parametrize("layer", [nl.Linear(2, 3, rng=0), nl.Sigmoid(), nl.Tanh(), nl.ReLU(),
                                   nl.PReLU(), nl.Dropout(0.5)], ids=repr)
def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match=re.escape(f"{layer!r}.backward was called before forward")):
        layer.backward(np.ones((1, 3)))


@pytest.mark.parametrize("layer", [nl.Linear(2, 3, rng=0), nl.Sigmoid(), nl.ReLU(), nl.PReLU(),
                                   nl.Dropout(0.5, rng=0)], ids=repr)
def test_backward_with_wrong_dout_shape(layer):
    out = layer(np.ones((4, 2)))
    with pytest.raises(ValueError, match=re.escape(f"{layer!r}.backward expected dout of shape {out.shape}")):
        layer.backward(np.ones((4, 5)))


def test_losses_before_forward_and_bad_shapes():
    with pytest.raises(RuntimeError, match="MSELoss.backward was called before forward"):
        nl.MSELoss().backward()
    with pytest.raises(RuntimeError, match="SoftmaxCrossEntropy.backward was called before forward"):
        nl.SoftmaxCrossEntropy().backward()
    with pytest.raises(ValueError, match=r"MSELoss expected pred and target of the same shape, got pred \(4, 1\) and target \(4,\)"):
        nl.MSELoss()(np.ones((4, 1)), np.ones(4))


def test_cross_entropy_labels_out_of_range_wrong_shape_or_dtype():
    loss = nl.SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\) for 3 classes, got values from 0 to 3"):
        loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\).*from -1"):
        loss(np.zeros((2, 3)), np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"expected labels of shape \(2,\).*got shape \(2, 1\)"):
        loss(np.zeros((2, 3)), np.array([[0], [1]]))
    with pytest.raises(TypeError, match="expected integer class labels, got dtype float64"):
        loss(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected logits of shape \(batch, classes\), got shape \(3,\)"):
        loss(np.zeros(3), np.array([0, 1, 2]))


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": 0}, "lr (the learning rate) must be in (0, inf), got 0"),
    ({"lr": -0.1}, "lr (the learning rate) must be in (0, inf), got -0.1"),
    ({"lr": float("nan")}, "lr (the learning rate) must be finite, got nan"),
    ({"lr": 0.1, "momentum": 1.0}, "momentum must be in [0, 1), got 1"),
    ({"lr": 0.1, "weight_decay": -1}, "weight_decay must be in [0, inf), got -1"),
])
def test_sgd_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=re.escape("SGD: " + message)):
        nl.SGD(nl.Linear(2, 2).parameters(), **kwargs)


@pytest.mark.parametrize("kwargs", [{"lr": "0.1"}, {"lr": np.array([0.1, 0.2])},
                                    {"lr": 0.1, "momentum": "0.9"}, {"lr": 0.1, "weight_decay": None}])
def test_sgd_hyperparameters_of_the_wrong_type_get_a_clear_error(kwargs):
    # Before: comparing a string with 0 crashed inside SGD with "'>' not supported between ..."
    with pytest.raises(TypeError, match=r"SGD: (lr \(the learning rate\)|momentum|weight_decay) must be a number, got"):
        nl.SGD(nl.Linear(2, 2).parameters(), **kwargs)


def test_sgd_empty_or_wrong_parameters():
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        nl.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="SGD: parameter 0 must be a Parameter, got ndarray"):
        nl.SGD([np.ones(3)], lr=0.1)


def test_sequential_rejects_non_layers():
    with pytest.raises(TypeError, match="Sequential: layer 1 must be a layer such as Linear or ReLU, got function"):
        nl.Sequential(nl.Linear(2, 2), lambda x: x)


def test_sequential_rejects_the_same_layer_twice():
    relu = nl.ReLU()
    with pytest.raises(ValueError, match=r"Sequential: layer 3 is the same object as layer 1 \(ReLU\(\)\)"):
        nl.Sequential(nl.Linear(2, 2), relu, nl.Linear(2, 2), relu)


def test_fit_rejects_nan_inputs_and_mismatched_data():
    model = nl.Sequential(nl.Linear(2, 2, rng=0))
    opt, loss = nl.SGD(model.parameters(), lr=0.1), nl.SoftmaxCrossEntropy()
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="fit: train_data inputs contain NaN or inf"):
        nl.fit(model, loss, opt, (X, y), epochs=1, batch_size=2, rng=0)
    with pytest.raises(ValueError, match="fit: val_data has 4 inputs but 3 targets"):
        nl.fit(model, loss, opt, (np.ones((4, 2)), y), (np.ones((4, 2)), y[:3]), epochs=1, batch_size=2, rng=0)
    with pytest.raises(ValueError, match="fit: early_stopping needs val_data"):
        nl.fit(model, loss, opt, (np.ones((4, 2)), y), epochs=1, batch_size=2, rng=0,
               early_stopping=nl.EarlyStopping(2))
    with pytest.raises(ValueError, match="fit: batch_size must be a positive integer, got 0"):
        nl.fit(model, loss, opt, (np.ones((4, 2)), y), epochs=1, batch_size=0, rng=0)


@pytest.mark.parametrize("patience", [0, -3, 1.5])
def test_early_stopping_patience_below_one(patience):
    with pytest.raises(ValueError, match=f"EarlyStopping: patience must be a positive integer, got {patience}"):
        nl.EarlyStopping(patience)


def test_early_stopping_negative_min_delta():
    with pytest.raises(ValueError, match=r"EarlyStopping: min_delta must be in \[0, inf\), got -0.1"):
        nl.EarlyStopping(3, min_delta=-0.1)
    with pytest.raises(TypeError, match="EarlyStopping: min_delta must be a number, got '0.1'"):
        nl.EarlyStopping(3, min_delta="0.1")


def test_gradcheck_helpers_reject_bad_input():
    with pytest.raises(ValueError, match=r"rel_error expected arrays of the same shape, got \(3,\) and \(3, 1\)"):
        nl.rel_error(np.ones(3), np.ones((3, 1)))
    with pytest.raises(TypeError, match="numerical_gradient expected x to be a float64 numpy array"):
        nl.numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="got an array of int64"):
        nl.numerical_gradient(lambda v: 0.0, np.arange(3))


def test_dataset_bad_arguments():
    with pytest.raises(ValueError, match="make_moons: n must be a positive integer, got 0"):
        nl.make_moons(0)
    with pytest.raises(ValueError, match=r"make_circles: factor must be in \(0, 1\), got 1.5"):
        nl.make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match=r"add_label_noise: fraction must be in \[0, 1\], got 1.5"):
        nl.add_label_noise(np.array([0, 1]), 1.5)
    with pytest.raises(TypeError, match="make_moons: noise must be a number, got '0.1'"):
        nl.make_moons(10, noise="0.1")
    with pytest.raises(ValueError, match="make_spirals: noise must be finite, got nan"):
        nl.make_spirals(10, noise=float("nan"))
    with pytest.raises(ValueError, match="train_val_split: X has 3 rows but y has 2"):
        nl.train_val_split(np.ones((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match="make_curve: gap must be"):
        nl.make_curve(10, gap=(2.0, 1.0))
    with pytest.raises(TypeError, match="rng must be a np.random.Generator, an integer seed or None, got str"):
        nl.make_xor(10, rng="seed")


def test_activation_layers_reject_non_numeric_input():
    with pytest.raises(TypeError, match=r"ReLU\(\) expected a numeric array, got dtype <U1"):
        nl.ReLU()(np.array(["a", "b"]))


# -- one shared input check for every layer and function (issue 12) -------------------------------

BAD_INPUTS = [
    (np.array([[1 + 2j, 3 + 0j]]), "expected real numbers, got complex dtype complex128"),
    (None, "expected a numeric array, got None"),
    (np.array([[1.0, None]], dtype=object), "expected a numeric array, got an array of Python objects"),
    ([[1.0], [2.0, 3.0]], "expected a numeric array, got list"),
]


@pytest.mark.parametrize("x, message", BAD_INPUTS, ids=["complex", "None", "object", "ragged"])
@pytest.mark.parametrize("who, fn", [
    ("Linear(2 -> 3)", lambda x: nl.Linear(2, 3, rng=0)(x)),
    ("ReLU()", lambda x: nl.ReLU()(x)),
    ("PReLU(alpha=0.25)", lambda x: nl.PReLU()(x)),
    ("sigmoid", nl.sigmoid),
    ("MSELoss", lambda x: nl.MSELoss()(x, np.zeros((1, 2)))),
    ("SoftmaxCrossEntropy", lambda x: nl.SoftmaxCrossEntropy()(x, np.array([0]))),
    ("gradcheck", lambda x: nl.gradcheck(nl.Tanh(), x)),
    ("rel_error", lambda x: nl.rel_error(x, np.zeros((1, 2)))),
], ids=lambda v: v if isinstance(v, str) else "")
def test_complex_none_and_object_input_is_refused_by_name(who, fn, x, message):
    # Before: Linear dropped the imaginary part of complex input and turned None into NaN.
    with pytest.raises(TypeError, match=re.escape(f"{who} expected") + ".*" + re.escape(message.split("expected ")[1])):
        fn(x)


@pytest.mark.parametrize("alpha", ["0.25", None, np.array([0.1, 0.2])])
def test_prelu_alpha_must_be_a_number(alpha):
    with pytest.raises(TypeError, match="PReLU: alpha must be a number, got"):
        nl.PReLU(alpha)


def test_gradcheck_and_fit_name_a_wrong_argument():
    with pytest.raises(TypeError, match="gradcheck expected a layer or model .* got ufunc"):
        nl.gradcheck(np.tanh, np.ones((2, 2)))
    with pytest.raises(ValueError, match="gradcheck: give both loss_fn and target, or neither"):
        nl.gradcheck(nl.Tanh(), np.ones((2, 2)), nl.MSELoss())
    with pytest.raises(ValueError, match=r"gradcheck: eps must be in \(0, inf\), got 0"):
        nl.gradcheck(nl.Tanh(), np.ones((2, 2)), eps=0)
    model = nl.Sequential(nl.Linear(2, 2, rng=0))
    with pytest.raises(TypeError, match="fit expected an optimizer such as SGD as optimizer, got float"):
        nl.fit(model, nl.MSELoss(), 0.1, (np.ones((4, 2)), np.ones((4, 2))), epochs=1, batch_size=2, rng=0)
    with pytest.raises(TypeError, match="fit expected a loss such as SoftmaxCrossEntropy\\(\\) as loss_fn"):
        nl.fit(model, np.mean, nl.SGD(model.parameters(), lr=0.1), (np.ones((4, 2)), np.ones((4, 2))),
               epochs=1, batch_size=2, rng=0)


def test_sgd_rejects_a_parameter_listed_twice():
    layer = nl.Linear(2, 2, rng=0)
    with pytest.raises(ValueError, match=r"SGD: a parameter appears twice in the list: parameter 2 "
                                         r"\(Parameter\(W, shape=\(2, 2\), dtype=float64\)\) is parameter 0"):
        nl.SGD(layer.parameters() + [layer.W], lr=0.1)


@pytest.mark.parametrize("grad, got", [
    (np.ones(3), r"has shape \(3,\)"),  # would broadcast over every row of W: a silent wrong step
    (np.ones((1, 2, 3)), r"has shape \(1, 2, 3\)"),  # a keepdims slip: numpy's own error before
    (None, r"is None \(no backward has set it yet\?\)"),
    ([[1.0] * 3] * 2, r"is a list, not an array"),
])
@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.01)])
def test_sgd_step_refuses_a_gradient_of_the_wrong_shape_naming_the_parameter(grad, got, momentum,
                                                                             weight_decay):
    layer = nl.Linear(3, 2, rng=0)
    before = layer.W.data.copy()
    layer.W.grad = grad
    optimizer = nl.SGD(layer.parameters(), lr=0.1, momentum=momentum, weight_decay=weight_decay)
    with pytest.raises(ValueError, match=r"SGD.step: parameter 0 \(W\) has data of shape \(2, 3\) "
                                         r"but its .grad " + got):
        optimizer.step()
    np.testing.assert_array_equal(layer.W.data, before)  # W is first: nothing moved yet


def test_sgd_step_takes_a_numpy_scalar_gradient_for_a_scalar_parameter():
    alpha = nl.Parameter(np.array(0.25))
    alpha.grad = np.float64(1.0)  # np.sum(...) of a user's own layer: a numpy scalar, shape ()
    nl.SGD([alpha], lr=0.1).step()
    assert alpha.data == pytest.approx(0.15)


def test_cross_entropy_names_one_hot_labels():
    with pytest.raises(ValueError, match=r"got shape \(2, 3\) \(one-hot labels\? pass labels.argmax\(axis=1\)\)"):
        nl.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.eye(3, dtype=int)[[0, 1]])


# -- fit given the wrong kind of object (found by an adversarial pass) -------------------------
def _fit_parts(n=20):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((n, 3)), rng.integers(0, 2, n)
    model = nl.Sequential(nl.Linear(3, 4, rng=0), nl.ReLU(), nl.Linear(4, 2, rng=1))
    return model, X, y


@pytest.mark.parametrize("which, fix", [("loss_fn", "SoftmaxCrossEntropy()"),
                                        ("optimizer", "SGD(model.parameters(), lr=0.1)"),
                                        ("early_stopping", "EarlyStopping(patience=5)")])
def test_fit_names_a_class_passed_instead_of_an_object(which, fix):
    model, X, y = _fit_parts()
    args = {"loss_fn": nl.SoftmaxCrossEntropy(), "optimizer": nl.SGD(model.parameters(), lr=0.1),
            "early_stopping": None}
    args[which] = getattr(nl, fix.split("(")[0])
    with pytest.raises(TypeError, match=re.escape(f"fit: {which} is the class")) as e:
        nl.fit(model, args["loss_fn"], args["optimizer"], (X, y), (X, y), epochs=1, batch_size=5,
               rng=0, early_stopping=args["early_stopping"])
    assert fix in str(e.value)


def test_fit_refuses_a_number_as_early_stopping_and_a_dict_as_data():
    model, X, y = _fit_parts()
    opt = nl.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"early_stopping must be an EarlyStopping object .* got 3"):
        nl.fit(model, nl.SoftmaxCrossEntropy(), opt, (X, y), (X, y), epochs=1, batch_size=5,
               rng=0, early_stopping=3)
    with pytest.raises(TypeError, match=r"fit: train_data must be a pair \(X, y\), got dict"):
        nl.fit(model, nl.SoftmaxCrossEntropy(), opt, {"X": X, "y": y}, epochs=1, batch_size=5, rng=0)


def test_fit_with_batchnorm_refuses_a_mini_batch_of_one_before_training():
    _, X, y = _fit_parts(20)
    model = nl.Sequential(nl.Linear(3, 4, rng=0), nl.BatchNorm(4), nl.ReLU(), nl.Linear(4, 2, rng=1))
    model.eval()  # fit trains it in training mode whatever mode it is in now
    before = [p.data.copy() for p in model.parameters()]
    for batch_size in (19, 1):
        with pytest.raises(ValueError, match=f"20 training examples and batch_size={batch_size}, "
                                             f"a mini-batch of each epoch holds a single example"):
            nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X, y),
                   epochs=1, batch_size=batch_size, rng=0)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1), (X, y), epochs=1,
           batch_size=10, rng=0)  # two batches of 10: fine


def test_fit_blames_the_inputs_not_the_learning_rate_when_the_first_loss_is_not_finite():
    model, X, y = _fit_parts()
    model[0].W.data[:] = 1e300  # the squared error overflows before any step
    with pytest.raises(FloatingPointError, match=r"first mini-batch is inf, before any training "
                                                 r"step: the inputs \(largest \|x\| = 2\.33\) or "
                                                 r"the initial weights are too large"):
        nl.fit(model, nl.MSELoss(), nl.SGD(model.parameters(), lr=0.1), (X, np.ones((20, 2))),
               epochs=1, batch_size=5, rng=0)
    # Finite at first but huge: the step diverges, and the message names the inputs' size too.
    model, X, y = _fit_parts()
    with pytest.raises(FloatingPointError, match=r"smaller learning rate \(now lr=0\.1\); the "
                                                 r"inputs are large too \(largest \|x\| = 2\.33e\+200\)"):
        nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=0.1),
               (X * 1e200, y), epochs=1, batch_size=5, rng=0)
    model, X, y = _fit_parts()
    with pytest.raises(FloatingPointError) as e:
        nl.fit(model, nl.SoftmaxCrossEntropy(), nl.SGD(model.parameters(), lr=1e6), (X, y),
               epochs=50, batch_size=5, rng=0)
    assert "inputs" not in str(e.value)  # ordinary inputs: only the learning rate is named


@pytest.mark.parametrize("loss, args", [
    (nl.SoftmaxCrossEntropy(), (np.zeros((0, 2)), np.zeros(0, int))),
    (nl.SoftmaxCrossEntropy(), (np.zeros((2, 0)), np.zeros(2, int))),
    (nl.MSELoss(), (np.zeros((0, 2)), np.zeros((0, 2)))),
])
def test_losses_refuse_an_empty_batch_instead_of_returning_nan(loss, args):
    with pytest.raises(ValueError, match=f"{type(loss).__name__} got empty"):
        loss(*args)


def test_linear_names_a_weight_replaced_by_an_array_of_another_shape():
    layer = nl.Linear(3, 4, rng=0)
    layer.W.data = np.zeros((3, 4))  # transposed
    with pytest.raises(ValueError, match=re.escape(
            "Linear(3 -> 4) expects W of shape (4, 3) and b of shape (4,), but W.data has shape "
            "(3, 4)")):
        layer(np.ones((2, 3)))


def test_accuracy_of_nan_or_inf_logits_is_an_error_not_a_number():
    labels = np.array([0, 1, 0])
    for bad in (np.nan, np.inf, -np.inf):
        logits = np.array([[bad, 1.0], [1.0, 2.0], [3.0, 1.0]])  # gave 0.667
        with pytest.raises(ValueError, match=r"accuracy: the logits contain NaN or inf \(1 of 6\)"):
            nl.accuracy(logits, labels)


def test_sgd_given_the_parameters_method_says_to_call_it():
    model = nl.Sequential(nl.Linear(2, 3, rng=0))
    with pytest.raises(TypeError, match=r"SGD: got the method Module.parameters itself instead of "
                                        r"its list of parameters; call it: SGD\(model.parameters\(\)"):
        nl.SGD(model.parameters, 0.1)  # was: 'method' object is not iterable


def test_numerical_gradient_refuses_a_float32_model_instead_of_being_1_percent_off():
    layer = nl.Linear(3, 2, rng=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((4, 3))  # float64, but the layer computes in float32
    with pytest.raises(TypeError, match=r"numerical_gradient: f\(x\) is computed in float32.*"
                                        r"use a float64 model"):
        nl.numerical_gradient(lambda v: float(np.sum(layer(v) ** 2)), x)
    with pytest.raises(TypeError, match=r"f\(x\) is computed in float32"):  # a float32 result
        nl.numerical_gradient(lambda v: np.float32(np.sum(v ** 2)), x)
    # float64 functions whose values happen to be simple numbers are not refused
    assert nl.numerical_gradient(lambda v: float(np.sum(v)), np.array([1.0, 2.0])) == \
        pytest.approx([1.0, 1.0])
    assert nl.numerical_gradient(lambda v: 0.0, np.ones(2)) == pytest.approx([0.0, 0.0])
    # the float32 probe steps x by 0.1%: where f is undefined there, it is no evidence either way
    x = np.array([-0.0005])
    assert nl.numerical_gradient(lambda v: float(np.sqrt(-v).sum()), x) == \
        pytest.approx([-0.5 / np.sqrt(0.0005)], rel=1e-6)


@pytest.mark.parametrize("loss_fn, pred, target, message", [
    (nl.MSELoss(), [np.nan, 1.0, 2.0], np.zeros(3), r"MSELoss: the loss is nan, from NaN in pred \(1 of 3 elements\)"),
    (nl.MSELoss(), [1.0, 2.0], [np.inf, -np.inf], r"MSELoss: the loss is inf, from inf in target \(2 of 2 elements\)"),
    (nl.MSELoss(), [1e200], [0.0], r"MSELoss: the loss is inf, every input is finite, but so large that the computation overflowed"),
    (nl.SoftmaxCrossEntropy(), [[np.nan, 0.0]], [1], r"SoftmaxCrossEntropy: the loss is nan, from NaN in logits \(1 of 2 elements\)"),
    (nl.SoftmaxCrossEntropy(), [[np.inf, 0.0], [1.0, 2.0]], [1, 0], r"SoftmaxCrossEntropy: the loss is nan, from inf in logits \(1 of 4 elements\)"),
])
@pytest.mark.filterwarnings("ignore:(overflow|invalid value) encountered:RuntimeWarning")  # numpy's own
def test_a_loss_that_is_not_finite_says_whether_the_input_held_nan_or_inf(loss_fn, pred, target, message):
    with pytest.raises(ValueError, match=message):
        loss_fn(np.array(pred), np.array(target))
    # a caller that deals with NaN itself (fit: "training diverged ... lr") gets the value as it is
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(loss_fn(np.array(pred), np.array(target)))
