// Graph view for OV Workbench (st.components.v2, no build step, nothing from a network).
//
// Python sends: key (drawing id), svg (only when this browser does not have that drawing yet),
// fills {id: colour}, legend, selected, highlight [ids], centre {id, token}, height.
// The component sends back: trigger "click" (node id) and state "have" (drawing keys held).
//
// The drawing is put in the DOM once per key and kept across reruns (state lives on the
// root element); a rerun only recolours, reselects or recentres. Pan and zoom change one CSS
// transform on the stage (compositor work, no relayout); labels are hidden below a zoom where
// they would be unreadable (class gv-low), tensor shapes appear only when zoomed in (gv-high).

const LOW = 0.5;   // below this scale an 11 px label is under ~5 px: show coloured blocks
const HIGH = 0.95; // at about 100 % and above, show the tensor shapes too
const MIN_SCALE = 0.002, MAX_SCALE = 4;

const cache = (window.__ovwbGraphCache = window.__ovwbGraphCache || new Map());

function luminanceDark(hex) {
  if (!hex || hex[0] !== "#" || hex.length !== 7) return false;
  const r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16), b = parseInt(hex.slice(5, 7), 16);
  return 0.299 * r + 0.587 * g + 0.114 * b < 128;
}

function skeleton(parent) {
  const root = document.createElement("div");
  root.className = "gv-root";
  root.innerHTML = `
    <div class="gv-main">
      <div class="gv-bar">
        <button data-act="fit" title="Show the whole graph">Fit</button>
        <button data-act="one" title="Zoom to 100 % (every label readable)">100%</button>
        <button data-act="in" title="Zoom in">+</button>
        <button data-act="out" title="Zoom out">−</button>
        <span class="gv-zoom"></span>
        <span class="gv-hint">drag to pan · wheel to zoom · click a node to inspect it</span>
      </div>
      <div class="gv-view"><div class="gv-stage"></div><canvas class="gv-lowcanvas"></canvas><div class="gv-pins"></div></div>
    </div>
    <div class="gv-side">
      <div class="gv-legend"></div>
      <div class="gv-mini"><canvas></canvas><div class="gv-win"></div></div>
    </div>`;
  parent.appendChild(root);
  return root;
}

function makeState(root) {
  const s = {
    root, key: null, scale: 1, tx: 0, ty: 0, width: 1, height: 1, pos: new Map(), groups: new Map(),
    fillsKey: null, fills: {}, selected: null, highlight: [], centreToken: null, api: null, raf: 0,
    view: root.querySelector(".gv-view"), stage: root.querySelector(".gv-stage"), pins: root.querySelector(".gv-pins"),
    lowCanvas: root.querySelector(".gv-lowcanvas"), bands: [], edges: [],
    zoomText: root.querySelector(".gv-zoom"), legend: root.querySelector(".gv-legend"),
    mini: root.querySelector(".gv-mini"), canvas: root.querySelector(".gv-mini canvas"), win: root.querySelector(".gv-win"),
    frames: [],
  };
  wire(s);
  return s;
}

function schedule(s) {
  if (s.raf) return;
  s.raf = requestAnimationFrame((t) => { s.raf = 0; apply(s); s.frames.push(t); if (s.frames.length > 600) s.frames.shift(); });
}

function apply(s) {
  s.stage.style.transform = `translate(${s.tx}px, ${s.ty}px) scale(${s.scale})`;
  const low = s.scale < LOW, high = s.scale >= HIGH;
  if (low !== s.low) {
    s.root.classList.toggle("gv-low", low);
    s.low = low;
    // Overview: the SVG is not painted; a canvas draws every node as a coloured block (>= 3 px)
    // and every edge as a line: a few ms per frame at 5,000 nodes, with no text to lay out.
    s.stage.style.display = low ? "none" : "";
    s.lowCanvas.style.display = low ? "block" : "none";
  }
  if (low) drawLow(s); else cull(s);
  if (high !== s.high) { s.root.classList.toggle("gv-high", high); s.high = high; }
  s.root.dataset.scale = s.scale.toFixed(4);
  s.zoomText.textContent = `${(s.scale * 100).toFixed(s.scale < 0.1 ? 1 : 0)} %`;
  drawWindow(s);
  drawPins(s);
}

function cull(s) {
  // Show only the bands of the drawing that meet the window (plus a margin): a tall graph at
  // 100 % paints a few dozen nodes instead of thousands.
  const [, h] = viewSize(s);
  const margin = 300 / s.scale;
  const top = -s.ty / s.scale - margin, bottom = (h - s.ty) / s.scale + margin;
  for (const b of s.bands) {
    const visible = b.y1 >= top && b.y0 <= bottom;
    if (visible !== b.shown) { b.g.style.display = visible ? "" : "none"; b.shown = visible; }
  }
}

function drawLow(s) {
  const [w, h] = viewSize(s);
  const dpr = window.devicePixelRatio || 1;
  const c = s.lowCanvas;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    c.style.width = `${w}px`; c.style.height = `${h}px`;
  }
  const ctx = c.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const k = s.scale, tx = s.tx, ty = s.ty;
  ctx.strokeStyle = "#9aa5b1";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const [a, b] of s.edges) {
    const p = s.pos.get(a), q = s.pos.get(b);
    if (!p || !q) continue;
    const y0 = ty + (p[1] + p[3] / 2) * k, y1 = ty + (q[1] - q[3] / 2) * k;
    if ((y0 < 0 && y1 < 0) || (y0 > h && y1 > h)) continue;
    ctx.moveTo(tx + p[0] * k, y0);
    ctx.lineTo(tx + q[0] * k, y1);
  }
  ctx.stroke();
  for (const [id, [cx, cy, nw, nh]] of s.pos) {
    const bw = Math.max(3, nw * k), bh = Math.max(3, nh * k);
    const x = tx + cx * k - bw / 2, y = ty + cy * k - bh / 2;
    if (x > w || y > h || x + bw < 0 || y + bh < 0) continue;
    ctx.fillStyle = s.fills[id] || "#b0bec5";
    ctx.fillRect(x, y, bw, bh);
  }
}

function hitLow(s, sx, sy) {
  const k = s.scale;
  let best = null, bestD = Infinity;
  for (const [id, [cx, cy, nw, nh]] of s.pos) {
    const dx = Math.abs(s.tx + cx * k - sx), dy = Math.abs(s.ty + cy * k - sy);
    if (dx <= Math.max(1.5, nw * k / 2) + 1 && dy <= Math.max(1.5, nh * k / 2) + 1 && dx + dy < bestD) { best = id; bestD = dx + dy; }
  }
  return best;
}

function viewSize(s) { return [s.view.clientWidth || 800, s.view.clientHeight || 600]; }

function fit(s) {
  const [w, h] = viewSize(s);
  s.scale = Math.min(w / s.width, h / s.height, 1) * 0.98;
  s.tx = (w - s.width * s.scale) / 2;
  s.ty = (h - s.height * s.scale) / 2;
  schedule(s);
}

function zoomAt(s, factor, sx, sy) {
  const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, s.scale * factor));
  const gx = (sx - s.tx) / s.scale, gy = (sy - s.ty) / s.scale;
  s.scale = next;
  s.tx = sx - gx * next;
  s.ty = sy - gy * next;
  schedule(s);
}

function centreOn(s, gx, gy, scale) {
  const [w, h] = viewSize(s);
  if (scale) s.scale = scale;
  s.tx = w / 2 - gx * s.scale;
  s.ty = h / 2 - gy * s.scale;
  schedule(s);
}

function wire(s) {
  const view = s.view;
  let down = null;
  view.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    down = { x: e.clientX, y: e.clientY, tx: s.tx, ty: s.ty, moved: false, id: e.pointerId };
  });
  view.addEventListener("pointermove", (e) => {
    if (!down) return;
    const dx = e.clientX - down.x, dy = e.clientY - down.y;
    if (!down.moved && Math.abs(dx) + Math.abs(dy) > 4) {
      down.moved = true;
      view.classList.add("gv-drag");
      try { view.setPointerCapture(down.id); } catch (_) { /* synthetic events have no capture */ }
    }
    if (down.moved) { s.tx = down.tx + dx; s.ty = down.ty + dy; schedule(s); }
  });
  const end = (e) => {
    if (!down) return;
    const wasClick = !down.moved;
    down = null;
    view.classList.remove("gv-drag");
    if (!wasClick) return;
    if (s.low) {
      const box = view.getBoundingClientRect();
      const id = hitLow(s, e.clientX - box.left, e.clientY - box.top);
      if (id) select(s, id, true);
      return;
    }
    const node = e.target && e.target.closest ? e.target.closest("g.node") : null;
    if (node) select(s, node.dataset.id, true);
  };
  view.addEventListener("pointerup", end);
  view.addEventListener("pointercancel", () => { down = null; view.classList.remove("gv-drag"); });
  view.addEventListener("wheel", (e) => {
    e.preventDefault();
    const box = view.getBoundingClientRect();
    zoomAt(s, Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
  }, { passive: false });
  s.root.querySelector(".gv-bar").addEventListener("click", (e) => {
    const act = e.target.dataset && e.target.dataset.act;
    const [w, h] = viewSize(s);
    if (act === "fit") fit(s);
    else if (act === "one") zoomAt(s, 1 / s.scale, w / 2, h / 2);
    else if (act === "in") zoomAt(s, 1.5, w / 2, h / 2);
    else if (act === "out") zoomAt(s, 1 / 1.5, w / 2, h / 2);
  });
  let miniDown = false;
  const miniMove = (e) => {
    const box = s.canvas.getBoundingClientRect();
    centreOn(s, (e.clientX - box.left) / s.miniScale, (e.clientY - box.top) / s.miniScale);
  };
  s.mini.addEventListener("pointerdown", (e) => { miniDown = true; miniMove(e); });
  s.mini.addEventListener("pointermove", (e) => { if (miniDown) miniMove(e); });
  window.addEventListener("pointerup", () => { miniDown = false; });
}

function select(s, id, fromClick) {
  if (s.selected && s.groups.get(s.selected)) s.groups.get(s.selected).classList.remove("sel");
  s.selected = id;
  const g = id && s.groups.get(id);
  if (g) g.classList.add("sel");
  s.root.dataset.selected = id || "";
  drawPins(s);
  if (fromClick && s.api) {
    window.__gvClickAt = performance.now();
    s.api.setTriggerValue("click", id);
  }
}

function install(s, key, svg) {
  stats.installs += 1;
  const started = performance.now();
  // Parse detached and hide every band before the drawing enters the page: the browser then
  // lays out only the bands the first view shows (none in the overview), not 10,000 texts.
  const holder = document.createElement("div");
  holder.innerHTML = svg;
  const el = holder.firstElementChild;
  for (const g of el.querySelectorAll("g.band")) g.style.display = "none";
  s.width = parseFloat(el.getAttribute("width"));
  s.height = parseFloat(el.getAttribute("height"));
  s.pos.clear();
  s.groups.clear();
  for (const g of el.querySelectorAll("g.node")) {
    const r = g.firstElementChild.nextElementSibling; // <title> then <rect>
    const x = +r.getAttribute("x"), y = +r.getAttribute("y"), w = +r.getAttribute("width"), h = +r.getAttribute("height");
    s.pos.set(g.dataset.id, [x + w / 2, y + h / 2, w, h]);
    s.groups.set(g.dataset.id, g);
  }
  s.bands = Array.from(el.querySelectorAll("g.band"), (g) => ({ g, y0: +g.dataset.y0, y1: +g.dataset.y1, shown: false }));
  s.stage.replaceChildren(el);
  s.edges = Array.from(el.querySelectorAll("path.edge"), (p) => [p.dataset.s, p.dataset.t]);
  s.low = undefined; // re-evaluated by the next apply
  s.key = key;
  s.fillsKey = null;
  s.selected = null;
  s.highlight = [];
  s.root.dataset.nodes = String(s.pos.size);
  sizeMini(s);
  fit(s);
  stats.installMs = performance.now() - started;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    s.root.dataset.drawn = key;
    window.__gvDrawnAt = performance.now();
  }));
}

function applyFills(s, fills) {
  for (const [id, g] of s.groups) {
    const c = fills[id];
    if (c) g.style.setProperty("--f", c); else g.style.removeProperty("--f");
    g.classList.toggle("dark", luminanceDark(c));
  }
  s.fills = fills;
  drawMini(s);
  if (s.low) drawLow(s);
}

/** A theme colour Streamlit sets as a CSS variable on the component (light fallback). */
function themeColour(element, name, fallback) {
  const value = getComputedStyle(element).getPropertyValue(name).trim();
  return value && value !== "unset" ? value : fallback;
}

function sizeMini(s) {
  const maxW = 200, maxH = 240;
  s.miniScale = Math.min(maxW / s.width, maxH / s.height);
  s.canvas.width = Math.max(20, Math.round(s.width * s.miniScale));
  s.canvas.height = Math.max(20, Math.round(s.height * s.miniScale));
}

function drawMini(s) {
  const ctx = s.canvas.getContext("2d");
  const k = s.miniScale;
  ctx.fillStyle = themeColour(s.canvas, "--st-background-color", "#fbfcfd");
  ctx.fillRect(0, 0, s.canvas.width, s.canvas.height);
  for (const [id, [cx, cy, w, h]] of s.pos) {
    ctx.fillStyle = s.fills[id] || "#b0bec5";
    ctx.fillRect((cx - w / 2) * k, (cy - h / 2) * k, Math.max(1, w * k), Math.max(1, h * k));
  }
  drawWindow(s);
}

function drawWindow(s) {
  if (!s.miniScale) return;
  const [w, h] = viewSize(s);
  const k = s.miniScale;
  const x0 = Math.max(0, -s.tx / s.scale * k), y0 = Math.max(0, -s.ty / s.scale * k);
  const x1 = Math.min(s.canvas.width, (w - s.tx) / s.scale * k), y1 = Math.min(s.canvas.height, (h - s.ty) / s.scale * k);
  const st = s.win.style;
  st.left = `${x0}px`; st.top = `${y0}px`;
  st.width = `${Math.max(4, x1 - x0)}px`; st.height = `${Math.max(4, y1 - y0)}px`;
}

function drawPins(s) {
  // At low zoom the selection / matches would be sub-pixel: mark them with screen-size rings.
  if (!s.low) { if (s.pins.childElementCount) s.pins.replaceChildren(); return; }
  const marks = [];
  const add = (id, colour) => {
    const p = s.pos.get(id);
    if (!p) return;
    const d = document.createElement("div");
    d.className = "gv-pin";
    d.style.cssText = `position:absolute;pointer-events:none;width:18px;height:18px;border:3px solid ${colour};border-radius:50%;` +
      `left:${s.tx + p[0] * s.scale - 12}px;top:${s.ty + p[1] * s.scale - 12}px`;
    marks.push(d);
  };
  for (const id of s.highlight.slice(0, 200)) add(id, "#ff1744");
  if (s.selected) add(s.selected, "#2962ff");
  s.pins.replaceChildren(...marks);
}

function renderLegend(s, legend) {
  const box = s.legend;
  box.replaceChildren();
  if (!legend) return;
  const title = document.createElement("h4");
  title.textContent = legend.title;
  box.appendChild(title);
  if (legend.bar) {
    const wrap = document.createElement("div");
    wrap.className = "gv-barwrap";
    const grad = document.createElement("div");
    grad.className = "gv-grad";
    grad.style.background = `linear-gradient(to right, ${legend.bar.stops.join(", ")})`;
    wrap.appendChild(grad);
    for (const t of legend.bar.ticks) {
      const tick = document.createElement("span");
      tick.className = "gv-tick";
      tick.style.left = `${(t.at * 100).toFixed(1)}%`;
      tick.textContent = t.text;
      wrap.appendChild(tick);
    }
    box.appendChild(wrap);
  }
  for (const item of legend.items) {
    const row = document.createElement("div");
    row.className = "gv-item";
    const sw = document.createElement("span");
    sw.className = "gv-sw";
    sw.style.background = item.colour;
    const label = document.createElement("span");
    label.textContent = item.label;
    label.title = item.label;
    const count = document.createElement("span");
    count.className = "gv-count";
    count.textContent = String(item.count);
    row.append(sw, label, count);
    box.appendChild(row);
  }
}

const stats = (window.__gvStats = window.__gvStats || { calls: 0, installs: 0, skeletons: 0, lastCallMs: 0 });

export default function (component) {
  const started = performance.now();
  try { return render(component); } finally { stats.calls += 1; stats.lastCallMs = performance.now() - started; }
}

function render(component) {
  const { data, parentElement, setTriggerValue, setStateValue } = component;
  if (!data) return;
  if (data.svg) stats.svgReceived = (stats.svgReceived || 0) + 1;
  let root = parentElement.querySelector(".gv-root");
  if (!root) { root = skeleton(parentElement); stats.skeletons += 1; }
  const s = root.__gv || (root.__gv = makeState(root));
  s.api = { setTriggerValue, setStateValue };
  window.__gv = s;
  root.style.setProperty("--gv-height", `${data.height || 720}px`);

  if (data.key !== s.key) {
    let svg = data.svg;
    if (svg) {
      stats.svgArrivedAt = performance.now();
      cache.set(data.key, svg);
      while (cache.size > 8) cache.delete(cache.keys().next().value);
    }
    else svg = cache.get(data.key);
    if (!svg) { setStateValue("have", []); return; } // Python sends the drawing on the rerun
    install(s, data.key, svg);
    setStateValue("have", Array.from(cache.keys()).slice(-8));
  }
  if (data.fills_key !== s.fillsKey) {
    applyFills(s, data.fills || {});
    s.fillsKey = data.fills_key;
  }
  if (data.legend_key !== s.legendKey) { renderLegend(s, data.legend); s.legendKey = data.legend_key; }
  const background = themeColour(root, "--st-background-color", "");
  if (background !== s.background) { s.background = background; if (s.pos.size) drawMini(s); } // theme switched
  const hl = data.highlight || [];
  if (hl.join(",") !== s.highlight.join(",")) {
    for (const id of s.highlight) { const g = s.groups.get(id); if (g) g.classList.remove("found"); }
    for (const id of hl) { const g = s.groups.get(id); if (g) g.classList.add("found"); }
    s.highlight = hl;
  }
  if ((data.selected || null) !== s.selected) select(s, data.selected || null, false);
  if (data.centre && data.centre.token !== s.centreToken) {
    s.centreToken = data.centre.token;
    const p = s.pos.get(data.centre.id);
    if (p) centreOn(s, p[0], p[1], Math.max(s.scale, 1));
  }
  schedule(s);
}
