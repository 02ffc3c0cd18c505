(function (root) {
  "use strict";
  var data = JSON.parse(root.querySelector("script.mg-data").textContent);
  var values = data.values, backward = data.backward, forward = data.forward;
  var svg = root.querySelector(".mg-graph svg");
  var panel = root.querySelector(".mg-panel"), info = root.querySelector(".mg-info");
  var counter = root.querySelector(".mg-counter");
  var box = root.querySelector(".mg-graph"), zoom = root.querySelector('[data-act="zoom"]');
  var state = { mode: "backward", k: 0, timer: null, focused: null };

  function el(id) { return id === null ? null : svg.querySelector('[id="' + id + '"]'); }
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  function name(id) { var v = values[id]; return v.label || "the Value of data " + v.data[0]; }
  function num(cls, pair) {
    return '<span class="mg-num ' + cls + '" title="' + esc(pair[1]) + '" data-exact="' +
      esc(pair[1]) + '">' + esc(pair[0]) + "</span>";
  }
  function who(id) { return '<span class="mg-name">' + esc(name(id)) + "</span>"; }

  // Every Value's texts (its last two are data and grad) and the groups that change.
  var ids = Object.keys(values), texts = {}, groups = [];
  ids.forEach(function (id) {
    var g = el(id);
    if (!g) { return; }
    var t = g.querySelectorAll("text");
    texts[id] = { data: t[t.length - 2], grad: t[t.length - 1], title: g.querySelector("title") };
    g.classList.add("mg-value");
    g.setAttribute("tabindex", "0");
    g.addEventListener("focus", function () { state.focused = id; describe(); });
    g.addEventListener("mouseenter", function () { state.focused = id; describe(); });
    g.addEventListener("blur", function () { if (state.focused === id) { state.focused = null; describe(); } });
  });
  svg.querySelectorAll("g.node, g.edge").forEach(function (g) { groups.push(g); });
  var incoming = {};  // how many steps of the backward pass go into each Value
  backward.forEach(function (s) { incoming[s.to] = (incoming[s.to] || 0) + 1; });

  function last() { return state.mode === "backward" ? backward.length : forward.length; }

  // The state after k steps: gradients (backward) or the Values computed so far (forward).
  function current() {
    var grads = {}, reached = {}, hot = [], target = [], k = state.k;
    if (state.mode === "backward") {
      grads[data.root] = data.seed;
      reached[data.root] = true;
      for (var i = 0; i < k; i++) {
        var s = backward[i];
        grads[s.to] = s.after;
        reached[s.to] = reached[s.node + "op"] = reached[s.node + "out"] = true;
        if (s.edge) { reached[s.edge] = true; }
      }
      if (k > 0) {
        var c = backward[k - 1];
        hot = [c.node, c.node + "op", c.node + "out", c.to, c.edge];
        target = [c.to, c.edge];
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
        target = [h.value, h.value + "op"].concat(h.edges);
      }
    }
    // target: what a step must keep in view, the Value it changes first
    return { grads: grads, reached: reached, hot: hot, target: target };
  }

  function render() {
    var now = current(), backwardMode = state.mode === "backward";
    groups.forEach(function (g) {
      var id = g.id;
      g.classList.toggle("mg-hot", now.hot.indexOf(id) >= 0);
      g.classList.toggle("mg-muted", now.hot.indexOf(id) < 0 && !now.reached[id] &&
        (id.charAt(0) === "v" || id.charAt(0) === "e"));
    });
    ids.forEach(function (id) {
      var t = texts[id];
      if (!t) { return; }
      var shown = backwardMode || now.reached[id];
      t.data.textContent = "data " + (shown ? values[id].data[0] : "?");
      t.grad.textContent = "grad " + (backwardMode ? (now.grads[id] || data.zero)[0] : "·");
      t.title.textContent = (values[id].label ? values[id].label + "\n" : "") +
        "data " + (shown ? values[id].data[1] : "not computed yet") +
        (backwardMode ? "\ngrad " + (now.grads[id] || data.zero)[1] : "");
    });
    counter.textContent = (backwardMode ? "step " : "forward ") + state.k + " / " + last();
    panel.innerHTML = backwardMode ? backwardText() : forwardText();
    root.querySelectorAll("button[data-mode]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-mode") === state.mode));
    });
    describe(now);
    reveal(now.target);
  }

  // When the graph overflows its box, scroll it so the step is in view: along each axis,
  // stay if the step is visible already, else centre it. A step longer than the box (an
  // edge across the picture) is centred on its Value, target[0].
  function reveal(target) {
    var rects = target.map(el).filter(Boolean).map(function (g) {
      return g.getBoundingClientRect();
    });
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

  function backwardText() {
    var k = state.k;
    if (k === 0) {
      return "<p>Before the backward pass: the gradient of " + who(data.root) + " with respect " +
        "to itself is " + num("mg-seed", data.seed) + "; every other accumulator starts at 0.</p>" +
        '<p class="mg-hint">' + backward.length + " steps follow, one edge each: upstream " +
        "gradient × local derivative = contribution, added to the input's gradient.</p>";
    }
    var s = backward[k - 1];
    var lines = [
      "<p>Step " + k + ": from " + who(s.node) + " (" + esc(values[s.node].op) + ") back to its input " +
        who(s.to) + "</p>",
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
      lines.push("<p>fork: " + who(s.to) + " feeds " + total + " edges, so its gradient is the sum " +
        "of " + total + " contributions: " + parts.join(" + ") + " = " + num("mg-sum", s.after) +
        rest + "</p>");
    }
    return lines.join("");
  }

  function forwardText() {
    var k = state.k;
    if (k === 0) {
      return "<p>Forward pass: the leaves hold their data; " + forward.length + " Values follow " +
        "in topological order, each computed from its inputs.</p>";
    }
    var f = forward[k - 1], v = values[f.value];
    var inputs = f.inputs.map(function (id) {
      return id === null ? "…" : values[id].label ? who(id) : num("mg-input", values[id].data);
    });
    return "<p>" + who(f.value) + " = " + esc(v.op) + "(" + inputs.join(", ") + ") = " +
      num("mg-data", v.data) + "</p>";
  }

  function describe() {
    var id = state.focused;
    if (!id || !texts[id]) {
      info.textContent = "Hover over or tab to a Value for its full-precision data and gradient.";
      return;
    }
    info.textContent = texts[id].title.textContent.replace(/\n/g, "   ");
  }

  function go(k) {
    state.k = Math.max(0, Math.min(last(), k));
    if (state.k === last()) { stop(); }
    render();
  }
  function stop() {
    if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
    root.querySelector('[data-act="play"]').textContent = "play ▶";
  }
  function play() {
    if (state.timer !== null) { stop(); return; }
    if (state.k === last()) { state.k = 0; }
    root.querySelector('[data-act="play"]').textContent = "pause ❚❚";
    state.timer = setInterval(function () { go(state.k + 1); }, 900);
    render();
  }
  var actions = {
    first: function () { stop(); go(0); },
    prev: function () { stop(); go(state.k - 1); },
    next: function () { stop(); go(state.k + 1); },
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
  root.querySelectorAll("button[data-mode]").forEach(function (b) {
    b.addEventListener("click", function () {
      stop();
      state.mode = b.getAttribute("data-mode");
      state.k = 0;
      render();
    });
  });
  var keys = { ArrowRight: "next", ArrowDown: "next", ArrowLeft: "prev", ArrowUp: "prev",
    Home: "first", End: "last", p: "play", z: "zoom" };
  root.addEventListener("keydown", function (event) {
    var act = keys[event.key];
    if (!act || event.altKey || event.ctrlKey || event.metaKey) { return; }
    event.preventDefault();
    event.stopPropagation();
    actions[act]();
  });
  // Fitted to under half its width, the text would be under 9px: start at actual size then.
  if (box.clientWidth > 0 && box.clientWidth < 0.5 * svg.width.baseVal.value) { actions.zoom(); }
  render();
})(document.getElementById("__ROOT_ID__"));
