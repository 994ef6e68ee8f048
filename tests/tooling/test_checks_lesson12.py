"""Lesson 12's checks (nnlesson/checks/lesson12.py) pass twins written by hand and name the
typical mistakes: a transposed weight, a missing bias, float32 layers, Keras's momentum, running
statistics never copied, the mode not carried over; ``nl.to_torch`` itself is refused."""

import numpy as np
import pytest
from conftest import SOURCES

import nnlesson as nl
from nnlesson.checks import FAIL, PASS

torch = pytest.importorskip("torch")
lesson12 = pytest.importorskip("nnlesson.checks.lesson12")


def run(check, fn, capsys):
    assert check(fn) is None  # prints, returns nothing
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out
    assert check(fn, quiet=True) == out.startswith(PASS)
    return out


def copy_into(tensor, array):
    with torch.no_grad():
        tensor.copy_(torch.from_numpy(np.ascontiguousarray(array)))


# -- exercise 1: a twin of Linear / Tanh / ReLU layers, written as a student would ----------------
def ref_twin(model, transpose=False, bias=True, dtype=torch.float64, copy_bias=True):
    layers = []
    for layer in model.layers:
        if type(layer) is nl.Linear:
            linear = torch.nn.Linear(layer.in_features, layer.out_features, dtype=dtype)
            W = layer.W.data.T if transpose and layer.W.shape[0] == layer.W.shape[1] else layer.W.data
            copy_into(linear.weight, W)
            if copy_bias:  # else: nn.Linear's own random bias stays
                copy_into(linear.bias, layer.b.data if bias else np.zeros_like(layer.b.data))
            layers.append(linear)
        else:
            layers.append(torch.nn.Tanh() if type(layer) is nl.Tanh else torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def twin_copied_with_grad(model):  # review r8: copy_ outside torch.no_grad()
    layers = []
    for layer in model.layers:
        if type(layer) is nl.Linear:
            linear = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
            linear.weight.copy_(torch.from_numpy(layer.W.data))
            linear.bias.copy_(torch.from_numpy(layer.b.data))
            layers.append(linear)
        else:
            layers.append(torch.nn.Tanh() if type(layer) is nl.Tanh else torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def twin_assigned_data(model):  # right, written another way: .data set directly, no copy_
    twin = torch.nn.Sequential(*[
        torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
        if type(layer) is nl.Linear else torch.nn.Tanh() if type(layer) is nl.Tanh
        else torch.nn.ReLU() for layer in model.layers])
    for ours, theirs in zip(model.layers, twin):
        if type(ours) is nl.Linear:
            theirs.weight.data = torch.tensor(ours.W.data)
            theirs.bias.data = torch.tensor(ours.b.data)
    return twin


def test_a_copy_outside_no_grad_is_named_and_data_assignment_passes(capsys):
    out = run(lesson12.check_torch_twin, twin_copied_with_grad, capsys)
    assert out.startswith(FAIL) and "each copy_ inside torch.no_grad()?" in out, out
    assert run(lesson12.check_torch_twin, twin_assigned_data, capsys).startswith(PASS)


def test_torch_twin_passes_a_reference(capsys):
    assert run(lesson12.check_torch_twin, ref_twin, capsys).startswith(PASS + " ref_twin is correct on all 4 cases")


@pytest.mark.parametrize("wrong, says", [
    (lambda m: ref_twin(m, transpose=True), "nn.Linear's weight is (out, in) like W, copy W without .T"),
    (lambda m: ref_twin(m, bias=False), "The biases are missing"),
    # the usual form of it: the copy forgotten, torch's random bias left (review, rereview-12)
    (lambda m: ref_twin(m, copy_bias=False),
     "Linear(4 -> 3) alone: the output is wrong at index"),
    (lambda m: ref_twin(m, copy_bias=False),
     "It is off by the same row for every example: the last layer's bias is not the model's"),
    (lambda m: ref_twin(m, dtype=torch.float32), "raised RuntimeError for Linear(4 -> 3) alone: mat1 and mat2 must have the same dtype"),
    (lambda m: nl.to_torch(m), "asks for your own implementation: `nl.to_torch` is not allowed here"),
    (lambda m: m, "it should return a torch.nn.Module, got Sequential"),
    (lambda m: ref_twin(m)[:1], "the output"),
])
def test_torch_twin_names_the_mistake(wrong, says, capsys):
    out = run(lesson12.check_torch_twin, wrong, capsys)
    assert out.startswith("\N{HEAVY BALLOT X}") and says in out, out


# -- exercise 2: the BatchNorm twin --------------------------------------------------------------
def ref_bn_twin(model, keras=False, statistics=True, mode=True, variance=True):
    linear1, bn, _, linear2 = model.layers
    twin = torch.nn.Sequential(
        torch.nn.Linear(3, 4, dtype=torch.float64),
        torch.nn.BatchNorm1d(4, eps=bn.eps, momentum=1 - bn.momentum if keras else bn.momentum,
                             dtype=torch.float64),
        torch.nn.ReLU(), torch.nn.Linear(4, 2, dtype=torch.float64))
    for ours, theirs in [(linear1, twin[0]), (linear2, twin[3])]:
        copy_into(theirs.weight, ours.W.data)
        copy_into(theirs.bias, ours.b.data)
    copy_into(twin[1].weight, bn.gamma.data)
    copy_into(twin[1].bias, bn.beta.data)
    if statistics:
        copy_into(twin[1].running_mean, bn.running_mean)
        if variance:
            copy_into(twin[1].running_var, bn.running_var)
    return twin.train(model.training) if mode else twin


def test_fixed_twin_passes_a_reference(capsys):
    assert run(lesson12.check_fixed_twin, ref_bn_twin, capsys).startswith(PASS)


@pytest.mark.parametrize("wrong, says", [
    (lambda m: ref_bn_twin(m, keras=True), "a fresh model, 3 training batches: the running mean is wrong"),
    (lambda m: ref_bn_twin(m, keras=True), "(Keras's convention)"),
    (lambda m: ref_bn_twin(m, statistics=False), "a trained model, 3 more training batches: the running mean is wrong"),
    (lambda m: ref_bn_twin(m, statistics=False), "copy running_mean and running_var into the twin"),
    (lambda m: ref_bn_twin(m, variance=False), "a trained model in eval mode: the output of the "
                                               "last batch is wrong"),
    (lambda m: ref_bn_twin(m, variance=False), "copy running_var into the twin too"),
    (lambda m: ref_bn_twin(m, mode=False), "The twin is in training mode while the model is in eval mode"),
    (lambda m: ref_bn_twin(m).eval(), "The twin is in eval mode while the model is in training mode"),
])
def test_fixed_twin_names_the_mistake(wrong, says, capsys):
    out = run(lesson12.check_fixed_twin, wrong, capsys)
    assert out.startswith("\N{HEAVY BALLOT X}") and says in out, out


def test_the_lessons_buggy_twin_fails():
    code = (SOURCES / "12_to_pytorch.py").read_text().split("def buggy_torch_twin", 1)[1].split("\n\n\n", 1)[0]
    namespace = {"torch": torch}
    exec("def buggy_torch_twin" + code, namespace)
    assert not lesson12.check_fixed_twin(namespace["buggy_torch_twin"], quiet=True)


def test_torch_twin_refuses_any_other_nnlesson_function_but_reads_the_model(capsys):
    # all of nnlesson is refused, not only nl.to_torch; the model handed over may be read
    def twin_and_a_call(model):
        nl.accuracy(np.eye(2), np.arange(2))
        return ref_twin(model)

    out = run(lesson12.check_torch_twin, twin_and_a_call, capsys)
    assert "`nl.accuracy` is not allowed here" in out, out
    assert lesson12.FORBIDDEN == ("nnlesson",) and nl.Sequential in lesson12.ALLOW
