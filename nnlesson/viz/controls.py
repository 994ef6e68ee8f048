"""The explorers' and the playground's sliders and drop-downs, with a name and keys that work.

ipywidgets' sliders (noUiSlider handles) have no accessible name, and ipywidgets offers no way to
give them one: a screen reader says "slider" and nothing else (axe-core: aria-input-field-name).
This one is a browser's own ``<input type="range">``, built with ``anywidget``:

- the description is a visible ``<label for>`` the input, so the input is named by it;
- the value is read out beside the track in an ``<output>`` and given to the input as its
  ``aria-valuetext`` ("0.25", not the index or the raw number);
- Tab reaches it, the arrow keys, Page Up/Down, Home and End move it, the focus ring is drawn;
  Jupyter's own keyboard shortcuts (the arrow keys select cells) are kept off it;
- the track is never narrower than 120 px; the value is sent while dragging.

One class serves two kinds of slider:

- numeric: ``Slider("p", 0.5, min=0, max=0.95, step=0.05)``; ``value`` is an int when ``value``,
  ``min``, ``max`` and ``step`` are all ints;
- over exact values: ``Slider("noise", 0.1, options=[("0", 0.0), ("0.1", 0.1)])``. The browser
  moves an index; Python holds the values, so a value is never rounded on its way through the
  browser (a FloatLogSlider turned a learning rate of 0.03 into 0.0302).

:class:`Menu` is the same over exact options, drawn as a ``<select>``: ipywidgets' Dropdown loses
its arrow keys to Jupyter's shortcuts in JupyterLab (they move the selection between cells).

The Python side reads like ipywidgets' sliders: ``value``, ``observe(..., names="value")``,
``description``, ``disabled``, ``layout``; ``options`` and ``index`` over options. Works with
ipywidgets 8 and 7.7.
"""

import numbers
from decimal import Decimal

import anywidget
import traitlets

MIN_TRACK = 120  # px: a shorter track cannot be dragged to a chosen value

_ESM = """
function render({ model, el }) {
  const menu = model.get("menu");  // a drop-down <select>, else a range <input>
  const label = document.createElement("label");
  const input = document.createElement(menu ? "select" : "input");
  const output = document.createElement("output");
  input.id = "nnlesson-control-" + Math.random().toString(36).slice(2);
  label.htmlFor = input.id;
  output.setAttribute("for", input.id);
  // the input's aria-valuetext says the value already: the readout is for the eyes only
  output.setAttribute("aria-hidden", "true");
  // Jupyter's shortcuts (arrow keys move between cells) must leave the control's keys alone
  input.setAttribute("data-lm-suppress-shortcuts", "true");
  el.classList.add(menu ? "nnlesson-menu" : "nnlesson-slider");
  el.append(label, input);
  if (!menu) el.append(output);

  function readOut(position) {  // a value's text: its option's label, or the number itself
    const labels = model.get("labels");
    output.value = labels.length ? labels[position] : position.toFixed(model.get("decimals"));
    if (!menu) input.setAttribute("aria-valuetext", output.value);  // a <select> says it
  }
  function show() {  // the model's state on the page (min, max and step before the value)
    label.textContent = model.get("description");
    label.style.width = model.get("description_width");
    if (menu) {
      input.replaceChildren(...model.get("labels").map((text, i) => new Option(text, i)));
    } else {
      Object.assign(input, { type: "range", min: model.get("min"), max: model.get("max"),
                             step: model.get("step") });
    }
    input.value = model.get("position");
    input.disabled = model.get("disabled");
    readOut(model.get("position"));
  }
  input.addEventListener("input", () => {  // every move while dragging, every key press
    readOut(Number(input.value));
    model.set("position", Number(input.value));
    model.save_changes();
  });
  model.on("change", show);
  show();
  return () => model.off("change", show);
}
export default { render };
"""

_CSS = f"""
.nnlesson-slider, .nnlesson-menu {{
  display: flex; align-items: center; gap: 8px; flex-shrink: 0; margin: 2px 16px 2px 2px;
  min-height: var(--jp-widgets-inline-height, 28px);
  font-size: var(--jp-widgets-font-size, 13px);
  color: var(--jp-widgets-label-color, var(--jp-ui-font-color1, inherit));
}}
/* a label of width 0 is hidden from the eyes, not from a screen reader */
.nnlesson-slider label, .nnlesson-menu label {{
  flex: none; white-space: nowrap; overflow: hidden;
}}
.nnlesson-slider input {{ flex: 1 1 auto; min-width: {MIN_TRACK}px; margin: 0; }}
.nnlesson-menu select {{
  flex: 1 1 auto; min-width: 0; height: var(--jp-widgets-inline-height, 28px); font: inherit;
  color: inherit; background: var(--jp-widgets-input-background-color, white);
  border: 1px solid var(--jp-widgets-input-border-color, #9e9e9e);
}}
.nnlesson-slider input:focus-visible, .nnlesson-menu select:focus-visible {{
  outline: 2px solid var(--jp-brand-color1, #1976d2); outline-offset: 2px;
}}
.nnlesson-slider output {{ flex: none; min-width: 3.5em; font-variant-numeric: tabular-nums; }}
"""


class _Control(anywidget.AnyWidget):
    """A labelled control over numbers (``min``, ``max``, ``step``) or exact ``options``: the
    Python side of :class:`Slider` and :class:`Menu`.

    ``options`` is a list of ``(label, value)`` pairs. ``width`` sets the whole widget's width
    (label, track and readout), ``description_width`` the label's (default: its text's).
    """

    _esm = _ESM
    _css = _CSS
    menu = traitlets.Bool(False).tag(sync=True)  # drawn as a drop-down, not a range
    description = traitlets.Unicode("").tag(sync=True)
    description_width = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    # What the browser sees: the range input's min, max, step and value (its ``position``: the
    # value itself, or the index of an option), the options' labels and the readout's decimals.
    min = traitlets.Float(0.0).tag(sync=True)
    max = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(1.0).tag(sync=True)
    position = traitlets.Float(0.0).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    decimals = traitlets.Int(0).tag(sync=True)
    value = traitlets.Any()  # Python's value: exact, never sent to the browser and back

    def __init__(self, description, value, *, min=None, max=None, step=1, options=None,
                 width=None, description_width="", **kwargs):
        who = f"{type(self).__name__} {description!r}"  # what an error message names
        if (options is None) == (min is None or max is None):
            raise TypeError(f"{who}: give either min and max (numbers) or options (exact "
                            f"values), not {'both' if options is not None else 'neither'}")
        if options is not None:
            self._values = _check_options(options, who)
            limits = dict(min=0, max=len(self._values) - 1, step=1,
                          labels=[str(text) for text, _ in options])
        else:
            self._values = None
            for name, number in (("min", min), ("max", max), ("step", step)):
                if isinstance(number, bool) or not isinstance(number, numbers.Real):
                    raise TypeError(f"{who}: {name} must be a number, got {number!r}")
            if not min < max or not step > 0:
                raise ValueError(f"{who}: needs min < max and step > 0, got min={min!r}, "
                                 f"max={max!r}, step={step!r}")
            self._integer = all(isinstance(n, numbers.Integral) for n in (min, max, step))
            limits = dict(min=min, max=max, step=step, decimals=_decimals(min, step))
        if width is not None:
            kwargs["layout"] = {"width": width}
        super().__init__(description=description, description_width=description_width,
                         **limits, **kwargs)
        self.value = value  # checked by _check_value; sets the position

    @traitlets.validate("value")
    def _check_value(self, proposal):
        value, name = proposal["value"], f"{type(self).__name__} {self.description!r}"
        if self._values is not None:
            if value not in self._values:
                shown = ", ".join(self.labels)
                raise ValueError(f"{name}: value must be one of its options ({shown}), got "
                                 f"{value!r}")
            return value
        kind = numbers.Integral if self._integer else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind):
            expected = "an integer" if self._integer else "a number"
            raise TypeError(f"{name}: value must be {expected}, got {value!r}")
        if not self.min <= value <= self.max:
            raise ValueError(f"{name}: value must be in [{self.min:g}, {self.max:g}], got "
                             f"{value!r}")
        return value

    @traitlets.observe("value")
    def _value_to_position(self, change):
        self.position = self.index if self._values is not None else change.new

    @traitlets.observe("position")
    def _position_to_value(self, change):
        # A move in the browser. A position that already shows the value (the echo of the
        # line above) leaves the value alone: 0.333 stays 0.333 on a slider of step 0.01.
        if self._values is not None:
            if round(change.new) != self.index:
                self.index = round(change.new)
        elif change.new != self.value:
            self.value = round(change.new) if self._integer else round(change.new,
                                                                       self.decimals)

    @property
    def options(self):
        """The ``(label, value)`` pairs of a control over exact values (``None`` if numeric)."""
        return None if self._values is None else list(zip(self.labels, self._values))

    @property
    def index(self):
        """The position of ``value`` among the ``options`` (the first equal one), as in
        ipywidgets' selection widgets."""
        return self._values.index(self.value)

    @index.setter
    def index(self, index):
        self.value = self._values[index]

    @property
    def label(self):
        """The label of the option chosen (``"He"`` for ``"he"``), as in ipywidgets' Dropdown."""
        return self.labels[self.index]

    def __repr__(self):  # stable (no address): nbval compares a widget's text
        return f"{type(self).__name__}(description={self.description!r}, value={self.value!r})"


class Slider(_Control):
    """A labelled slider: numeric (``min``, ``max``, ``step``) or over exact ``options``."""


class Menu(_Control):
    """A labelled drop-down over exact ``options`` (``(label, value)`` pairs): a ``<select>``.

    ipywidgets' Dropdown cannot be changed with the arrow keys in JupyterLab: Jupyter takes them
    to move between cells. This one keeps them, as the slider does.
    """

    menu = traitlets.Bool(True).tag(sync=True)

    def __init__(self, description, value, options, **kwargs):
        super().__init__(description, value, options=options, **kwargs)


def _check_options(options, who):
    """The values of ``options``, a non-empty list of (label, value) pairs, or a clear error."""
    try:
        pairs = [(text, value) for text, value in options]
    except (TypeError, ValueError):
        raise TypeError(f"{who}: options must be (label, value) pairs, got {options!r}") from None
    if not pairs:
        raise ValueError(f"{who}: options is empty")
    return [value for _, value in pairs]


def _decimals(*numbers_):
    """Decimal places enough to print every number of a grid starting at ``min`` in ``step``s."""
    places = [-Decimal(str(n)).normalize().as_tuple().exponent for n in numbers_]
    return max(0, *places)
