(function (root) {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(root.querySelector("script.mg-data").textContent);
  var values = data.values, ops = data.ops, backward = data.backward, forward = data.forward;
  var panel = root.querySelector(".mg-panel"), info = root.querySelector(".mg-info");
  var counter = root.querySelector(".mg-counter");
  var box = root.querySelector(".mg-graph"), zoom = root.querySelector('[data-act="zoom"]');
  var state = { mode: "backward", k: { backward: 0, forward: 0 }, timer: null, focused: null };
  var ids = Object.keys(values), byName = {};
  ids.forEach(function (id) { if (!(values[id].name in byName)) { byName[values[id].name] = id; } });

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  function num(cls, pair) {
    return '<span class="mg-num ' + cls + '" title="' + esc(pair[1]) + '" data-exact="' +
      esc(pair[1]) + '">' + esc(pair[0]) + "</span>";
  }
  function who(id) { return '<span class="mg-name">' + esc(values[id].name) + "</span>"; }

  // ---- drawing: the boxes and edges laid out in Python, as SVG ----
  function make(tag, attrs, parent, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  var svg = make("svg", { width: data.width, height: data.height,
    viewBox: "0 0 " + data.width + " " + data.height, "class": "mg-svg" }, box);
  var marker = make("marker", { id: root.id + "-arrow", viewBox: "0 0 8 8", refX: 8, refY: 4,
    markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto" }, make("defs", {}, svg));
  make("path", { d: "M0,0 L8,4 L0,8 z", "class": "mg-arrow" }, marker);
  var shapes = {}, texts = {}, cells = {};  // by id: the group; a Value's texts; op cells

  function curve(p) {
    var d = "M" + p[0] + "," + p[1];
    for (var i = 2; i < p.length; i += 2) {
      var mid = (p[i - 2] + p[i]) / 2;
      d += " C" + mid + "," + p[i - 1] + " " + mid + "," + p[i + 1] + " " + p[i] + "," + p[i + 1];
    }
    return d;
  }
  data.edges.forEach(function (e) {
    var g = make("g", { "class": "mg-edge", "data-id": e.id }, svg);
    make("title", {}, g, values[e.from] ? values[e.from].name + " → " + ops[e.to].name +
      " (makes " + values[e.to.slice(0, -2)].name + ")" : ops[e.from].name + " → " +
      values[e.to].name);
    make("path", { d: curve(e.points), "marker-end": "url(#" + root.id + "-arrow)" }, g);
    shapes[e.id] = g;
  });
  ids.forEach(function (id) {
    var v = values[id], g = make("g", { "class": "mg-value", "data-id": id, tabindex: 0,
      transform: "translate(" + v.x + "," + v.y + ")" }, svg);
    var title = make("title", {}, g);
    make("rect", { width: v.w, height: v.h, rx: 4 }, g);
    make("text", { x: 8, y: 18, "class": "mg-label" }, g, v.name);
    texts[id] = { data: make("text", { x: 8, y: 35 }, g), grad: make("text", { x: 8, y: 52 }, g),
      title: title };
    shapes[id] = g;
    g.addEventListener("focus", function () { state.focused = id; describe(); });
    g.addEventListener("mouseenter", function () { state.focused = id; describe(); });
    g.addEventListener("blur", function () {
      if (state.focused === id) { state.focused = null; describe(); }
    });
  });
  Object.keys(ops).forEach(function (id) {
    var o = ops[id], g = make("g", { "class": "mg-op", "data-id": id,
      transform: "translate(" + o.x + "," + o.y + ")" }, svg);
    make("title", {}, g, o.name + ", making " + values[id.slice(0, -2)].name +
      ": each cell is the local derivative for the edge that enters it");
    make("rect", { x: o.cw, width: o.w - o.cw, height: o.h, "class": "mg-opname" }, g);
    make("text", { x: o.cw + (o.w - o.cw) / 2, y: o.h / 2 + 5, "text-anchor": "middle" }, g, o.name);
    cells[id] = {};
    var top = o.cells.length ? o.cells[0].y - 10 : 0;
    o.cells.forEach(function (c) {
      var cg = make("g", { "class": "mg-cell", "data-slot": c.slot }, g);
      make("rect", { y: c.y - 10, width: o.cw, height: 20 }, cg);
      make("text", { x: o.cw - 6, y: c.y + 5, "text-anchor": "end" }, cg, c.local[0]);
      cells[id][c.slot] = cg;
    });
    if (o.more) {
      make("text", { x: 6, y: top + 20 * o.cells.length + 14, "class": "mg-more" }, g,
        "… " + o.more + " more");
    }
    make("rect", { width: o.w, height: o.h, "class": "mg-frame" }, g);
    shapes[id] = g;
  });
  var incoming = {};  // how many steps of the backward pass go into each Value
  backward.forEach(function (s) { incoming[s.to] = (incoming[s.to] || 0) + 1; });

  function last() { return state.mode === "backward" ? backward.length : forward.length; }

  // The gradients after k backward steps.
  function gradsAt(k) {
    var grads = {};
    grads[data.root] = data.seed;
    for (var i = 0; i < k; i++) { grads[backward[i].to] = backward[i].after; }
    return grads;
  }

  // The state after k steps: what is reached, what is hot, what must be in view.
  function current() {
    var reached = {}, hot = [], target = [], cell = null, k = state.k[state.mode];
    if (state.mode === "backward") {
      reached[data.root] = true;
      for (var i = 0; i < k; i++) {
        var s = backward[i];
        reached[s.to] = reached[s.node + "op"] = reached[s.node + "out"] = reached[s.edge] = true;
      }
      if (k > 0) {
        var c = backward[k - 1];
        hot = [c.node, c.node + "op", c.node + "out", c.to, c.edge];
        target = [c.to, c.edge, c.node + "op"];
        cell = [c.node + "op", c.slot];
      } else {
        target = [data.root];
      }
    } else {
      ids.forEach(function (id) { if (!values[id].op) { reached[id] = true; } });
      for (var j = 0; j < k; j++) {
        var f = forward[j];
        reached[f.value] = reached[f.value + "op"] = reached[f.value + "out"] = true;
        f.edges.forEach(function (e) { reached[e] = true; });
      }
      if (k > 0) {
        var h = forward[k - 1];
        hot = [h.value, h.value + "op", h.value + "out"].concat(h.edges);
        target = [h.value, h.value + "op"];
      }
    }
    return { grads: gradsAt(state.k.backward), reached: reached, hot: hot, target: target,
      cell: cell };
  }

  var lit = [];  // the elements now highlighted or greyed, to clear on the next render
  function render() {
    var now = current(), backwardMode = state.mode === "backward";
    lit.forEach(function (g) { g.classList.remove("mg-hot", "mg-muted"); });
    lit = [];
    Object.keys(shapes).forEach(function (id) {
      if (!now.reached[id] && now.hot.indexOf(id) < 0) {
        shapes[id].classList.add("mg-muted");
        lit.push(shapes[id]);
      }
    });
    now.hot.forEach(function (id) {
      if (shapes[id]) { shapes[id].classList.add("mg-hot"); lit.push(shapes[id]); }
    });
    if (now.cell) {
      var cg = cells[now.cell[0]][now.cell[1]];
      cg.classList.add("mg-hot");
      lit.push(cg);
    }
    ids.forEach(function (id) {
      var t = texts[id], shown = backwardMode || now.reached[id];
      var grad = now.grads[id] || data.zero;
      t.data.textContent = "data " + (shown ? values[id].data[0] : "?");
      t.grad.textContent = "grad " + (backwardMode ? grad[0] : "·");
      t.title.textContent = values[id].name + "\ndata " +
        (shown ? values[id].data[1] : "not computed yet") +
        (backwardMode ? "\ngrad " + grad[1] : "");
    });
    counter.textContent = (backwardMode ? "step " : "forward ") + state.k[state.mode] + " / " +
      last();
    panel.innerHTML = backwardMode ? backwardText() : forwardText();
    root.querySelectorAll("button[data-mode]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === state.mode));
    });
    describe();
    reveal(now.target);
  }

  // When the graph overflows its box, scroll it so the step is in view: along each axis,
  // stay if the step is visible already, else centre it. A step longer than the box (an
  // edge across the picture) is centred on its Value, target[0].
  function reveal(target) {
    var rects = target.map(function (id) { return shapes[id]; }).filter(Boolean)
      .map(function (g) { return g.getBoundingClientRect(); });
    if (!rects.length) { return; }
    var view = box.getBoundingClientRect();
    function shift(lo, hi, start, size) {
      var a = Math.min.apply(null, rects.map(function (r) { return r[lo]; }));
      var b = Math.max.apply(null, rects.map(function (r) { return r[hi]; }));
      if (b - a > size) { a = rects[0][lo]; b = rects[0][hi]; }
      return a >= start && b <= start + size ? 0 : (a + b - 2 * start - size) / 2;
    }
    box.scrollLeft += shift("left", "right", view.left + box.clientLeft, box.clientWidth);
    box.scrollTop += shift("top", "bottom", view.top + box.clientTop, box.clientHeight);
  }

  function formulaText(s) {
    var local = num("mg-local", s.local);
    if (!s.formula) {
      return "<p>local derivative d " + who(s.node) + " / d " + who(s.to) + " = " + local + "</p>";
    }
    // a bare name or number (b, 1.0) is its value: no worked line in between
    var worked = /^[\w.]+$/.test(s.formula[0]) ? "" : ' = <span class="mg-numbers">' +
      esc(s.formula[1]) + "</span>";
    return "<p>local derivative of " + esc(values[s.node].op) + ": d out / d " +
      esc(s.formula[2]) + ' = <span class="mg-formula">' + esc(s.formula[0]) + "</span>" +
      worked + " = " + local + ' <span class="mg-hint">(out = ' + esc(values[s.node].name) +
      ", " + esc(s.formula[2]) + " = " + esc(values[s.to].name) + ")</span></p>";
  }

  function backwardText() {
    var k = state.k.backward;
    if (k === 0) {
      return "<p>Before the backward pass: the gradient of " + who(data.root) + " with respect " +
        "to itself is " + num("mg-seed", data.seed) + "; every other accumulator starts at 0.</p>" +
        '<p class="mg-hint">' + backward.length + " steps follow, one edge each: upstream " +
        "gradient × local derivative = contribution, added to the input's gradient.</p>";
    }
    var s = backward[k - 1];
    var lines = [
      "<p>Step " + k + ": from " + who(s.node) + " (" + esc(values[s.node].op) +
        ") back to its input " + who(s.to) + "</p>",
      formulaText(s),
      "<p>" + num("mg-grad", s.grad) + " × " + num("mg-local", s.local) + " = " +
        num("mg-contribution", s.contribution) + ' <span class="mg-hint">(upstream gradient × ' +
        "local derivative = contribution)</span></p>",
      "<p>gradient of " + who(s.to) + ": " + num("mg-before", s.before) + " + " +
        num("mg-contribution", s.contribution) + " = " + num("mg-after", s.after) + "</p>"
    ];
    var total = incoming[s.to];
    if (total > 1) {
      var parts = [], seen = 0;
      for (var i = 0; i < k; i++) {
        if (backward[i].to === s.to) { parts.push(num("mg-part", backward[i].contribution)); seen++; }
      }
      var rest = seen < total ? ' <span class="mg-hint">(' + seen + " of " + total + " so far; " +
        (total - seen) + " to come)</span>" : ' <span class="mg-hint">(all ' + total + ")</span>";
      lines.push("<p>fork: " + who(s.to) + " feeds " + total + " edges, so its gradient is the " +
        "sum of " + total + " contributions: " + parts.join(" + ") + " = " +
        num("mg-sum", s.after) + rest + "</p>");
    }
    return lines.join("");
  }

  function forwardText() {
    var k = state.k.forward;
    if (k === 0) {
      return "<p>Forward pass: the leaves hold their data; " + forward.length + " Values follow " +
        "in topological order, each computed from its inputs.</p>";
    }
    var f = forward[k - 1], v = values[f.value];
    var inputs = f.inputs.map(function (id) { return id === null ? "…" : who(id); });
    return "<p>" + who(f.value) + " = " + esc(v.op) + "(" + inputs.join(", ") + ") = " +
      num("mg-data", v.data) + "</p>";
  }

  function describe() {
    var id = state.focused;
    if (!id) {
      info.textContent = "Hover over or tab to a Value for its full-precision data and gradient.";
      return;
    }
    info.textContent = texts[id].title.textContent.replace(/\n/g, "   ");
  }

  function go(k) {
    state.k[state.mode] = Math.max(0, Math.min(last(), k));
    if (state.k[state.mode] === last()) { stop(); }
    render();
  }
  function stop() {
    if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
    root.querySelector('[data-act="play"]').textContent = "play ▶";
  }
  function play() {
    if (state.timer !== null) { stop(); return; }
    if (state.k[state.mode] === last()) { state.k[state.mode] = 0; }
    root.querySelector('[data-act="play"]').textContent = "pause ❚❚";
    state.timer = setInterval(function () { go(state.k[state.mode] + 1); }, 900);
    render();
  }
  function fitted() { return !box.classList.contains("mg-actual"); }
  var actions = {
    first: function () { stop(); go(0); },
    prev: function () { stop(); go(state.k[state.mode] - 1); },
    next: function () { stop(); go(state.k[state.mode] + 1); },
    last: function () { stop(); go(last()); },
    play: play,
    zoom: function () {
      zoom.setAttribute("aria-pressed", String(box.classList.toggle("mg-actual")));
      reveal(current().target);
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
  root.querySelectorAll("button[data-mode]").forEach(function (b) {
    b.addEventListener("click", function () { mode(b.getAttribute("data-mode")); });
  });
  var keys = { ArrowRight: "next", ArrowDown: "next", ArrowLeft: "prev", ArrowUp: "prev",
    Home: "first", End: "last", p: "play", z: "zoom" };
  function key(event) {
    var act = keys[event.key];
    if (!act || event.altKey || event.ctrlKey || event.metaKey) { return; }
    event.preventDefault();
    event.stopPropagation();
    actions[act]();
  }
  root.addEventListener("keydown", key);

  // Fitted to the width, the 13px text must stay at least 11px: else start at actual size.
  if (box.clientWidth > 0 && box.clientWidth < (11 / 13) * data.width && fitted()) {
    actions.zoom();
  }
  render();

  // The API for tests and pages that embed explorers: window.micrograd.explorers.
  function find(name) {
    if (!(name in byName)) { throw new Error("no Value is shown with the name " + name); }
    return byName[name];
  }
  var api = {
    element: root,
    steps: backward.length,
    step: function (k) {
      if (state.mode !== "backward") { mode("backward"); }
      stop();
      go(k);
      return state.k.backward;
    },
    value: function (name) {
      var id = find(name), grad = current().grads[id] || data.zero;
      return { data: Number(values[id].data[1]), grad: Number(grad[1]) };
    },
    level: function (name) {
      if (name !== "values") { throw new Error("this explorer shows the level 'values' only"); }
      return ids.length;
    }
  };
  var page = window.micrograd = window.micrograd || {};
  page.explorers = page.explorers || [];
  page.explorers.push(api);
  // A page of its own: the keys work at once, without a click into the explorer first.
  if (root.parentNode === document.body && page.explorers.length === 1) {
    document.addEventListener("keydown", function (event) {
      if (event.target === document.body || event.target === document.documentElement) {
        key(event);
      }
    });
    root.focus({ preventScroll: true });
  }
})(document.currentScript.parentNode);
