"""graph.draw: readable at notebook width (no overlapping boxes, every arrow visible), refuses
graphs too big to read."""

import numpy as np
import pytest

import nnlesson as nl
from nnlesson.graph import Tensor, cross_entropy
from nnlesson.viz.figlint import figure_problems
from nnlesson.viz.graph_draw import MAX_DRAWN_NODES, draw, layout
from nnlesson.viz.plot import MAX_WIDTH


def lesson_04_mlp():
    """The one-hidden-layer network of lesson 04 on one example, as graph tensors."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = rng.integers(0, 2, size=8)
    net = nl.Sequential(nl.Linear(3, 4, rng=1), nl.ReLU(), nl.Linear(4, 2, rng=2))
    W1, b1, W2, b2 = (Tensor(p.data, name=name)
                      for name, p in zip(["W1", "b1", "W2", "b2"], net.parameters()))
    x = Tensor(X[:1], name="x")
    H = x @ W1.T + b1
    A = H.relu()
    S = A @ W2.T + b2
    L = cross_entropy(S, y[:1])
    for tensor, name in [(H, "H"), (A, "A"), (S, "S"), (L, "L")]:
        tensor.name = name
    L.backward()
    return L


# The graphs the lessons draw: lesson 04's MLP, and a chain of one element-wise op and a sum.
LESSON_GRAPHS = [lesson_04_mlp, lambda: Tensor(np.array([0.5, -1.0, 2.0]), name="X").tanh().sum()]


def boxes_and_arrows(fig):
    """Window extents of every node's box, and (tail, head) pixel points of every arrow."""
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    boxes = [p.get_window_extent(renderer) for p in ax.patches
             if (p.get_gid() or "").startswith("box:")]
    arrows = []  # straight arrows: (tail, head)
    for p in ax.patches:
        if p.get_gid() == "edge" and p._posA_posB is not None:
            tail, head = p._posA_posB
            arrows.append(ax.transData.transform([tail, head]))
    return boxes, arrows


def detours(fig):
    """The polylines (pixel points) of the arrows drawn around boxes (given as a path)."""
    ax = fig.axes[0]
    return [ax.transData.transform(p._path_original.vertices)  # as given, without the head
            for p in ax.patches if p.get_gid() == "edge" and p._posA_posB is None]


def crosses(box, tail, head, steps=50):
    """True if the straight segment tail -> head passes through the inside of ``box``."""
    inner = box.shrunk(0.96, 0.9)
    for t in np.linspace(0, 1, steps):
        x, y = tail + t * (head - tail)
        if inner.x0 < x < inner.x1 and inner.y0 < y < inner.y1:
            return True
    return False


@pytest.mark.parametrize("make", LESSON_GRAPHS, ids=["mlp", "tanh-sum"])
def test_the_lesson_graphs_are_readable_at_notebook_width(make):
    # Regression: lesson 04's MLP graph was 25 inches wide with 7 pt text, overlapping boxes
    # and arrowheads hidden under the boxes.
    loss = make()
    loss.backward()
    fig = draw(loss)
    assert fig.get_figwidth() <= MAX_WIDTH
    assert figure_problems(fig) == []
    assert repr(fig).startswith("<computational graph of ") and " operators>" in repr(fig)
    boxes, arrows = boxes_and_arrows(fig)
    assert len(boxes) == len(layout(loss)["variables"]) + len(layout(loss)["operators"])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), "two boxes overlap"
    for tail, head in arrows:
        # the arrowhead ends on the edge of a box (just above it), in no box
        assert any(abs(head[1] - b.y1) < 4 and b.x0 <= head[0] <= b.x1 for b in boxes)
        assert not any(b.shrunk(0.96, 0.9).contains(*head) for b in boxes)
        assert head[1] < tail[1]  # top to bottom
        # and the line between the boxes crosses no other box
        others = [b for b in boxes if not (b.contains(*tail + [0, 3]) or b.contains(*head - [0, 3]))]
        assert not any(crosses(b, tail, head) for b in others)


def test_a_value_used_twice_shows_both_uses_its_second_edge_around_the_boxes_between():
    # Regression: for L = u * sigmoid(u) the edge u -> * ran straight behind sigmoid and s, so
    # the picture showed a chain, not the fork that lesson 04 teaches.
    u = Tensor(np.array(0.7), name="u")
    s = u.sigmoid()
    s.name = "s"
    loss = u * s
    loss.name = "L"
    loss.backward()
    fig = draw(loss)
    assert figure_problems(fig) == []
    boxes, arrows = boxes_and_arrows(fig)
    (around,) = detours(fig)
    assert len(arrows) + 1 == len(layout(loss)["edges"])  # every other edge is straight
    for tail, head in arrows:
        others = [b for b in boxes if not (b.contains(*tail + [0, 3]) or b.contains(*head - [0, 3]))]
        assert not any(crosses(b, tail, head) for b in others)
    # the detour's segments cross no box, and it starts on u's box and ends on *'s
    for a, b in zip(around[:-1], around[1:]):
        assert not any(crosses(box, a, b) for box in boxes)
    assert any(box.x1 - 3 <= around[0][0] <= box.x1 + 3 and box.y0 < around[0][1] < box.y1
               for box in boxes)
    assert around[-1][0] < around[-2][0]  # it comes back to the operator from the right
    assert fig.axes[0].get_xlim()[1] >= fig.axes[0].transData.inverted().transform(
        around[1])[0]  # inside the drawing


def test_the_mlp_graph_shows_small_values_and_gradients_and_names_the_rest():
    fig = draw(lesson_04_mlp())
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    assert labels["var:W1"] == "W1 (4, 3)"  # 12 numbers: name and shape only
    assert "value" in labels["var:H"] and "grad" in labels["var:H"]  # 4 numbers: shown
    assert labels["var:L"].startswith("L\n")  # a scalar is named without "(scalar)"
    fig = draw(lesson_04_mlp(), values=False)
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    assert labels["var:H"] == "H (1, 4)"


def chain(n_ops):
    t = Tensor(1.0, name="x")
    for _ in range(n_ops):
        t = t * 1.01
    return t


def test_a_huge_graph_is_refused_with_a_clear_message():
    # Regression: draw() of a 1,000-operation graph took 45 s and made a 340,000 px figure.
    with pytest.raises(ValueError, match=r"draw: this graph has 3001 nodes \(2001 tensors and "
                                         r"1000 operators\); draw\(\) shows at most 60.*smaller"):
        draw(chain(1000))


def test_the_largest_allowed_graph_is_drawn_readably():
    loss = chain(19).sum()  # 20 operators, 40 tensors: 60 nodes
    assert len(layout(loss)["variables"]) + len(layout(loss)["operators"]) == MAX_DRAWN_NODES
    fig = draw(loss)
    assert fig.get_figwidth() <= MAX_WIDTH and figure_problems(fig) == []
    with pytest.raises(ValueError, match="at most 60"):
        draw(chain(20).sum())


def test_a_graph_too_wide_for_a_notebook_is_refused():
    level = [Tensor(np.ones(2), name=f"input_{i}") for i in range(16)]
    level = [a * b for a, b in zip(level[::2], level[1::2])]
    while len(level) > 1:  # a balanced tree of sums: 16 inputs side by side, 48 nodes
        level = [a + b for a, b in zip(level[::2], level[1::2])]
    total = level[0]
    with pytest.raises(ValueError, match=r"inches wide \(at most 9, the width of a notebook\)"):
        draw(total.sum())


def test_draw_of_something_else_than_a_tensor_is_a_clear_error():
    with pytest.raises(TypeError, match="draw expects a graph Tensor, got ndarray"):
        draw(np.ones(3))


@pytest.mark.parametrize("make", LESSON_GRAPHS, ids=["mlp", "tanh-sum"])
def test_every_label_sits_inside_its_box_with_room_to_spare(make):
    # Regression: boxes were sized from a nominal character width, narrower than the hinted
    # glyphs Agg draws: "grad [0.786 0.42 0.0707]" (lesson 04) ran over both edges of its box.
    loss = make()
    loss.backward()
    fig = draw(loss)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    boxes = [p for p in ax.patches if (p.get_gid() or "").startswith("box:")]
    texts = [t for t in ax.texts if t.get_gid()]
    assert len(boxes) == len(texts) == len(layout(loss)["variables"]) + len(layout(loss)["operators"])
    for text, box in zip(texts, boxes):  # painted in the same order, one box per label
        e = text.get_window_extent(renderer)
        outline = box.get_transform().transform_path(box.get_path())
        if text.get_gid().startswith("var:"):  # 2 px of white at least on every side
            b = box.get_window_extent(renderer)
            assert b.x0 + 2 <= e.x0 and e.x1 <= b.x1 - 2, text.get_text()
            assert b.y0 + 2 <= e.y0 and e.y1 <= b.y1 - 2, text.get_text()
        corners = [(e.x0, e.y0), (e.x0, e.y1), (e.x1, e.y0), (e.x1, e.y1)]
        assert outline.contains_points(corners).all(), text.get_text()


def test_layout_has_a_node_per_variable_and_operator_and_an_edge_per_dependency():
    x, w = Tensor(np.ones(3), name="x"), Tensor(np.ones(3), name="w")
    y = (x * w).sigmoid()
    z = (y + x).sum()
    spec = layout(z)
    # variables: x, w, x*w, sigmoid, y+x, sum -> 6; operators: *, sigmoid, +, sum -> 4
    assert len(spec["variables"]) == 6 and len(spec["operators"]) == 4
    # edges: 2 into *, 1 into sigmoid, 2 into +, 1 into sum, plus one op -> result each: 6 + 4
    assert len(spec["edges"]) == 10
    columns = {key: col for key, (col, _) in {**spec["variables"], **spec["operators"]}.items()}
    for start, end in spec["edges"]:
        assert columns[start] < columns[end]  # left to right


def test_draw_returns_a_figure_with_one_artist_per_node_and_edge():
    x, w = Tensor(np.array([1.0, -2.0]), name="X"), Tensor(np.array(0.5), name="w")
    loss = (x * w).tanh().sum()
    loss.name = "Z"
    loss.backward()
    fig = draw(loss)
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_gid()]
    variables = [t for t in texts if t.get_gid().startswith("var:")]
    operators = [t for t in texts if t.get_gid().startswith("op:")]
    edges = [p for p in ax.patches if p.get_gid() == "edge"]
    assert len(variables) == 5 and len(operators) == 3 and len(edges) == 7
    assert {t.get_gid() for t in operators} == {"op:*", "op:tanh", "op:sum"}
    label = next(t.get_text() for t in variables if t.get_gid() == "var:X")
    assert "X (2,)" in label and "grad" in label
    assert "matplotlib.pyplot" not in type(fig).__module__


# -- no silent wrong answer (issue 12) -------------------------------------------------------------
