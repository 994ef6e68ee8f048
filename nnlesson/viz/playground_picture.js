// The playground's picture, made touchable: hot spots over the PNG that matplotlib draws in the
// kernel (nnlesson/viz/playground.py, class Picture). Python sends three things:
// - value: the PNG of every frame;
// - geometry: where the units, links and hidden layers' headers are in the picture (in the
//   figure's pixels), the settings the toolbar shows and the hidden controls; once per layout;
// - numbers: each link's weight and each unit's bias, every frame.
// A click (or Enter / Space on a focused hot spot) sends a message back ({action: ...});
// Python changes the network through the same controls and checks as the tabs above, trains and
// redraws. Nothing is computed here: this file only places buttons and shows numbers.

const SVG = "http://www.w3.org/2000/svg";
const CSS = `
.nnl-picture { font-size: 12px; }
.nnl-toolbar { display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: center;
  margin-bottom: 2px; }
.nnl-toolbar span.nnl-group { display: inline-flex; gap: 2px; align-items: center; }
.nnl-picture button { font-size: 11px; padding: 0 5px; min-width: 22px; height: 22px;
  cursor: pointer; border: 1px solid #999; background: #fff; border-radius: 3px; }
.nnl-toolbar button img { width: 18px; height: 18px; vertical-align: middle; background: #fff; }
.nnl-toolbar button:has(img) { padding: 1px; }
.nnl-picture button[aria-pressed=true] { background: #0877bd; color: #fff; border-color: #0877bd; }
.nnl-picture button:disabled { opacity: 0.35; cursor: default; }
.nnl-stage { position: relative; line-height: 0; }
.nnl-stage img { width: 100%; height: auto; display: block; }
.nnl-overlay { position: absolute; inset: 0; line-height: normal; pointer-events: none; }
.nnl-overlay > * { pointer-events: auto; }
.nnl-overlay svg { position: absolute; inset: 0; width: 100%; height: 100%;
  pointer-events: none; }
.nnl-link { stroke: transparent; stroke-width: 9px; vector-effect: non-scaling-stroke;
  cursor: pointer; pointer-events: stroke; fill: none; }
.nnl-link:hover, .nnl-link:focus { stroke: rgba(0, 0, 0, 0.35); outline: none; }
.nnl-unit { position: absolute; cursor: pointer; box-sizing: border-box; }
.nnl-unit:hover, .nnl-unit:focus { outline: 2px solid #000; outline-offset: 1px; }
.nnl-header { position: absolute; transform: translate(-50%, 0); display: flex; gap: 2px; }
.nnl-header.nnl-narrow { flex-direction: column-reverse; }
.nnl-header button { min-width: 18px; height: 18px; padding: 0 2px; line-height: 1; }
.nnl-info { position: absolute; z-index: 2; background: #fff; border: 1px solid #666;
  padding: 4px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); max-width: 240px; }
.nnl-zoom { width: 120px; height: 120px; border: 1px solid #999; background-repeat: no-repeat;
  image-rendering: pixelated; }
.nnl-info input { width: 80px; font-size: 12px; }
.nnl-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
`;

function signed(v) {
  return (v >= 0 ? "+" : "") + v.toFixed(3);
}

function makeButton(text, label, onPress, key) {
  const b = document.createElement("button");
  b.dataset.key = key;  // the same button after a new layout (build keeps the focus on it)
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.title = label;
  b.addEventListener("click", (event) => { event.stopPropagation(); onPress(); });
  return b;
}

// A hot spot: focusable, a button to assistive technology, pressed by a click, Enter or Space.
function hotSpot(element, key, onPress, onShow) {
  element.dataset.key = key;
  element.setAttribute("tabindex", "0");
  element.setAttribute("role", "button");
  element.addEventListener("click", (event) => { event.stopPropagation(); onPress(); });
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      event.stopPropagation();  // not the notebook's Enter (edit the cell) nor Space (scroll)
      onPress();
    }
  });
  for (const name of ["mouseenter", "focus"]) element.addEventListener(name, onShow);
  return element;
}

function render({ model, el }) {
  el.classList.add("nnl-picture");
  el.innerHTML = `<style>${CSS}</style><div class="nnl-toolbar"></div><div class="nnl-stage">
    <img class="widget-image"><div class="nnl-overlay"></div></div>
    <div class="nnl-hidden" role="status" aria-live="polite"></div>`;
  const toolbar = el.querySelector(".nnl-toolbar");
  const img = el.querySelector("img");
  const overlay = el.querySelector(".nnl-overlay");
  const announce = el.querySelector("[role=status]");
  const info = document.createElement("div");  // the hovered or focused unit, enlarged
  info.className = "nnl-info";
  info.hidden = true;
  // a click or Tab away from the text box closes it, as Escape does
  info.addEventListener("focusout", (event) => {
    if (shown && shown.editing && !info.contains(event.relatedTarget)) {
      shown = null;
      info.hidden = true;
    }
  });
  let url = null;
  let shown = null;  // what the info box shows: {kind: "unit" | "link", index, editing}
  let spots = { unit: [], link: [] };  // the hot spots, to update their labels every frame

  // the text of a unit or a link with its current number (also its aria-label)
  function describe(kind, index) {
    const g = model.get("geometry"), n = model.get("numbers");
    if (kind === "link") {
      const weight = (n.weights || [])[index];
      return `${g.links[index].name}: weight ${weight === undefined ? "?" : signed(weight)}`;
    }
    const unit = g.units[index];
    if (unit.layer === 0) return `${unit.name} (in use; press to switch it off)`;
    const bias = (n.biases || [])[unit.node];
    return `${unit.name}: bias ${bias === undefined ? "?" : signed(bias)}`;
  }

  function showPicture() {
    if (url) URL.revokeObjectURL(url);
    const value = model.get("value");
    url = URL.createObjectURL(new Blob([value], { type: "image/png" }));
    img.src = url;
    if (shown) fillInfo();
  }

  function zoom(box) {
    const g = model.get("geometry");
    const scale = 120 / (box[2] - box[0]);
    const z = document.createElement("div");
    z.className = "nnl-zoom";
    z.style.backgroundImage = `url(${url})`;
    z.style.backgroundSize = `${g.width * scale}px ${g.height * scale}px`;
    z.style.backgroundPosition = `${-box[0] * scale}px ${-box[1] * scale}px`;
    return z;
  }

  function fillInfo() {
    const { kind, index, editing } = shown;
    const g = model.get("geometry");
    if (editing) return;  // keep the text box as the student types
    info.replaceChildren();
    if (kind === "unit") info.appendChild(zoom(g.units[index].box));
    const text = document.createElement("div");
    text.textContent = describe(kind, index);
    info.appendChild(text);
  }

  function placeInfo(box) {
    const g = model.get("geometry");
    const right = box[2] / g.width < 0.6;
    info.style.left = right ? `${(100 * (box[2] + 6)) / g.width}%` : "";
    info.style.right = right ? "" : `${100 - (100 * (box[0] - 6)) / g.width}%`;
    info.style.top = `${(100 * Math.max(0, box[1])) / g.height}%`;
  }

  function show(kind, index, box) {
    if (shown && shown.editing) return;
    shown = { kind, index, editing: false };
    placeInfo(box);
    fillInfo();
    info.hidden = false;
  }

  function hide() {
    if (shown && shown.editing) return;
    shown = null;
    info.hidden = true;
  }

  // a text box for a link's weight or a unit's bias; Enter sets it (in Python), Escape leaves
  function edit(kind, index, box, spot) {
    const g = model.get("geometry"), n = model.get("numbers");
    const item = kind === "link" ? g.links[index] : g.units[index];
    const what = kind === "link" ? "weight" : "bias";
    const current = kind === "link" ? n.weights[index] : n.biases[item.node];
    shown = null;
    show(kind, index, box);
    shown.editing = true;
    const label = document.createElement("label");
    label.textContent = `${what} of ${item.name}: `;
    const input = document.createElement("input");
    input.type = "number";
    input.step = "0.1";
    input.value = current.toFixed(3);
    label.appendChild(input);
    const done = () => { shown = null; info.hidden = true; spot.focus(); };
    const set = makeButton("set", `set the ${what}`, () => {
      const value = parseFloat(input.value);
      if (!Number.isFinite(value)) {
        announce.textContent = `${input.value} is not a number`;
        return;
      }
      model.send({ action: what, layer: item.layer, unit: item.unit,
                   ...(kind === "link" ? { input: item.input } : {}), value });
      announce.textContent = `${what} of ${item.name} set to ${value}`;
      done();
    }, "set");
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();  // the notebook's own shortcuts stay out of the text box
      if (event.key === "Enter") set.click();
      if (event.key === "Escape") done();
    });
    info.appendChild(label);
    info.appendChild(set);
    input.focus();
    input.select();
  }

  function percent(v, total) {
    return `${(100 * v) / total}%`;
  }

  function build() {
    const g = model.get("geometry");
    if (!g.units) return;
    const hidden = new Set(g.hide);
    const focused = el.contains(document.activeElement) && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    img.alt = g.alt;
    overlay.replaceChildren();
    toolbar.replaceChildren();
    shown = null;
    info.hidden = true;
    spots = { unit: [], link: [] };
    g.links.forEach((link, index) => {
      const line = document.createElementNS(SVG, "line");
      line.setAttribute("class", "nnl-link");
      const [x1, y1, x2, y2] = link.line;
      Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => line.setAttribute(k, v));
      const box = [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
      hotSpot(line, link.name, () => edit("link", index, box, line),
              () => show("link", index, box));
      line.addEventListener("mouseleave", hide);
      line.addEventListener("blur", hide);
      spots.link.push(line);
    });
    g.units.forEach((unit, index) => {
      const [x0, y0, x1, y1] = unit.box;
      const div = document.createElement("div");
      div.className = "nnl-unit";
      Object.assign(div.style, { left: percent(x0, g.width), top: percent(y0, g.height),
                                 width: percent(x1 - x0, g.width),
                                 height: percent(y1 - y0, g.height) });
      const press = unit.layer === 0
        ? () => model.send({ action: "feature", name: unit.feature })
        : () => edit("unit", index, unit.box, div);
      if (unit.layer === 0 && hidden.has("features")) return;
      hotSpot(div, unit.name, press, () => show("unit", index, unit.box));
      div.addEventListener("mouseleave", hide);
      div.addEventListener("blur", hide);
      spots.unit.push([div, index]);
      overlay.appendChild(div);
    });
    // the links after the units: Tab reaches the units first
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${g.width} ${g.height}`);
    svg.setAttribute("preserveAspectRatio", "none");
    overlay.appendChild(svg);
    svg.append(...spots.link);
    if (!hidden.has("units")) {
      g.headers.forEach((header) => {
        const box = document.createElement("div");
        box.className = "nnl-header";
        box.style.left = percent(header.x, g.width);
        box.style.top = percent(header.y, g.height);
        const name = `hidden layer ${header.layer}`;
        const units = g.hidden[header.layer - 1];
        const less = makeButton("−", `remove a unit from ${name} (${units} units)`,
                                () => model.send({ action: "units", layer: header.layer, change: -1 }),
                                `units ${header.layer} -`);
        const more = makeButton("+", `add a unit to ${name} (${units} units)`,
                                () => model.send({ action: "units", layer: header.layer, change: 1 }),
                                `units ${header.layer} +`);
        less.disabled = units <= 1;
        more.disabled = units >= g.max_units;
        box.append(less, more);
        overlay.appendChild(box);
      });
    }
    overlay.appendChild(info);
    narrow();
    // the toolbar: what Playground shows above its picture (data sets, features, layers)
    function group(title, buttons) {
      const span = document.createElement("span");
      span.className = "nnl-group";
      span.setAttribute("role", "group");
      span.setAttribute("aria-label", title);
      span.append(title + ":", ...buttons);
      toolbar.appendChild(span);
    }
    if (!hidden.has("dataset")) {
      group("data", g.datasets.map((name) => {
        const b = makeButton(name, `data set ${name}`,
                             () => model.send({ action: "dataset", name }), `data ${name}`);
        // as Playground's: the data, small (the name shows as the button's tooltip)
        const picture = document.createElement("img");
        picture.src = `data:image/png;base64,${g.thumbnails[name]}`;
        picture.alt = "";  // the button's aria-label says which data set it is
        b.replaceChildren(picture);
        b.setAttribute("aria-pressed", String(name === g.dataset));
        return b;
      }));
    }
    if (!hidden.has("features")) {
      group("features", g.all_features.map(([name, label]) => {
        const on = g.features.includes(name);
        const b = makeButton(label, `feature ${name}`,
                             () => model.send({ action: "feature", name }), `feature ${name}`);
        b.setAttribute("aria-pressed", String(on));
        b.disabled = on && g.features.length === 1;  // the network needs one input at least
        return b;
      }));
    }
    if (!hidden.has("layers")) {
      const n = g.hidden.length;
      const less = makeButton("−", `remove a hidden layer (${n} hidden layers)`,
                              () => model.send({ action: "layers", change: -1 }), "layers -");
      const more = makeButton("+", `add a hidden layer (${n} hidden layers)`,
                              () => model.send({ action: "layers", change: 1 }), "layers +");
      less.disabled = n === 0;
      more.disabled = n >= g.max_layers;
      group("hidden layers", [less, String(n), more]);
    }
    // the control pressed is rebuilt with the new layout: keep the keyboard's place on it
    const again = focused && el.querySelector(`[data-key="${focused}"]`);
    if (again) again.focus();
  }

  // columns closer than two buttons side by side: stack each layer's + over its -
  function narrow() {
    const g = model.get("geometry");
    const apart = g.headers && g.headers.length > 1 ? g.headers[1].x - g.headers[0].x : g.width;
    const wide = (apart * img.clientWidth) / g.width >= 44;
    el.querySelectorAll(".nnl-header").forEach((h) => h.classList.toggle("nnl-narrow", !wide));
  }

  // every frame: the hot spots' names carry the current weights and biases
  function numbers() {
    for (const [div, index] of spots.unit) div.setAttribute("aria-label", describe("unit", index));
    spots.link.forEach((line, index) => line.setAttribute("aria-label", describe("link", index)));
    if (shown) fillInfo();
  }

  // One update after each message from the kernel, whatever order its changes come in: the
  // hot spots first (a new layout), then the picture, then the numbers they show.
  let seen = {};
  function update() {
    const now = { value: model.get("value"), geometry: model.get("geometry"),
                  numbers: model.get("numbers") };
    if (now.geometry !== seen.geometry) build();
    if (now.value !== seen.value) showPicture();
    if (now.geometry !== seen.geometry || now.numbers !== seen.numbers) numbers();
    seen = now;
  }
  let queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    queueMicrotask(() => { queued = false; update(); });
  }
  update();
  for (const name of ["value", "geometry", "numbers"]) model.on(`change:${name}`, schedule);
  const resized = new ResizeObserver(narrow);
  resized.observe(img);
  return () => { resized.disconnect(); if (url) URL.revokeObjectURL(url); };
}

export default { render };
