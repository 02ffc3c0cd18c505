(function (root) {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(root.querySelector("script.mg-data").textContent);
  var values = data.values, ops = data.ops, levels = data.levels;
  var backward = data.backward, forward = data.forward;
  var panel = root.querySelector(".mg-panel"), info = root.querySelector(".mg-info");
  var counter = root.querySelector(".mg-counter");
  var box = root.querySelector(".mg-graph"), zoom = root.querySelector('[data-act="zoom"]');
  var state = { mode: "backward", level: data.start, k: {}, timer: null, focused: null,
    answers: {} };
  var WEIGHTS_SHOWN = data.weightsShown;  // a neuron with at most this many inputs has its
  // weights written on its edges
  var ROWS = 12;  // the edges of a unit's step listed in full; the rest are counted
  var ids = Object.keys(values), byName = {};
  ids.forEach(function (id) { if (!(values[id].name in byName)) { byName[values[id].name] = id; } });
  var incoming = {}, grouped = {};  // steps into each Value; each level's steps, once made
  function counted() {
    incoming = {};
    grouped = {};
    indexes = {};
    backward.forEach(function (s) { incoming[s.to] = (incoming[s.to] || 0) + 1; });
  }
  counted();

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  // A number as the pictures write it ('%.4f', or '%.4e' from 1e6 up and below 1e-4),
  // and [that, every digit].
  function fmt(x) {
    if (isNaN(x)) { return "nan"; }
    if (!isFinite(x)) { return x > 0 ? "inf" : "-inf"; }
    var a = Math.abs(x);
    if (x === 0 || (a >= 1e-4 && a < 1e6)) { return x.toFixed(4); }
    return x.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
  }
  function pair(x) {
    return [fmt(x), isNaN(x) ? "NaN" : !isFinite(x) ? (x > 0 ? "Infinity" : "-Infinity") :
      String(x)];
  }
  function X(id) { return Number(values[id].data[1]); }
  // Python's format(x, "g"): 6 significant digits, no trailing zeros, an exponent of at
  // least two digits below 1e-4 and from 1e6 up
  function general(x) {
    if (isNaN(x)) { return "nan"; }
    if (!isFinite(x)) { return x > 0 ? "inf" : "-inf"; }
    if (x === 0) { return 1 / x < 0 ? "-0" : "0"; }
    var parts = x.toExponential(5).split("e"), exp = Number(parts[1]);
    var strip = function (t) { return t.indexOf(".") < 0 ? t : t.replace(/\.?0+$/, ""); };
    if (exp < -4 || exp >= 6) {
      return strip(parts[0]) + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    }
    return strip(x.toFixed(5 - exp));
  }
  function num(cls, pair) {
    return '<span class="mg-num ' + cls + '" title="' + esc(pair[1]) + '" data-exact="' +
      esc(pair[1]) + '">' + esc(pair[0]) + "</span>";
  }
  function who(id) { return '<span class="mg-name">' + esc(values[id].name) + "</span>"; }
  function lv() { return levels[state.level]; }
  // the box that shows Value id at level L: its own, its unit's, or null (a weight)
  function boxOf(L, id) { var b = levels[L].box[id]; return b === undefined ? id : b; }
  function unitOf(id) { return lv().units[boxOf(state.level, id)]; }

  // ---- drawing: the boxes and edges laid out in Python, as SVG, one level at a time ----
  function make(tag, attrs, parent, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function put(el, text) { if (el.textContent !== text) { el.textContent = text; } }
  function curve(p) {
    var d = "M" + p[0] + "," + p[1];
    for (var i = 2; i < p.length; i += 2) {
      var mid = (p[i - 2] + p[i]) / 2;
      d += " C" + mid + "," + p[i - 1] + " " + mid + "," + p[i + 1] + " " + p[i] + "," + p[i + 1];
    }
    return d;
  }
  // The places of short pieces of an edge's curve (as curve draws it), each [left, top,
  // right, bottom]: a long edge is near a part of the picture only where a piece is.
  function parts(p) {
    var out = [];
    for (var i = 2; i < p.length; i += 2) {
      var xa = p[i - 2], ya = p[i - 1], xb = p[i], yb = p[i + 1], mid = (xa + xb) / 2;
      var x = xa, y = ya;
      for (var k = 1; k <= 8; k++) {
        var t = k / 8, u = 1 - t, a = u * u * u + 3 * u * u * t, b = 1 - a;
        var nx = (u * u * u) * xa + 3 * u * t * mid + (t * t * t) * xb, ny = a * ya + b * yb;
        out.push([Math.min(x, nx), Math.min(y, ny), Math.max(x, nx), Math.max(y, ny)]);
        x = nx; y = ny;
      }
    }
    return out;
  }
  function nameOf(L, id) {
    if (values[id]) { return values[id].name; }
    if (ops[id]) { return ops[id].name + " (making " + values[id.slice(0, -2)].name + ")"; }
    return levels[L].units[id].name;
  }

  // A drawing: its shapes (each tagged with the id it shows), a Value's texts, op cells.
  function Drawing(L, svg) {
    this.level = L; this.svg = svg; this.list = []; this.cells = {};
    this.units = []; this.edgeOf = {}; this.inner = {}; this.weights = []; this.locals = []; this.version = -1;
    this.byId = {}; this.pieces = []; this.dense = {}; this.faint = {}; this.litEdges = null; this.litPath = "";
  }
  // A shape, tagged with the id it shows and its place [left, top, right, bottom] in the
  // picture (the first shape of an id is the one a step scrolls into view).
  Drawing.prototype.tag = function (el, id, place) {
    el.mgId = id; el.mgPlace = place; this.list.push(el);
    if (!this.byId[id]) { this.byId[id] = el; }
    return el;
  };
  Drawing.prototype.edge = function (parent, id, points, title) {
    var g = this.tag(make("g", { "class": "mg-edge", "data-id": id }, parent), id,
      bounds(points));
    g.mgParts = parts(points);
    make("title", {}, g, title);
    make("path", { d: curve(points), "marker-end": "url(#" + this.svg.mgArrow + ")" }, g);
    return g;
  };
  Drawing.prototype.value = function (parent, id, x, y, w, h) {
    var v = values[id];
    if (v.constant !== undefined) { return this.constant(parent, id, x, y, w, h); }
    var g = this.tag(make("g", { "class": "mg-value", "data-id": id, tabindex: 0,
      transform: "translate(" + x + "," + y + ")" }, parent), id, [x, y, x + w, y + 59]);
    var title = make("title", {}, g);
    make("rect", { width: w, height: 59, rx: 4 }, g);
    make("text", { x: 8, y: 18, "class": "mg-label" }, g, v.name);
    g.mgText = { id: id, data: make("text", { x: 8, y: 35 }, g),
      grad: make("text", { x: 8, y: 52 }, g), title: title };
    g.addEventListener("focus", function () { state.focused = id; describe(); });
    g.addEventListener("mouseenter", function () { state.focused = id; describe(); });
    if (!v.op && !data.edit) {  // a leaf, not a constant (those are drawn above)
      g.classList.add("mg-editable");
      g.addEventListener("pointerdown", function (event) { drag(id, event); });
    }
    g.addEventListener("blur", function () {
      if (state.focused === id) { state.focused = null; describe(); }
    });
  };
  // A constant (a number lifted into the graph): its name alone in a small grey box, as
  // draw_dot draws it, or "label = number" for a labelled one (an input given as a plain
  // number). It shows no gradient; only a labelled one can be edited.
  Drawing.prototype.constant = function (parent, id, x, y, w, h) {
    var v = values[id], g = this.tag(make("g", { "class": "mg-value mg-constant",
      "data-id": id, tabindex: 0, transform: "translate(" + x + "," + y + ")" }, parent), id,
    [x, y, x + w, y + h]);
    make("title", {}, g, v.label ? v.label + "\na constant (a number given as an input): " +
      "click or drag to change it" : v.constant + "\na constant: a number in the expression");
    var rect = make("rect", { width: w, height: h, rx: 6 }, g);
    var text = make("text", { x: 8, y: h / 2 + 4.5, "class": "mg-label" }, g, v.constant);
    if (v.label) { g.mgConstant = { id: id, rect: rect, text: text, w: w, x: X(id) }; }
    g.addEventListener("focus", function () { state.focused = id; describe(); });
    g.addEventListener("mouseenter", function () { state.focused = id; describe(); });
    if (v.label && !data.edit) {
      g.classList.add("mg-editable");
      g.addEventListener("pointerdown", function (event) { drag(id, event); });
    }
    g.addEventListener("blur", function () {
      if (state.focused === id) { state.focused = null; describe(); }
    });
  };
  Drawing.prototype.op = function (parent, id, x, y) {
    var o = ops[id], g = this.tag(make("g", { "class": "mg-op", "data-id": id,
      transform: "translate(" + x + "," + y + ")" }, parent), id, [x, y, x + o.w, y + o.h]);
    var self = this;
    make("title", {}, g, o.name + ", making " + values[id.slice(0, -2)].name +
      ": each cell is the local derivative for the edge that enters it");
    make("rect", { x: o.cw, width: o.w - o.cw, height: o.h, "class": "mg-opname" }, g);
    make("text", { x: o.cw + (o.w - o.cw) / 2, y: o.h / 2 + 5, "text-anchor": "middle" }, g,
      o.name);
    o.cells.forEach(function (c) {
      var cg = make("g", { "class": "mg-cell", "data-slot": c.slot }, g);
      cg.mgPlace = [x, y + c.y - 10, x + o.cw, y + c.y + 10];
      self.pieces.push(cg);  // a tall op's cells come and go with the view, one by one
      make("rect", { y: c.y - 10, width: o.cw, height: 20 }, cg);
      self.locals.push({ cell: c, key: id + ":" + c.slot, text: make("text", { x: o.cw - 6,
        y: c.y + 5, "text-anchor": "end" }, cg, c.local[0]) });
      self.cells[id + ":" + c.slot] = cg;
    });
    if (o.more) {
      make("text", { x: 6, y: o.h - 5, "class": "mg-more" }, g, "… " + o.more + " more");
    }
    make("rect", { width: o.w, height: o.h, "class": "mg-frame" }, g);
  };
  Drawing.prototype.unit = function (parent, id, b) {
    var u = levels[this.level].units[id], g = this.tag(make("g", { "class": "mg-unit",
      "data-id": id, transform: "translate(" + b[0] + "," + b[1] + ")" }, parent), id,
      [b[0], b[1], b[0] + b[2], b[1] + b[3]]);
    make("title", {}, g, u.name + ": " + u.op + (u.neuron ? " (click to open it)" : ""));
    make("rect", { width: b[2], height: b[3], rx: 8 }, g);
    make("text", { x: 8, y: 18, "class": "mg-label" }, g, u.name);
    make("text", { x: 8, y: 35, "class": "mg-unitop" }, g, u.op);
    var rows = u.outs.map(function (out, i) {
      return { id: out, row: make("text", { x: 8, y: 52 + 17 * i }, g),
        second: u.neuron ? make("text", { x: 8, y: 69 }, g) : null };
    });
    this.units.push({ rows: rows, neuron: u.neuron });
    if (u.neuron) {
      g.classList.add("mg-openable");
      g.addEventListener("click", function () { api.expand(u.name); });
    }
  };

  // A level's picture: an SVG over a second one (the bundle) that holds the edges drawn
  // alike in every step: the many faint edges into wide neurons, and every edge of a
  // picture of many shapes. The bundle never changes, so the browser paints it once, in
  // a layer of its own (it only paints more as the view scrolls); the edges of the
  // current step are drawn over it, in red, in the picture above (see paint).
  function draw(L) {
    var level = levels[L], size = { width: level.width, height: level.height,
      viewBox: "0 0 " + level.width + " " + level.height };
    var many = level.edges.length + Object.keys(level.boxes).length >= CULL_FROM;
    var stack = document.createElement("div");
    stack.className = "mg-stack";
    box.appendChild(stack);
    var svg = make("svg", Object.assign({ "data-level": L, "class": "mg-svg" }, size), stack);
    arrow(svg);
    var d = new Drawing(L, svg), bands = { plain: new Bands(), faint: new Bands() };
    d.stack = stack;
    d.litEdges = make("g", { "class": "mg-lit" }, svg);  // the step's edges in the bundle
    level.edges.forEach(function (e) {
      var u = level.units[e.to];
      e.v.forEach(function (ve) { d.edgeOf[ve] = e.id; });
      var faint = u && u.inputs.length > WEIGHTS_SHOWN;
      if (many || faint) {
        d.dense[e.id] = e.points;
        if (faint) { d.faint[e.id] = true; }
        bands[faint ? "faint" : "plain"].add(e.points);
        // a step's edge is scrolled into view by its place, as any shape's
        d.byId[e.id] = { mgPlace: bounds(e.points) };
        return;
      }
      var title = nameOf(L, e.from) + " → " + nameOf(L, e.to);
      if (u) {
        var k = Number(e.id.split("_")[1]);
        var ws = u.weights[k].filter(Boolean).map(function (w) {
          return values[w].name + " = " + values[w].data[0];
        });
        title += ", weight " + ws.join(", ");
      }
      var g = d.edge(svg, e.id, e.points, title);
      // a neuron's weight is written on its edge, where the neuron has few enough inputs
      if (u && u.neuron) {
        var w = u.weights[Number(e.id.split("_")[1])][0], n = e.points.length;
        d.weights.push({ id: w, text: make("text", { x: e.points[n - 2] - 6,
          y: e.points[n - 1] - 3, "text-anchor": "end", "class": "mg-weight" }, g) });
      }
    });
    if (!bands.plain.empty() || !bands.faint.empty()) {
      d.bundle = make("svg", Object.assign({ "class": "mg-bundle", "aria-hidden": "true",
        preserveAspectRatio: "none" }, size), stack);
      bands.plain.draw(d.bundle, "");
      bands.faint.draw(d.bundle, "mg-faint");
    }
    Object.keys(level.boxes).forEach(function (id) {
      var b = level.boxes[id];
      if (values[id]) { d.value(svg, id, b[0], b[1], b[2], b[3]); }
      else if (ops[id]) { d.op(svg, id, b[0], b[1]); }
      else { d.unit(svg, id, b); }
    });
    return d;
  }

  // Edges drawn in bands of the picture's height, BAND pixels each: a long edge is cut
  // into the pieces of its curve (exactly, as curve draws it) that lie in each band, and
  // each band is one path, and its arrowheads another. The browser then draws the part
  // of the picture in view from the bands in view, not from every curve that crosses it.
  var BAND = 512;
  function Bands() { this.lines = {}; this.heads = {}; }
  Bands.prototype.empty = function () { return Object.keys(this.lines).length === 0; };
  Bands.prototype.add = function (p) {
    var lines = this.lines, n = p.length;
    for (var i = 2; i < n; i += 2) {
      cut(p[i - 2], p[i - 1], p[i], p[i + 1], function (band, text) {
        lines[band] = (lines[band] || "") + text;
      });
    }
    var band = Math.floor(p[n - 1] / BAND);
    this.heads[band] = (this.heads[band] || "") + head(p);
  };
  function head(p) {  // the arrowhead at the end of route p, which ends pointing right
    var x = p[p.length - 2], y = p[p.length - 1];
    return "M" + (x - 8) + "," + (y - 4) + "L" + x + "," + y + "L" + (x - 8) + "," + (y + 4) + "z";
  }
  Bands.prototype.draw = function (parent, cls) {
    var self = this;
    Object.keys(this.lines).forEach(function (band) {
      make("path", { d: self.lines[band], "class": cls }, parent);
    });
    Object.keys(this.heads).forEach(function (band) {
      make("path", { d: self.heads[band], "class": "mg-head " + cls }, parent);
    });
  };
  // The curve from (xa, ya) to (xb, yb) as curve draws it, cut where it crosses the lines
  // between bands: emit(band, path text) for each piece. Its y runs from ya to yb as the
  // smoothstep 3t^2 - 2t^3, so the t where it crosses y is known in closed form.
  function cut(xa, ya, xb, yb, emit) {
    var mid = (xa + xb) / 2, c = [xa, ya, mid, ya, mid, yb, xb, yb];
    var lo = Math.min(ya, yb), hi = Math.max(ya, yb), ts = [0, 1];
    for (var y = (Math.floor(lo / BAND) + 1) * BAND; y < hi; y += BAND) {
      ts.push(0.5 - Math.sin(Math.asin(1 - 2 * (y - ya) / (yb - ya)) / 3));
    }
    ts.sort(function (a, b) { return a - b; });
    for (var i = 1; i < ts.length; i++) {
      var q = part(c, ts[i - 1], ts[i]), r = function (v) { return Math.round(v * 10) / 10; };
      emit(Math.floor((q[1] + q[7]) / 2 / BAND), "M" + r(q[0]) + "," + r(q[1]) + "C" +
        q.slice(2).map(r).join(","));
    }
  }
  function part(c, t0, t1) {  // the piece of cubic c (8 numbers) from t0 to t1
    var right = split(c, t0)[1];
    return t0 >= 1 ? right : split(right, (t1 - t0) / (1 - t0))[0];
  }
  function split(c, t) {  // de Casteljau: cubic c cut at t, [before, after]
    var lerp = function (a, b) { return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]; };
    var p = [[c[0], c[1]], [c[2], c[3]], [c[4], c[5]], [c[6], c[7]]];
    var ab = lerp(p[0], p[1]), bc = lerp(p[1], p[2]), cd = lerp(p[2], p[3]);
    var abc = lerp(ab, bc), bcd = lerp(bc, cd), m = lerp(abc, bcd);
    return [[].concat(p[0], ab, abc, m), [].concat(m, bcd, cd, p[3])];
  }
  var arrows = 0;
  function arrow(svg) {  // an arrowhead for the edges of svg, at svg.mgArrow
    svg.mgArrow = root.id + "-arrow" + (arrows++ ? "-" + arrows : "");
    var marker = make("marker", { id: svg.mgArrow, viewBox: "0 0 8 8", refX: 8, refY: 4,
      markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" },
    make("defs", {}, svg));
    make("path", { d: "M0,0 L8,4 L0,8 z", "class": "mg-arrow" }, marker);
  }
  function bounds(points) {  // [left, top, right, bottom] of a route's points
    var xs = points.filter(function (c, i) { return i % 2 === 0; });
    var ys = points.filter(function (c, i) { return i % 2 === 1; });
    return [Math.min.apply(null, xs), Math.min.apply(null, ys), Math.max.apply(null, xs),
      Math.max.apply(null, ys)];
  }
  var drawings = {}, note = box.querySelector(".mg-noscript");
  if (note) { note.remove(); }
  function drawing() {
    var L = state.level;
    if (!drawings[L]) { drawings[L] = draw(L); }
    Object.keys(drawings).forEach(function (k) {
      var shown = k === L ? "" : "none";
      drawings[k].svg.style.display = shown;
      drawings[k].stack.style.display = shown;
    });
    return drawings[L];
  }

  // A neuron opened in place: its scalar graph (b, w_i, x_i -> w·x+b -> activation) drawn
  // over its box, from the box's corner; every other box stays where it is.
  function open(d, uid) {
    var u = levels[d.level].units[uid], b = levels[d.level].boxes[uid];
    var z = u.sums[0], zop = ops[z + "op"], out = u.outs[0], n = u.inputs.length;
    var slots = [u.params[0][0]].concat(u.params[0].slice(1), u.inputs);  // by slot
    var wide = levels.values.boxes, width = 0;
    zop.cells.forEach(function (c) { width = Math.max(width, wide[slots[c.slot]][2]); });
    var g = make("g", { "class": "mg-inner", "data-unit": uid,
      transform: "translate(" + b[0] + "," + b[1] + ")" }, d.svg);
    var frame = make("rect", { "class": "mg-innerframe", rx: 8 }, g);
    make("title", {}, g, u.name + " opened: click its name to close");
    var head = make("text", { x: 10, y: 18, "class": "mg-label mg-close" }, g, "× " + u.name);
    head.addEventListener("click", function () { api.expand(u.name); });
    var top = 28, gap = 8, rows = zop.cells.length, tall = rows * (59 + gap);
    var opX = 10 + width + 60, opY = top + tall / 2 - zop.h / 2;
    var inner = new Drawing(d.level, d.svg);
    inner.cells = d.cells;
    zop.cells.forEach(function (c, r) {
      var id = slots[c.slot], y = top + r * (59 + gap);
      if (!id) { return; }
      inner.edge(g, "e" + z.slice(1) + "_" + c.slot, [10 + width, y + 29.5, opX, opY + c.y],
        values[id].name + " → " + zop.name);
      inner.value(g, id, 10, y + (59 - wide[id][3]) / 2, wide[id][2], wide[id][3]);
    });
    inner.op(g, z + "op", opX, opY);
    var x = opX + zop.w + 50, mid = top + tall / 2;
    inner.edge(g, z + "out", [opX + zop.w, mid, x, mid], zop.name + " → " + values[z].name);
    inner.value(g, z, x, mid - 29.5, wide[z][2]);
    x += wide[z][2];
    if (out !== z) {
      var aop = ops[out + "op"], ax = x + 50;
      inner.edge(g, "e" + out.slice(1) + "_0", [x, mid, ax, mid], values[z].name + " → " + aop.name);
      inner.op(g, out + "op", ax, mid - aop.h / 2);
      x = ax + aop.w + 50;
      inner.edge(g, out + "out", [ax + aop.w, mid, x, mid], aop.name + " → " + values[out].name);
      inner.value(g, out, x, mid - 29.5, wide[out][2]);
      x += wide[out][2];
    }
    var w = x + 10, h = top + Math.max(tall, 59) + 4;
    frame.setAttribute("width", w);
    frame.setAttribute("height", h);
    // the picture grows to hold the opened neuron
    var sw = Math.max(Number(d.svg.getAttribute("width")), b[0] + w + 8);
    var sh = Math.max(Number(d.svg.getAttribute("height")), b[1] + h + 8);
    [d.svg, d.bundle].forEach(function (svg) {
      if (!svg) { return; }
      svg.setAttribute("width", sw);
      svg.setAttribute("height", sh);
      svg.setAttribute("viewBox", "0 0 " + sw + " " + sh);
    });
    d.inner[uid] = { group: g, drawing: inner, boxes: n * 2 + 1 + (out !== z ? 2 : 1) };
  }

  // ---- what if: the graph recomputed in the page from the op table's formula text ----
  // F: the functions formula text calls, by their Python names, with Python's float
  // results (where Python raises, NaN); F.truth is Python's truth of a number.
  function step01(x, below) {
    return x > 0 ? 1 : (x <= 0 || F.truth(below)) ? below : 1;
  }
  function sigmoid(x) {
    if (x >= 0) { return 1 / (1 + Math.exp(-x)); }
    var e = Math.exp(x);
    return e / (1 + e);
  }
  function log(x) { return x > 0 ? Math.log(x) : NaN; }
  function pow(a, b) {
    return a < 0 && isFinite(b) && !Number.isInteger(b) ? NaN : Math.pow(a, b);
  }
  var F = {
    truth: function (x) { return typeof x === "boolean" ? x : x !== 0; },
    pow: pow,
    "math.tanh": Math.tanh, "math.fabs": Math.abs, "math.exp": Math.exp, "math.log": log,
    "math.sqrt": function (x) { return x >= 0 ? Math.sqrt(x) : NaN; },
    "math.log1p": Math.log1p, "floatops.exp": Math.exp, "floatops.log": log,
    "floatops.sqrt": function (x) { return x >= 0 ? Math.sqrt(x) : NaN; },
    "floatops.pow": pow, "floatops.sigmoid": sigmoid, sigmoid: sigmoid,
    "floatops.softplus": function (x) {
      return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    },
    "floatops.step": function (x, below) { return step01(x, below === undefined ? 0 : below); },
    "floatops.sign": function (x) { return x > 0 ? 1 : x < 0 ? -1 : 0; },
    // m + log sum_i e^(x_i - m), m the first largest x_i (Python's max), summed in order
    "floatops.logsumexp": function () {
      var m = arguments[0], total = 0, i;
      for (i = 1; i < arguments.length; i++) { if (arguments[i] > m) { m = arguments[i]; } }
      if (m === Infinity || m === -Infinity) { return m; }
      for (i = 0; i < arguments.length; i++) { total += Math.exp(arguments[i] - m); }
      return m + Math.log(total);
    },
    pow_d_base: function (out, a, b) { return b !== 0 ? b * Math.pow(a, b - 1) : 0; },
    pow_d_exponent: function (out, a, b) {
      return a === 0 && b >= 0 ? 0 : a < 0 ? NaN : out * log(a);
    },
    float: Number, abs: Math.abs, max: Math.max, min: Math.min
  };
  var made = {};
  function compiled(key) {
    function fn(js) { return js === null ? null : new Function("F", "e", "return " + js + ";"); }
    function each(spec) {
      return { forward: fn(spec.forward), term: fn(spec.term), partials: spec.partials.map(fn) };
    }
    if (!made[key]) {
      var spec = data.specs[key];
      made[key] = each(spec);
      if (spec.outer) { made[key].outer = each(spec.outer); }
    }
    return made[key];
  }
  // One node: its output and its local derivatives, from its inputs' data x.
  function evaluate(id, x) {
    var v = values[id], s = data.specs[v.spec], c = compiled(v.spec);
    var p = v.p.map(function (pid) { return x[pid]; }), k = s.fixed.length;
    var n = s.groups.length ? (p.length - k) / s.groups.length : 0;
    var e = Object.assign({}, s.params);
    s.fixed.forEach(function (name, i) { e[name] = p[i]; });
    function element(i) {  // the names of a sum's i-th term
      var g = Object.assign({}, e);
      s.groups.forEach(function (name, j) { g[name] = p[k + j * n + i]; });
      return g;
    }
    var out = c.forward ? c.forward(F, e) : null, i;
    if (s.reduce) {  // the terms are the arguments of a function, not a sum
      var terms = out === null ? [] : [out];
      for (i = 0; i < n; i++) { terms.push(c.term(F, element(i))); }
      out = F[s.reduce].apply(null, terms);
    }
    for (i = 0; i < n && !s.reduce; i++) {
      var t = c.term(F, element(i));
      out = out === null ? t : out + t;
    }
    var through = null;
    if (s.outer) {
      var eo = Object.assign({}, s.outer.params);
      eo[s.outer.input] = out;
      out = c.outer.forward(F, eo);
      eo.out = out;
      through = c.outer.partials[0](F, eo);
    }
    e.out = out;
    var d = p.map(function (_, slot) {
      var local;
      if (slot < k) {
        local = c.partials[slot](F, e);
      } else {
        var g = element((slot - k) % n);
        g.out = out;
        local = c.partials[k + Math.floor((slot - k) / n)](F, g);
      }
      return through === null ? Number(local) : through * local;
    });
    return { out: Number(out), d: d };
  }
  // The forward pass, every local derivative, and the backward pass as the engine walks
  // it: nodes in its order, a node whose gradient is 0 passes nothing, edges in order.
  function compute() {
    var x = {}, locals = {}, grads = {};
    ids.forEach(function (id) { x[id] = X(id); });
    forward.forEach(function (f) {
      var r = evaluate(f.value, x);
      x[f.value] = r.out;
      locals[f.value] = r.d;
      values[f.value].data = pair(r.out);
    });
    Object.keys(ops).forEach(function (opid) {
      var d = locals[opid.slice(0, -2)];
      ops[opid].cells.forEach(function (c) { c.local = pair(d[c.slot]); });
    });
    grads[data.root] = 1;
    backward = [];
    data.order.forEach(function (id) {
      var g = grads[id] === undefined ? 0 : grads[id];
      if (g === 0) { return; }
      values[id].p.forEach(function (pid, slot) {
        var before = grads[pid] === undefined ? 0 : grads[pid], c = g * locals[id][slot];
        grads[pid] = before + c;
        backward.push({ node: id, to: pid, slot: slot, edge: "e" + id.slice(1) + "_" + slot,
          grad: pair(g), local: pair(locals[id][slot]), contribution: pair(c),
          before: pair(before), after: pair(before + c) });
      });
    });
    counted();
    state.answers = {};  // a new pass: a quiz starts over
    version++;
    Object.keys(state.k).forEach(function (name) {
      var parts = name.split(":");
      state.k[name] = Math.min(state.k[name], levelGroups(parts[0], parts[1]).length);
    });
  }
  var version = 0, original = {};
  ids.forEach(function (id) { original[id] = values[id].data; });
  function edit(id, x) {
    if (data.edit) { throw new Error(data.edit); }
    if (values[id].op) {
      throw new Error(values[id].name + " is computed by " + values[id].op +
        ": only a leaf's data can be changed");
    }
    if (values[id].constant !== undefined && !values[id].label) {
      throw new Error(values[id].name + " is a number in the expression: only a leaf's data " +
        "can be changed, an input's, a weight's or a bias's");
    }
    if (typeof x !== "number" || !isFinite(x)) {
      throw new Error("the data of " + values[id].name + " must be a finite number, got " + x);
    }
    values[id].data = pair(x);
    compute();
    render();
  }

  // ---- the state after k steps of the current level and mode ----
  function key() { return state.level + ":" + state.mode; }
  // A level's steps: runs of backward steps (or forward Values) that start from the same
  // box; at the level of Values every edge is a step of its own.
  function runs(keys) {
    var out = [];
    keys.forEach(function (k, i) {
      if (out.length && keys[out[out.length - 1][0]] === k && k !== undefined) {
        out[out.length - 1].push(i);
      } else {
        out.push([i]);
      }
    });
    return out;
  }
  function levelGroups(L, mode) {
    var name = L + ":" + mode;
    if (!grouped[name]) {
      grouped[name] = mode === "backward" ? runs(backward.map(function (s, i) {
        return L === "values" ? i : boxOf(L, s.node);
      })) : runs(forward.map(function (f) { return boxOf(L, f.value); }));
    }
    return grouped[name];
  }
  function groups() { return levelGroups(state.level, state.mode); }
  function last() { return groups().length; }
  function at() { return state.k[key()] || 0; }
  function applied(k) {  // the value steps of the first k backward steps of this level
    var gs = levelGroups(state.level, "backward"), out = [];
    for (var i = 0; i < k; i++) { Array.prototype.push.apply(out, gs[i]); }
    return out;
  }
  function gradsAfter(list) {
    var grads = {};
    grads[data.root] = data.seed;
    list.forEach(function (i) { grads[backward[i].to] = backward[i].after; });
    return grads;
  }
  // When each shape of a level is reached (the number of the level's steps, of its mode,
  // after which it is: 0 from the start) and, for each Value, its gradient after each of
  // the level's backward steps that change it: worked out once per level and pass, so
  // that a step costs the shapes it paints, not the steps before it.
  var indexes = {};
  function indexed(L, mode, d) {
    var name = L + ":" + mode;
    if (indexes[name]) { return indexes[name]; }
    var reach = {}, grads = {}, gs = levelGroups(L, mode);
    var mark = function (id, g) {  // id and what shows it at this level
      var marks = [id, values[id] ? boxOf(L, id) : null, d.edgeOf[id]];
      marks.forEach(function (m) { if (m && reach[m] === undefined) { reach[m] = g; } });
    };
    if (mode === "backward") {
      mark(data.root, 0);
      grads[data.root] = [[0, data.seed]];
      gs.forEach(function (g, j) {
        g.forEach(function (i) {
          var s = backward[i];
          [s.to, s.node + "op", s.node + "out", s.edge].forEach(function (id) { mark(id, j + 1); });
          (grads[s.to] = grads[s.to] || []).push([j + 1, s.after]);
        });
      });
    } else {
      ids.forEach(function (id) { if (!values[id].op) { mark(id, 0); } });
      gs.forEach(function (g, j) {
        g.forEach(function (i) {
          var f = forward[i];
          [f.value, f.value + "op", f.value + "out"].concat(f.edges).forEach(function (id) {
            mark(id, j + 1);
          });
        });
      });
    }
    indexes[name] = { reach: reach, grads: grads };
    return indexes[name];
  }
  function gradAfter(index, id, k) {  // Value id's gradient after k steps: the last change
    var list = index.grads[id], lo = 0, hi = list ? list.length : 0;
    while (lo < hi) {  // the first change after step k
      var mid = (lo + hi) >> 1;
      if (list[mid][0] <= k) { lo = mid + 1; } else { hi = mid; }
    }
    return lo ? list[lo - 1][1] : data.zero;
  }
  function current(d) {
    var L = state.level, hot = {}, target = [], cells = [], k = at(), gs = groups();
    var shown = state.mode === "backward" ? k : lastBackward();
    if (pending(shown)) { shown -= 1; }  // a quiz step not answered yet: its result hidden
    var reach = indexed(L, state.mode, d).reach, grads = indexed(L, "backward", d);
    var mark = function (id) {  // id and what shows it at this level
      hot[id] = true;
      if (values[id]) { var b = boxOf(L, id); if (b) { hot[b] = true; } }
      if (d.edgeOf[id]) { hot[d.edgeOf[id]] = true; }
    };
    if (state.mode === "backward" && k > 0) {
      gs[k - 1].forEach(function (i) {
        var s = backward[i];
        [s.node, s.node + "op", s.node + "out", s.to, s.edge].forEach(mark);
        cells.push(s.node + "op:" + s.slot);
      });
      var s0 = backward[gs[k - 1][0]], src = boxOf(L, s0.node);
      target = gs[k - 1].length === 1 ?
        [boxOf(L, s0.to) || d.edgeOf[s0.edge], d.edgeOf[s0.edge] || s0.edge,
          levels[L].boxes[s0.node + "op"] ? s0.node + "op" : src] : [src];
    } else if (state.mode === "backward") {
      target = [boxOf(L, data.root)];
    } else if (k > 0) {
      gs[k - 1].forEach(function (i) {
        var f = forward[i];
        [f.value, f.value + "op", f.value + "out"].concat(f.edges).forEach(mark);
      });
      target = [boxOf(L, forward[gs[k - 1][0]].value)];
    }
    return {
      grad: function (id) { return gradAfter(grads, id, shown); },
      reached: function (id) { return reach[id] !== undefined && reach[id] <= k; },
      hot: hot, target: target, cells: cells
    };
  }
  function lastBackward() { return state.k[state.level + ":backward"] || 0; }

  function paint(d, now) {
    var backwardMode = state.mode === "backward";
    if (d.version !== version) {  // after an edit or an answer: the op cells' derivatives
      var known = revealed();
      d.locals.forEach(function (l) {
        put(l.text, known === null || known[l.key] ? l.cell.local[0] : "?");
      });
      d.version = version;
    }
    // a shape out of view (see cull) is painted when it comes near
    d.list.forEach(function (el) { if (el.mgNear !== false) { paintShape(el, now); } });
    d.units.forEach(function (u) {
      u.rows.forEach(function (r) {
        var shown = backwardMode || now.reached(r.id), grad = now.grad(r.id);
        var dataText = shown ? values[r.id].data[0] : "?", gradText = backwardMode ? grad[0] : "·";
        if (u.neuron) {
          put(r.row, "data " + dataText);
          put(r.second, "grad " + gradText);
        } else {
          put(r.row, values[r.id].name.slice(0, 8).padEnd(9) + dataText.padStart(8) + " " +
            gradText.padStart(8));
        }
      });
    });
    d.weights.forEach(function (w) { put(w.text, "w " + values[w.id].data[0]); });
    Object.keys(d.inner).forEach(function (uid) { paint(d.inner[uid].drawing, now); });
    if (d.litEdges) {  // the step's edges among those in the bundle, drawn over it
      var lit = Object.keys(now.hot).filter(function (id) { return d.dense[id]; });
      if (lit.join() !== d.litPath) {  // a path each: a few edges, uncut
        d.litEdges.textContent = "";
        lit.forEach(function (id) {
          make("path", { d: curve(d.dense[id]), "class": d.faint[id] ? "mg-faint" : "" },
            d.litEdges);
        });
        if (lit.length) {
          make("path", { d: lit.map(function (id) { return head(d.dense[id]); }).join(""),
            "class": "mg-head" }, d.litEdges);
        }
        d.litPath = lit.join();
      }
    }
    if (d.lit) { d.lit.forEach(function (c) { c.classList.remove("mg-hot"); }); }
    d.lit = now.cells.map(function (c) { return d.cells[c]; }).filter(Boolean);
    d.lit.forEach(function (c) { c.classList.add("mg-hot"); });
  }

  function paintShape(el, now) {
    var hot = !!now.hot[el.mgId], muted = !hot && !now.reached(el.mgId);
    if (el.mgHot !== hot) { el.classList.toggle("mg-hot", hot); el.mgHot = hot; }
    if (el.mgMuted !== muted) { el.classList.toggle("mg-muted", muted); el.mgMuted = muted; }
    if (el.mgText) { paintText(el.mgText, now); }
    if (el.mgConstant && el.mgConstant.x !== X(el.mgConstant.id)) {  // an edit changed it
      var c = el.mgConstant, text = values[c.id].label + " = " + general(X(c.id));
      c.x = X(c.id);
      put(c.text, text);
      c.rect.setAttribute("width", Math.max(c.w, text.length * 7.8 + 16));
    }
  }
  function paintText(t, now) {
    var backwardMode = state.mode === "backward";
    var v = values[t.id], shown = backwardMode || now.reached(t.id);
    var grad = now.grad(t.id);
    put(t.data, "data " + (shown ? v.data[0] : "?"));
    put(t.grad, "grad " + (backwardMode ? grad[0] : "·"));
    put(t.title, v.name + "\ndata " + (shown ? v.data[1] : "not computed yet") +
      (backwardMode ? "\ngrad " + grad[1] : ""));
  }

  var modeButtons = root.querySelectorAll(".mg-bar button[data-mode]");
  var levelButtons = root.querySelectorAll(".mg-bar button[data-level]");
  // The texts above the picture first, as they may move it; then where the picture is,
  // read once while none of its shapes has changed, its scroll, and its shapes: the
  // browser lays the page out once a step.
  function render() {
    var d = drawing(), now = current(d), backwardMode = state.mode === "backward";
    counter.textContent = (backwardMode ? "step " : "forward ") + at() + " / " + last();
    panel.innerHTML = backwardMode ? backwardText() : forwardText();
    modeButtons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === state.mode));
    });
    levelButtons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-level") === state.level));
    });
    describe(now);
    var answer = panel.querySelector(".mg-answer");
    if (answer) { answer.focus({ preventScroll: true }); }
    d.now = now;
    reveal(d, now.target, true);
    paint(d, now);
  }

  // When the graph overflows its box, scroll it so the step is in view: along each axis,
  // stay if the step is visible already, else centre it. A step longer than the box (an
  // edge across the picture) is centred on its first part, target[0]. Where the shapes
  // are is known from the layout: no shape is measured in the page.
  function scale(d) {  // screen pixels per pixel of the picture
    return box.classList.contains("mg-actual") ? 1 :
      Math.min(1, box.clientWidth / levels[d.level].width);
  }
  function reveal(d, target, painting) {
    var s = scale(d), view = box.getBoundingClientRect();
    var left = view.left + box.clientLeft - box.scrollLeft;
    var top = view.top + box.clientTop - box.scrollTop;
    var rects = [], seen = {};
    target.forEach(function (id) {
      var el = id && !seen[id] && d.byId[id];
      if (!el) { return; }
      seen[id] = true;
      var p = el.mgPlace;
      rects.push({ left: left + p[0] * s, top: top + p[1] * s, right: left + p[2] * s,
        bottom: top + p[3] * s });
    });
    if (rects.length) {
      var shift = function (lo, hi, start, size) {
        var a = Math.min.apply(null, rects.map(function (r) { return r[lo]; }));
        var b = Math.max.apply(null, rects.map(function (r) { return r[hi]; }));
        if (b - a > size) { a = rects[0][lo]; b = rects[0][hi]; }
        return a >= start && b <= start + size ? 0 : (a + b - 2 * start - size) / 2;
      };
      var dx = shift("left", "right", view.left + box.clientLeft, box.clientWidth);
      var dy = shift("top", "bottom", view.top + box.clientTop, box.clientHeight);
      var before = [box.scrollLeft, box.scrollTop];
      box.scrollLeft += dx;
      box.scrollTop += dy;
      // and the window, where the box itself reaches out of it
      var r = d.byId[target[0]] ? rects[0] : null;
      if (r) {
        var ry = before[1] - box.scrollTop;
        if (r.top + ry < 0 || r.bottom + ry > window.innerHeight) {
          window.scrollBy(0, (r.top + r.bottom + 2 * ry - window.innerHeight) / 2);
        }
      }
    }
    cull(d, painting);
  }

  // A picture of many shapes draws only those near the part of it in view (and a margin
  // around it): the browser styles, lays out and paints a few hundred shapes a step, not
  // thousands. Scrolling draws the shapes that come near.
  var CULL_FROM = 1500, CULL_MARGIN = 200;
  function cull(d, painting) {  // painting: paint paints them next
    if (d.list.length < CULL_FROM) { return; }
    var s = scale(d), m = CULL_MARGIN;
    var x0 = box.scrollLeft / s - m, y0 = box.scrollTop / s - m;
    var x1 = (box.scrollLeft + box.clientWidth) / s + m;
    var y1 = (box.scrollTop + box.clientHeight) / s + m;
    var isNear = function (p) { return p[2] >= x0 && p[0] <= x1 && p[3] >= y0 && p[1] <= y1; };
    d.pieces.forEach(function (el) {
      var near = isNear(el.mgPlace);
      if (el.mgNear !== near) { el.style.display = near ? "" : "none"; el.mgNear = near; }
    });
    d.list.forEach(function (el) {
      var near = isNear(el.mgPlace) && (!el.mgParts || el.mgParts.some(isNear));
      if (el.mgNear === near) { return; }
      el.style.display = near ? "" : "none";
      el.mgNear = near;
      if (near && d.now && !painting) { paintShape(el, d.now); }
    });
  }
  var culling = 0;
  box.addEventListener("scroll", function () {
    if (!culling) {
      culling = requestAnimationFrame(function () { culling = 0; cull(drawing()); });
    }
  });

  // The local derivative's formula with the numbers of its names written in.
  function worked(f) {
    return f[0].replace(/(^|[^\w.])([A-Za-z_]\w*)/g, function (all, before, name) {
      if (!(name in f[2])) { return all; }
      var b = f[2][name], shown = fmt(typeof b === "string" ? X(b) : b);
      return before + (shown.charAt(0) === "-" ? "(" + shown + ")" : shown);
    });
  }
  function formulaOf(s) { return (values[s.node].f || [])[s.slot] || null; }
  function formulaText(s) {
    var local = num("mg-local", s.local), formula = formulaOf(s);
    if (!formula) {
      return "<p>local derivative d " + who(s.node) + " / d " + who(s.to) + " = " + local + "</p>";
    }
    // a bare name or number (b, 1.0) is its value: no worked line in between
    var numbers = /^[\w.]+$/.test(formula[0]) ? "" : ' = <span class="mg-numbers">' +
      esc(worked(formula)) + "</span>";
    return "<p>local derivative of " + esc(values[s.node].op) + ": d out / d " +
      esc(formula[1]) + ' = <span class="mg-formula">' + esc(formula[0]) + "</span>" +
      numbers + " = " + local + ' <span class="mg-hint">(out = ' + esc(values[s.node].name) +
      ", " + esc(formula[1]) + " = " + esc(values[s.to].name) + ")</span></p>";
  }

  function forkText(s, upto) {
    var total = incoming[s.to];
    if (total < 2) { return ""; }
    var parts = [], seen = 0;
    for (var i = 0; i <= upto; i++) {
      if (backward[i].to === s.to) { parts.push(num("mg-part", backward[i].contribution)); seen++; }
    }
    var rest = seen < total ? ' <span class="mg-hint">(' + seen + " of " + total + " so far; " +
      (total - seen) + " to come)</span>" : ' <span class="mg-hint">(all ' + total + ")</span>";
    return "<p>fork: " + who(s.to) + " feeds " + total + " edges, so its gradient is the " +
      "sum of " + total + " contributions: " + parts.join(" + ") + " = " +
      num("mg-sum", s.after) + rest + "</p>";
  }

  function stepText(k, i) {
    var s = backward[i];
    return [
      "<p>Step " + k + ": from " + who(s.node) + " (" + esc(values[s.node].op) +
        ") back to its input " + who(s.to) + "</p>",
      formulaText(s),
      "<p>" + num("mg-grad", s.grad) + " × " + num("mg-local", s.local) + " = " +
        num("mg-contribution", s.contribution) + ' <span class="mg-hint">(upstream gradient × ' +
        "local derivative = contribution)</span></p>",
      "<p>gradient of " + who(s.to) + ": " + num("mg-before", s.before) + " + " +
        num("mg-contribution", s.contribution) + " = " + num("mg-after", s.after) +
        (values[s.to].constant !== undefined ? ' <span class="mg-hint">(a constant: the ' +
        "engine adds up its gradient too, but nothing uses it)</span>" : "") + "</p>",
      forkText(s, i)
    ].join("");
  }

  function groupText(k, g) {
    var u = unitOf(backward[g[0]].node);
    var rows = g.slice(0, ROWS).map(function (i) {
      var s = backward[i], formula = formulaOf(s), f = formula ? ' <span class="mg-hint">(d ' +
        esc(values[s.node].op) + " / d " + esc(formula[1]) + " = " + esc(formula[0]) +
        ")</span>" : "";
      return "<tr><td>" + who(s.to) + "</td><td>" + num("mg-grad", s.grad) + " × " +
        num("mg-local", s.local) + " = " + num("mg-contribution", s.contribution) + f +
        "</td><td>" + num("mg-before", s.before) + " → " + num("mg-after", s.after) + "</td></tr>";
    });
    var more = g.length > ROWS ? '<p class="mg-hint">… and ' + (g.length - ROWS) +
      " more edges, each the same rule</p>" : "";
    var s0 = backward[g[0]], head = u ? (u.neuron ? "neuron " : "layer ") +
      '<span class="mg-name">' + esc(u.name) + "</span> (" + esc(u.op) + ") sends its " +
      "output's gradient back through " + g.length + " edges: to each input and each of its " +
      "weights" : who(s0.node) + " (" + esc(values[s0.node].op) + ") sends its gradient back " +
      "to its " + g.length + " inputs";
    return "<p>Step " + k + ": " + head + "</p>" +
      '<table class="mg-rows"><tr><th>into</th><th>upstream gradient × local derivative = ' +
      "contribution</th><th>gradient</th></tr>" + rows.join("") + "</table>" + more;
  }

  function backwardText() {
    var k = at();
    if (k === 0) {
      return "<p>Before the backward pass: the gradient of " + who(data.root) + " with respect " +
        "to itself is " + num("mg-seed", data.seed) + "; every other accumulator starts at 0.</p>" +
        '<p class="mg-hint">' + last() + " steps follow" + (state.level === "values" ?
        ", one edge each" : ", one box each") + ": upstream gradient × local derivative = " +
        "contribution, added to the input's gradient.</p>";
    }
    if (pending(k)) { return quizText(k); }
    var g = groups()[k - 1];
    return (g.length > 1 || unitOf(backward[g[0]].node) ? groupText(k, g) : stepText(k, g[0])) +
      (data.quiz && k === last() ? score() : "");
  }

  function forwardText() {
    var k = at();
    if (k === 0) {
      return "<p>Forward pass: the leaves hold their data; " + last() + " boxes follow " +
        "in topological order, each computed from its inputs.</p>";
    }
    var g = groups()[k - 1], f = forward[g[g.length - 1]], v = values[f.value];
    var u = unitOf(f.value);
    if (u) {
      return "<p>" + esc(u.name) + " = " + esc(u.op) + " of its " + u.inputs.length +
        " inputs = " + num("mg-data", v.data) + "</p>";
    }
    var inputs = f.inputs.map(function (id) { return id === null ? "…" : who(id); });
    return "<p>" + who(f.value) + " = " + esc(v.op) + "(" + inputs.join(", ") + ") = " +
      num("mg-data", v.data) + "</p>";
  }

  function describe(now) {
    var id = state.focused;
    if (!id) {
      info.textContent = "Hover over or tab to a Value for its full-precision data and gradient.";
      return;
    }
    now = now || current(drawing());
    var grad = now.grad(id);
    if (values[id].constant !== undefined) {
      info.textContent = values[id].name + "   a constant: data " + values[id].data[1];
      return;
    }
    info.textContent = values[id].name + "   data " + values[id].data[1] +
      (state.mode === "backward" ? "   grad " + grad[1] : "");
  }

  // ---- quiz: the learner computes each step; the page checks it ----
  function quizzing() {
    return !!data.quiz && state.mode === "backward" && state.level === "values";
  }
  function pending(k) { return quizzing() && k > 0 && !state.answers[k]; }
  function revealed() {  // the op cells whose step is answered (null: not a quiz)
    if (!data.quiz) { return null; }
    var known = {};
    Object.keys(state.answers).forEach(function (k) {
      var s = backward[k - 1];
      known[s.node + "op:" + s.slot] = true;
    });
    return known;
  }
  function asksSum(k) {  // at a fork, after its first contribution: the running sum too
    var s = backward[k - 1], seen = 0;
    for (var i = 0; i < k; i++) { if (backward[i].to === s.to) { seen++; } }
    return incoming[s.to] > 1 && seen > 1;
  }
  function quizText(k) {
    var s = backward[k - 1], formula = formulaOf(s), field = function (cls, label) {
      return "<label>" + label + ' <input type="text" class="mg-answer ' + cls +
        '" size="12" spellcheck="false"></label> ';
    };
    var rule = formula ? "d out / d " + esc(formula[1]) + ' = <span class="mg-formula">' +
      esc(formula[0]) + '</span> <span class="mg-hint">(out = ' + esc(values[s.node].name) +
      ", " + esc(formula[1]) + " = " + esc(values[s.to].name) + "; the data are in the boxes)" +
      "</span>" : "d " + who(s.node) + " / d " + who(s.to) + " (its op has no formula text: " +
      num("mg-local", s.local) + ")";
    return "<p>Step " + k + ": from " + who(s.node) + " (" + esc(values[s.node].op) +
      ") back to its input " + who(s.to) + "</p><p>local derivative: " + rule + "</p>" +
      "<p>upstream gradient: the gradient of " + who(s.node) + ", " + num("mg-grad", s.grad) +
      "</p><p>" + field("mg-contribution-answer", "contribution = upstream × local =") +
      (asksSum(k) ? field("mg-sum-answer", "fork: the gradient of " + esc(values[s.to].name) +
        " is now") : "") + '<button type="button" data-quiz="check">check</button> ' +
      '<button type="button" data-quiz="reveal">reveal</button> ' +
      '<span class="mg-verdict" role="status"></span></p>';
  }
  function close(typed, right) {
    return isFinite(typed) && Math.abs(typed - right) <= 1e-4 * Math.abs(right);
  }
  function check(reveal) {
    var k = at(), s = backward[k - 1], answer = state.answers[k] || { tries: 0 };
    var fields = [[".mg-contribution-answer", s.contribution], [".mg-sum-answer", s.after]];
    var right = fields.every(function (f) {
      var input = panel.querySelector(f[0]);
      return !input || (input.value.trim() !== "" && close(Number(input.value), Number(f[1][1])));
    });
    state.tries = (state.tries || {});
    state.tries[k] = (state.tries[k] || 0) + 1;
    if (!right && !reveal) {
      panel.querySelector(".mg-verdict").textContent = "not quite: try again, or reveal it";
      return;
    }
    state.answers[k] = { right: right && state.tries[k] === 1 };
    version++;
    render();
    root.focus({ preventScroll: true });
  }
  function score() {
    var right = Object.keys(state.answers).filter(function (k) {
      return state.answers[k].right;
    }).length;
    return '<p class="mg-score">score: ' + right + " of " + backward.length +
      " steps right the first time</p>";
  }
  panel.addEventListener("keydown", function (event) {
    if (event.target.tagName !== "INPUT") { return; }
    event.stopPropagation();
    if (event.key === "Enter") { check(false); }
  });
  panel.addEventListener("click", function (event) {
    var act = event.target.getAttribute && event.target.getAttribute("data-quiz");
    if (act) { check(act === "reveal"); }
  });

  function go(k) {
    state.k[key()] = Math.max(0, Math.min(last(), k));
    if (at() === last()) { stop(); }
    render();
  }
  function stop() {
    if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
    root.querySelector('[data-act="play"]').textContent = "play ▶";
  }
  function play() {
    if (state.timer !== null) { stop(); return; }
    if (at() === last()) { state.k[key()] = 0; }
    root.querySelector('[data-act="play"]').textContent = "pause ❚❚";
    state.timer = setInterval(function () { go(at() + 1); }, 900);
    render();
  }
  function fit() {
    var level = lv(), fits = box.clientWidth >= (11 / 13) * level.width;
    box.classList.toggle("mg-actual", !fits);
    zoom.setAttribute("aria-pressed", String(!fits));
  }
  var actions = {
    first: function () { stop(); go(0); },
    prev: function () { stop(); go(at() - 1); },
    next: function () {
      stop();
      if (pending(at())) {
        panel.querySelector(".mg-verdict").textContent = "answer this step first, or reveal it";
        return;
      }
      go(at() + 1);
    },
    last: function () { stop(); go(last()); },
    play: play,
    zoom: function () {
      zoom.setAttribute("aria-pressed", String(box.classList.toggle("mg-actual")));
      reveal(drawing(), current(drawing()).target);
    }
  };
  root.querySelectorAll("button[data-act]").forEach(function (b) {
    b.addEventListener("click", function () { actions[b.getAttribute("data-act")](); });
  });
  function mode(name) {
    stop();
    state.mode = name;
    render();
  }
  function level(name) {
    if (!levels[name]) {
      throw new Error("no level " + name + " here: " + Object.keys(levels).join(", "));
    }
    stop();
    state.level = name;
    drawing();
    fit();
    render();
  }
  root.querySelectorAll("button[data-mode]").forEach(function (b) {
    b.addEventListener("click", function () { mode(b.getAttribute("data-mode")); });
  });
  root.querySelectorAll("button[data-level]").forEach(function (b) {
    b.addEventListener("click", function () { level(b.getAttribute("data-level")); });
  });
  var keys = { ArrowRight: "next", ArrowDown: "next", ArrowLeft: "prev", ArrowUp: "prev",
    Home: "first", End: "last", p: "play", z: "zoom" };
  function press(event) {
    var act = keys[event.key];
    if (!act || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.target.tagName === "INPUT") { return; }
    event.preventDefault();
    event.stopPropagation();
    actions[act]();
  }
  root.addEventListener("keydown", press);

  // The editor: click a leaf, type its new data, Enter (or apply); Escape leaves it.
  var editor = root.querySelector(".mg-edit"), chosen = null;
  if (data.edit) {
    editor.textContent = data.edit;
  } else {
    editor.innerHTML = '<span class="mg-hint">what if: click a leaf (an input, a weight, a ' +
      "bias) to type its data, or drag it sideways; everything is recomputed at once</span> " +
      '<span class="mg-editor" hidden><b class="mg-edit-name"></b> = <input type="text" ' +
      'size="14" spellcheck="false" aria-label="new data"> <button type="button" ' +
      'data-edit="apply">apply</button></span> <button type="button" data-edit="reset" ' +
      'title="every leaf back to its data in Python">reset</button> ' +
      '<span class="mg-edit-error" role="alert"></span>';
  }
  var input = editor.querySelector("input"), problem = editor.querySelector(".mg-edit-error");
  function choose(id) {
    chosen = id;
    editor.querySelector(".mg-editor").hidden = false;
    editor.querySelector(".mg-edit-name").textContent = values[id].name;
    input.value = values[id].data[1];
    input.focus();
    input.select();
  }
  // Dragging a leaf sideways changes its data by 1% of its size (at least 0.01) per pixel,
  // recomputed at each frame; a press without a drag opens the editor instead.
  function drag(id, event) {
    var x0 = event.clientX, start = X(id), per = Math.max(Math.abs(start), 1) / 100;
    var moved = false, wanted = null;
    function move(e) {
      if (Math.abs(e.clientX - x0) > 3) { moved = true; }
      if (!moved) { return; }
      if (wanted === null) { requestAnimationFrame(flush); }
      wanted = Math.round((start + (e.clientX - x0) * per) * 1e4) / 1e4;
    }
    function flush() {
      if (wanted !== null) { edit(id, wanted); }
      wanted = null;
    }
    function up() {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      if (moved) { flush(); } else { choose(id); }  // the last move counts at once
    }
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    event.preventDefault();
  }
  function apply() {
    var x = Number(input.value.trim() === "" ? NaN : input.value);
    try {
      edit(chosen, x);
      problem.textContent = "";
    } catch (error) {
      problem.textContent = error.message;
    }
  }
  if (input) {
    input.addEventListener("keydown", function (event) {
      event.stopPropagation();
      if (event.key === "Enter") { apply(); }
      if (event.key === "Escape") { editor.querySelector(".mg-editor").hidden = true; root.focus(); }
    });
    editor.querySelector('[data-edit="apply"]').addEventListener("click", apply);
    editor.querySelector('[data-edit="reset"]').addEventListener("click", function () {
      ids.forEach(function (id) { values[id].data = original[id]; });
      compute();
      render();
    });
  }

  // The API for tests and pages that embed explorers: window.micrograd.explorers.
  function find(name) {
    if (!(name in byName)) { throw new Error("no Value is shown with the name " + name); }
    return byName[name];
  }
  var api = {
    element: root,
    get steps() { return levelGroups(state.level, "backward").length; },
    step: function (k) {
      if (state.mode !== "backward") { mode("backward"); }
      stop();
      go(k);
      return at();
    },
    value: function (name) {
      var id = find(name), grad = gradsAfter(applied(lastBackward()))[id] || data.zero;
      return { data: Number(values[id].data[1]), grad: Number(grad[1]) };
    },
    set: function (name, x) { edit(find(name), x); },
    level: function (name) {
      level(name);
      var boxes = levels[name].boxes;
      return Object.keys(boxes).filter(function (id) { return !ops[id]; }).length;
    },
    expand: function (name) {
      if (!levels.neurons) { throw new Error("this graph has no neurons to open"); }
      var units = levels.neurons.units, uid = Object.keys(units).filter(function (u) {
        return units[u].name === name;
      })[0];
      if (!uid) { throw new Error("no neuron is shown with the name " + name); }
      if (state.level !== "neurons") { level("neurons"); }
      var d = drawing();
      if (d.inner[uid]) {
        d.inner[uid].group.remove();
        delete d.inner[uid];
        render();
        return 0;
      }
      open(d, uid);
      render();
      // the opened neuron's corner comes into view
      var r = d.inner[uid].group.getBoundingClientRect(), view = box.getBoundingClientRect();
      box.scrollLeft += r.left - view.left - 8;
      box.scrollTop += r.top - view.top - 8;
      return d.inner[uid].boxes;
    }
  };
  var page = window.micrograd = window.micrograd || {};
  page.explorers = page.explorers || [];
  page.explorers.push(api);

  drawing();
  fit();
  render();
  // A page of its own: the keys work at once, without a click into the explorer first.
  if (root.parentNode === document.body && page.explorers.length === 1) {
    document.addEventListener("keydown", function (event) {
      if (event.target === document.body || event.target === document.documentElement) {
        press(event);
      }
    });
    root.focus({ preventScroll: true });
  }
})(document.currentScript.parentNode);
