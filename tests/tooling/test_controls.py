"""The labelled slider's Python side (nnlesson/viz/controls.py): values, moves, bad input.

A move in the browser arrives as a new ``position`` (the range input's value: the number itself,
or the index of an option); setting it here is what the widget's comm does. The page itself (label,
readout, keys, axe) is tested in tests/e2e/test_accessibility.py.
"""

import pytest

from nnlesson.viz.controls import Menu, Slider


def moved(slider, position):
    """The values the observers saw when the browser moved ``slider`` to ``position``."""
    seen = []
    slider.observe(lambda change: seen.append(change.new), names="value")
    slider.position = position
    return seen


def test_a_float_slider_takes_the_browsers_value_and_tells_its_observers():
    p = Slider("p (drop probability)", 0.5, min=0.0, max=0.95, step=0.05, width="340px")
    assert (p.value, p.position, p.decimals, p.layout.width) == (0.5, 0.5, 2, "340px")
    assert moved(p, 0.35) == [0.35] and p.value == 0.35
    p.value = 0.1  # from Python: the browser's handle follows
    assert p.position == 0.1


def test_an_int_slider_gives_ints():
    depth = Slider("depth", 5, min=2, max=30)
    assert moved(depth, 7.0) == [7] and isinstance(depth.value, int)
    assert depth.decimals == 0


def test_a_value_off_the_step_grid_is_kept_until_the_slider_moves():
    # ipywidgets' FloatSlider keeps 0.333 too; the echo of the position must not round it
    alpha = Slider("alpha", 0.333, min=-0.5, max=1.0, step=0.01)
    assert alpha.value == 0.333 and alpha.position == 0.333
    assert moved(alpha, 0.34) == [0.34]


def test_an_exact_slider_moves_an_index_and_holds_the_exact_values():
    values = [0.0, 0.05, 0.07, 0.1]
    noise = Slider("noise", 0.07, options=[(f"{v:g}", v) for v in values])
    assert noise.position == 2 and noise.labels == ["0", "0.05", "0.07", "0.1"]
    assert noise.options == [("0", 0.0), ("0.05", 0.05), ("0.07", 0.07), ("0.1", 0.1)]
    assert (noise.min, noise.max, noise.step) == (0, 3, 1)
    assert moved(noise, 3) == [0.1] and noise.value is values[3]  # the option itself
    noise.value = 0.05
    assert noise.position == 1


def test_options_need_not_be_numbers():
    width = Slider("hidden width", 8, options=[("two", 2), ("eight", 8)])
    assert moved(width, 0) == [2] and width.labels == ["two", "eight"]


@pytest.mark.parametrize("make, error, message", [
    (lambda: Slider("p", 2.0, min=0.0, max=1.0, step=0.1), ValueError,
     "Slider 'p': value must be in [0, 1], got 2.0"),
    (lambda: Slider("depth", 1.5, min=1, max=3), TypeError,
     "Slider 'depth': value must be an integer, got 1.5"),
    (lambda: Slider("p", "0.5", min=0.0, max=1.0, step=0.1), TypeError,
     "Slider 'p': value must be a number, got '0.5'"),
    (lambda: Slider("noise", 0.2, options=[("0", 0.0), ("0.1", 0.1)]), ValueError,
     "Slider 'noise': value must be one of its options (0, 0.1), got 0.2"),
    (lambda: Slider("noise", 0.0, options=[]), ValueError, "Slider 'noise': options is empty"),
    (lambda: Slider("noise", 0.0, options=[0.0, 0.1]), TypeError,
     "Slider 'noise': options must be (label, value) pairs, got [0.0, 0.1]"),
    (lambda: Slider("x", 1, min=1, max=3, options=[("1", 1)]), TypeError,
     "Slider 'x': give either min and max (numbers) or options (exact values), not both"),
    (lambda: Slider("x", 1, max=3), TypeError, "not neither"),
    (lambda: Slider("x", 1, min=3, max=1), ValueError,
     "Slider 'x': needs min < max and step > 0, got min=3, max=1, step=1"),
    (lambda: Slider("x", 1, min=0, max=3, step="1"), TypeError,
     "Slider 'x': step must be a number, got '1'"),
])
def test_bad_input_gets_an_error_naming_the_slider(make, error, message):
    with pytest.raises(error) as raised:
        make()
    assert message in str(raised.value)


def test_a_bad_value_set_later_is_refused_and_the_slider_keeps_its_value():
    p = Slider("p", 0.5, min=0.0, max=1.0, step=0.1)
    with pytest.raises(ValueError, match=r"Slider 'p': value must be in \[0, 1\], got -1"):
        p.value = -1
    assert p.value == 0.5 and p.position == 0.5


def test_the_page_gets_the_label_width_and_a_stable_text():
    s = Slider("batch size", 10, min=1, max=100, width="380px", description_width="130px")
    assert (s.description, s.description_width, s.disabled) == ("batch size", "130px", False)
    assert repr(s) == "Slider(description='batch size', value=10)"  # nbval compares this text


def test_a_menu_is_the_same_over_options_drawn_as_a_drop_down():
    rate = Menu("learning rate", 0.03, [(f"{v:g}", v) for v in (0.01, 0.03, 0.1)])
    assert rate.menu and not Slider("p", 0.5, min=0.0, max=1.0, step=0.1).menu
    assert (rate.index, rate.position) == (1, 1)
    assert moved(rate, 2) == [0.1] and rate.index == 2
    rate.index = 0
    assert (rate.value, rate.position, rate.label) == (0.01, 0, "0.01")
    with pytest.raises(ValueError, match=r"Menu 'learning rate': value must be one of its "
                                         r"options \(0.01, 0.03, 0.1\), got 3"):
        rate.value = 3
    assert repr(rate) == "Menu(description='learning rate', value=0.01)"
