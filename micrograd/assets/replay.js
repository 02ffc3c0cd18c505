(function (root) {
  "use strict";
  var data = JSON.parse(root.querySelector("script.mg-data").textContent);
  root.removeChild(root.querySelector(".mg-needs-script"));
  var SVG = "http://www.w3.org/2000/svg";
  var NEG = [214, 39, 40], POS = [31, 119, 180];  // negative / class 0, positive / class 1
  var PALETTE = [[214, 39, 40], [31, 119, 180], [44, 160, 44], [255, 127, 14], [148, 103, 189],
    [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
  var X = data.X, Y = data.y, widths = data.widths, acts = data.activations;
  var sizes = [data.nin].concat(widths), depth = widths.length, nout = widths[depth - 1];
  var count = data.steps.length, plane = data.nin === 2;
  var threshold = nout === 1 && acts[depth - 1] === "sigmoid" ? 0.5 : 0;
  var perStep = 0;
  widths.forEach(function (n, l) { perStep += n * (sizes[l] + 1); });
  var all = decode(data.weights);
  var classes = nout === 1 ? 2 : nout;
  var classNames = [];
  for (var c = 0; c < classes; c++) {
    classNames.push(nout === 1 ? (c ? "1" : Y.indexOf(-1) >= 0 ? "-1" : "0") : String(c));
  }
  var truth = Y.map(function (t) { return nout === 1 ? (t > 0 ? 1 : 0) : t; });
  var state = { k: 0, timer: null, sample: null, output: null, neuron: null };

  function decode(text) {
    var bytes = atob(text), buffer = new ArrayBuffer(bytes.length), view = new Uint8Array(buffer);
    for (var i = 0; i < bytes.length; i++) { view[i] = bytes.charCodeAt(i); }
    return new Float64Array(buffer);
  }
  function make(tag, attrs, parent, ns) {
    var e = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function svg(tag, attrs, parent) { return make(tag, attrs, parent, true); }
  function div(cls, parent, text) {
    var e = make("div", { "class": cls }, parent);
    if (text) { e.textContent = text; }
    return e;
  }
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function fmt(x) {
    if (x === null) { return "not finite"; }
    var a = Math.abs(x);
    return a !== 0 && (a < 1e-4 || a >= 1e6) ? x.toExponential(3) : x.toFixed(4);
  }
  function mix(color, t) {
    return [255 + (color[0] - 255) * t, 255 + (color[1] - 255) * t, 255 + (color[2] - 255) * t];
  }
  function diverging(v) { return mix(v < 0 ? NEG : POS, Math.min(1, Math.abs(v))); }
  function rgb(c) { return "rgb(" + c.map(Math.round).join(",") + ")"; }
  var NEG_CSS = rgb(NEG), POS_CSS = rgb(POS);

  // ---- the network, mirroring micrograd.nn: act(b + w . x), summed in that order ----

  var ACT = {
    relu: function (z) { return z <= 0 ? 0 : z; },
    tanh: Math.tanh,
    sigmoid: function (z) {
      if (z >= 0) { return 1 / (1 + Math.exp(-z)); }
      var e = Math.exp(z);
      return e / (1 + e);
    },
    linear: function (z) { return z; }
  };
  // d out / d z, from the output (as the engine's local derivatives)
  var SLOPE = {
    relu: function (out) { return out > 0 ? 1 : 0; },
    tanh: function (out) { return 1 - out * out; },
    sigmoid: function (out) { return out * (1 - out); },
    linear: function () { return 1; }
  };

  // Each layer's weights at snapshot k: neuron j's w at j*(m+1) .. j*(m+1)+m-1, its b next.
  function layersAt(k) {
    var offset = k * perStep;
    return widths.map(function (n, l) {
      var size = n * (sizes[l] + 1), view = all.subarray(offset, offset + size);
      offset += size;
      return view;
    });
  }
  function buffers() { return widths.map(function (n) { return new Float64Array(n); }); }
  function forward(P, x, outs) {
    var input = x;
    for (var l = 0; l < depth; l++) {
      var W = P[l], m = sizes[l], out = outs[l], f = ACT[acts[l]];
      for (var j = 0; j < widths[l]; j++) {
        var base = j * (m + 1), s = W[base + m];
        for (var i = 0; i < m; i++) { s += W[base + i] * input[i]; }
        out[j] = f(s);
      }
      input = out;
    }
    return input;
  }
  function predict(out) {
    if (nout === 1) { return out[0] > threshold ? 1 : 0; }
    var best = 0;
    for (var c = 1; c < nout; c++) { if (out[c] > out[best]) { best = c; } }
    return best;
  }
  function predictions(k) {
    var P = layersAt(k), outs = buffers();
    return X.map(function (x) { return predict(forward(P, x, outs)); });
  }
  var accuracies = [];
  for (var s = 0; s < count; s++) {
    var said = predictions(s);
    accuracies.push(said.filter(function (p, i) { return p === truth[i]; }).length);
  }

  // One sample's forward and backward pass: d out[o] / d every neuron, weight and input.
  function backward(P, x, o) {
    var outs = buffers(), grads = buffers(), wgrads = widths.map(function (n, l) {
      return new Float64Array(n * (sizes[l] + 1));
    });
    forward(P, x, outs);
    var xgrad = new Float64Array(sizes[0]);
    grads[depth - 1][o] = 1;
    for (var l = depth - 1; l >= 0; l--) {
      var m = sizes[l], input = l ? outs[l - 1] : x, below = l ? grads[l - 1] : xgrad;
      var W = P[l], slope = SLOPE[acts[l]];
      for (var j = 0; j < widths[l]; j++) {
        var dz = grads[l][j] * slope(outs[l][j]), base = j * (m + 1);
        if (dz === 0) { continue; }
        wgrads[l][base + m] = dz;
        for (var i = 0; i < m; i++) {
          wgrads[l][base + i] = dz * input[i];
          below[i] += dz * W[base + i];
        }
      }
    }
    return { outs: outs, grads: grads, wgrads: wgrads, xgrad: xgrad };
  }

  // ---- the page ----

  var bar = div("mg-bar", root);
  var playButton = make("button", { type: "button", title: "play / pause (p)" }, bar);
  playButton.textContent = "play ▶";
  var slider = make("input", { type: "range", min: 0, max: count - 1, value: 0, step: 1,
    "class": "mg-slider", "aria-label": "recorded step" }, bar);
  var readout = div("mg-readout", bar);
  readout.setAttribute("aria-live", "polite");
  var main = div("mg-main", root);
  var left = div("mg-column", main);
  var curves = drawCurves(div("mg-curves", left));
  var view = plane ? planeView(left, main) : imagesView(main);

  function drawCurves(box) {
    var w = 400, h = 150, pad = { l: 46, r: 40, t: 18, b: 20 };
    var chart = svg("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h }, box);
    var losses = data.losses.filter(function (v) { return v !== null; });
    var lo = losses.length ? Math.min.apply(null, losses) : 0;
    var hi = losses.length ? Math.max.apply(null, losses) : 1;
    var log = lo > 0 && hi / lo > 20;
    var f = log ? Math.log : function (v) { return v; };
    var a = f(lo), b = f(hi) > a ? f(hi) : a + 1;
    var last = Math.max(1, count - 1);
    function px(k) { return pad.l + (w - pad.l - pad.r) * k / last; }
    function py(t) { return h - pad.b - (h - pad.t - pad.b) * t; }
    function path(values, scale) {
      var d = "", up = false;
      values.forEach(function (v, k) {
        if (v === null) { up = false; return; }
        d += (up ? "L" : "M") + px(k).toFixed(1) + " " + py(scale(v)).toFixed(1);
        up = true;
      });
      return d;
    }
    svg("rect", { x: pad.l, y: pad.t, width: w - pad.l - pad.r, height: h - pad.t - pad.b,
      "class": "mg-frame" }, chart);
    svg("path", { d: path(data.losses, function (v) { return (f(v) - a) / (b - a); }),
      "class": "mg-loss-line" }, chart);
    svg("path", { d: path(accuracies, function (n) { return n / X.length; }),
      "class": "mg-accuracy-line" }, chart);
    var cursor = svg("line", { y1: pad.t, y2: h - pad.b, "class": "mg-cursor" }, chart);
    function label(x, y, text, cls, anchor) {
      var t = svg("text", { x: x, y: y, "class": cls, "text-anchor": anchor || "start" }, chart);
      t.textContent = text;
    }
    label(pad.l - 3, pad.t + 8, fmt(hi), "mg-loss-text", "end");
    label(pad.l - 3, h - pad.b, fmt(lo), "mg-loss-text", "end");
    label(w - pad.r + 3, pad.t + 8, "100%", "mg-accuracy-text");
    label(w - pad.r + 3, h - pad.b, "0%", "mg-accuracy-text");
    label(pad.l, h - 4, "step " + data.steps[0], "");
    label(w - pad.r, h - 4, "step " + data.steps[count - 1], "", "end");
    label(pad.l, 12, "loss" + (log ? " (log scale)" : ""), "mg-loss-text");
    label(w - pad.r, 12, "accuracy on " + X.length + " samples", "mg-accuracy-text", "end");
    return function (k) { cursor.setAttribute("x1", px(k)); cursor.setAttribute("x2", px(k)); };
  }

  // ---- 2-D inputs: the plane, the network's neurons, one sample's backward pass ----

  // Colours by index 0..255 for values from -1 to 1: white at 0, red below, blue above.
  function colorTable(color) {
    var lut = new Uint8ClampedArray(3 * 256);
    for (var q = 0; q < 256; q++) {
      var c = color(q / 127.5 - 1);
      lut[3 * q] = c[0]; lut[3 * q + 1] = c[1]; lut[3 * q + 2] = c[2];
    }
    return lut;
  }
  var DIVERGING = colorTable(diverging);
  var SIDES = colorTable(function (v) { return mix(v < 0 ? NEG : POS, 0.2 + 0.55 * Math.abs(v)); });

  // A canvas with its pixels, painted from values in [-1, 1] (times scale) through a table.
  function picture(canvas) {
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(canvas.width, canvas.height);
    return {
      canvas: canvas,
      paint: function (values, scale, lut) {
        var px = img.data;
        for (var p = 0; p < values.length; p++) {
          var q = 3 * Math.max(0, Math.min(255, Math.round((values[p] * scale + 1) * 127.5)));
          px[4 * p] = lut[q]; px[4 * p + 1] = lut[q + 1]; px[4 * p + 2] = lut[q + 2];
          px[4 * p + 3] = 255;
        }
        ctx.putImageData(img, 0, 0);
      },
      pixels: function (color) {
        for (var p = 0; p < img.data.length / 4; p++) { color(p, img.data); }
        ctx.putImageData(img, 0, 0);
      }
    };
  }

  function planeView(left, main) {
    var xs = X.map(function (p) { return p[0]; }), ys = X.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs) - 0.5, x1 = Math.max.apply(null, xs) + 0.5;
    var y0 = Math.min.apply(null, ys) - 0.5, y1 = Math.max.apply(null, ys) + 0.5;
    var ratio = Math.max(0.5, Math.min(1.5, (y1 - y0) / (x1 - x0)));
    var gx = 80, gy = Math.round(gx * ratio), W = 400, H = Math.round(W * ratio);
    // the inputs at every grid point, then every neuron's output there, layer by layer
    var inputs = [new Float64Array(gx * gy), new Float64Array(gx * gy)];
    for (var j = 0; j < gy; j++) {
      for (var i = 0; i < gx; i++) {
        inputs[0][j * gx + i] = x0 + (x1 - x0) * (i + 0.5) / gx;
        inputs[1][j * gx + i] = y1 - (y1 - y0) * (j + 0.5) / gy;
      }
    }
    var maps = [inputs].concat(widths.map(function (n) {
      var m = [];
      for (var q = 0; q < n; q++) { m.push(new Float64Array(gx * gy)); }
      return m;
    }));
    var box = div("mg-plane", left);
    var heat = picture(make("canvas", { width: gx, height: gy, "class": "mg-boundary" }, box));
    heat.canvas.style.width = W + "px";
    heat.canvas.style.height = H + "px";
    var dots = svg("svg", { width: W, height: H, "class": "mg-points" }, box);
    var points = X.map(function (p, n) {
      var dot = svg("circle", { cx: (p[0] - x0) / (x1 - x0) * W, cy: (y1 - p[1]) / (y1 - y0) * H,
        r: 4.5, "data-index": n, fill: rgb(PALETTE[truth[n]]) }, dots);
      svg("title", {}, dot).textContent = "sample " + n + ": (" + p[0].toFixed(3) + ", " +
        p[1].toFixed(3) + "), class " + classNames[truth[n]];
      dot.addEventListener("click", function () { select(n); });
      return dot;
    });
    var legend = div("mg-legend", left);
    classNames.forEach(function (name, c) {
      make("span", { "class": "mg-key" }, legend).style.background = rgb(PALETTE[c]);
      legend.appendChild(document.createTextNode("class " + name + " "));
    });
    make("span", { "class": "mg-key mg-key-wrong" }, legend);
    var wrongText = make("span", {}, legend);
    var net = networkView(div("mg-network", main), ratio, gx, gy);
    var sampleBox = div("mg-sample", root), sample = null;
    sampleBox.textContent = "Click a data point to see its backward pass.";

    // z = b + w . x at every grid point, summed in the engine's order, then act(z)
    function gridForward(P) {
      for (var l = 0; l < depth; l++) {
        var W = P[l], m = sizes[l], f = ACT[acts[l]], input = maps[l];
        for (var j = 0; j < widths[l]; j++) {
          var out = maps[l + 1][j], base = j * (m + 1);
          out.fill(W[base + m]);
          for (var i = 0; i < m; i++) {
            var w = W[base + i], src = input[i];
            for (var p = 0; p < out.length; p++) { out[p] += w * src[p]; }
          }
          for (var q = 0; q < out.length; q++) { out[q] = f(out[q]); }
        }
      }
    }
    function classesColor(last) {
      return function (p, px) {
        var best = 0, total = 0;
        for (var c = 1; c < nout; c++) { if (last[c][p] > last[best][p]) { best = c; } }
        for (var d = 0; d < nout; d++) { total += Math.exp(last[d][p] - last[best][p]); }
        var c = mix(PALETTE[best], 0.2 + 0.55 * (1 / total - 1 / nout) / (1 - 1 / nout));
        px[4 * p] = c[0]; px[4 * p + 1] = c[1]; px[4 * p + 2] = c[2]; px[4 * p + 3] = 255;
      };
    }
    var sides = new Float64Array(gx * gy);
    function draw(k) {
      var P = layersAt(k), last = maps[depth];
      gridForward(P);
      if (nout === 1) {
        // a sigmoid's output lies in (0, 1): its distance from 1/2 counts four times
        var gain = threshold ? 4 : 1;
        for (var p = 0; p < sides.length; p++) {
          sides[p] = Math.tanh(gain * (last[0][p] - threshold));
        }
        heat.paint(sides, 1, SIDES);
      } else {
        heat.pixels(classesColor(last));
      }
      var said = predictions(k), wrong = 0;
      points.forEach(function (dot, n) {
        var miss = said[n] !== truth[n];
        wrong += miss;
        dot.classList.toggle("mg-wrong", miss);
        dot.classList.toggle("mg-selected", n === state.sample);
      });
      wrongText.textContent = wrong + " misclassified (ringed) · click a point for its " +
        "backward pass";
      net(P, maps);
      if (state.sample !== null) {
        sample = sample || sampleView(sampleBox);
        sample(P);
      }
    }
    return { draw: draw };
  }

  // The network as columns of neurons, each with its output over the plane, and weight
  // lines whose thickness and colour give each weight's size and sign.
  function networkView(box, ratio, gx, gy) {
    var nw = 44, nh = Math.round(nw * ratio), gap = 8, colGap = 70, top = 18;
    var tall = Math.max.apply(null, sizes) * (nh + gap);
    var width = sizes.length * nw + (sizes.length - 1) * colGap;
    box.style.width = width + "px";
    box.style.height = tall + top + "px";
    var lines = svg("svg", { width: width, height: tall + top, "class": "mg-lines" }, box);
    function spot(l, j) {
      return [l * (nw + colGap), top + (tall - sizes[l] * (nh + gap)) / 2 + j * (nh + gap)];
    }
    var edges = [], biggest = 1e-12;
    for (var q = 0; q < all.length; q++) { biggest = Math.max(biggest, Math.abs(all[q])); }
    widths.forEach(function (n, l) {
      for (var j = 0; j < n; j++) {
        for (var i = 0; i < sizes[l]; i++) {
          var a = spot(l, i), b = spot(l + 1, j), index = j * (sizes[l] + 1) + i;
          var line = svg("line", { x1: a[0] + nw, y1: a[1] + nh / 2, x2: b[0], y2: b[1] + nh / 2 },
            lines);
          svg("title", {}, line).textContent = paramName(l, index);
          edges.push({ line: line, layer: l, index: index });
        }
      }
    });
    var pictures = sizes.map(function (n, l) {
      var head = make("span", { "class": "mg-layer-name" }, box);
      head.style.left = spot(l, 0)[0] + "px";
      head.textContent = l === 0 ? "inputs" : l === depth ? "output" : "layer " + l;
      var col = [];
      for (var j = 0; j < n; j++) {
        var at = spot(l, j);
        var canvas = make("canvas", { "class": "mg-neuron", width: gx, height: gy }, box);
        canvas.style.left = at[0] + "px";
        canvas.style.top = at[1] + "px";
        canvas.style.width = nw + "px";
        canvas.style.height = nh + "px";
        canvas.title = l === 0 ? "input x" + (j + 1) : neuronName(l - 1, j) + " (" + acts[l - 1] +
          "): its output over the plane";
        col.push(picture(canvas));
      }
      return col;
    });
    return function (P, maps) {
      pictures.forEach(function (col, l) {
        col.forEach(function (pic, j) {
          var m = maps[l][j], most = 1e-12;
          for (var p = 0; p < m.length; p++) { most = Math.max(most, Math.abs(m[p])); }
          pic.paint(m, 1 / most, DIVERGING);
        });
      });
      edges.forEach(function (e) {
        var w = P[e.layer][e.index], size = Math.abs(w) / biggest;
        e.line.setAttribute("stroke", w < 0 ? NEG_CSS : POS_CSS);
        e.line.setAttribute("stroke-width", (0.3 + 4 * size).toFixed(2));
        e.line.setAttribute("stroke-opacity", (0.25 + 0.6 * size).toFixed(2));
      });
    };
  }
  function layerStart(l) {
    var o = 0;
    for (var q = 0; q < l; q++) { o += widths[q] * (sizes[q] + 1); }
    return o;
  }
  function paramName(l, index) { return data.names[layerStart(l) + index]; }
  function neuronName(l, j) {
    return paramName(l, j * (sizes[l] + 1) + sizes[l]).replace(/\.b$/, "");
  }

  function select(n) {
    state.sample = n;
    state.output = nout === 1 ? 0 : truth[n];
    state.neuron = [depth, state.output];
    render();
  }

  // ---- one sample's neuron-level backward graph ----

  // Built once; each step then sets its numbers. Returns that update.
  function sampleView(box) {
    var bw = 92, bh = 32, gap = 6, colGap = 120;
    var tall = Math.max.apply(null, sizes) * (bh + gap);
    var width = sizes.length * bw + (sizes.length - 1) * colGap;
    box.textContent = "";
    var head = make("p", {}, box), row = div("mg-sample-row", box);
    var g = svg("svg", { width: width, height: tall, "class": "mg-backward" }, row);
    var info = div("mg-details", row);
    function spot(l, j) {
      return [l * (bw + colGap), (tall - sizes[l] * (bh + gap)) / 2 + j * (bh + gap)];
    }
    var edges = [], nodes = [];
    widths.forEach(function (n, l) {
      for (var j = 0; j < n; j++) {
        for (var i = 0; i < sizes[l]; i++) {
          var a = spot(l, i), b = spot(l + 1, j), index = j * (sizes[l] + 1) + i;
          var line = svg("line", { x1: a[0] + bw, y1: a[1] + bh / 2, x2: b[0], y2: b[1] + bh / 2,
            "class": "mg-edge", "data-name": paramName(l, index) }, g);
          svg("title", {}, line).textContent = paramName(l, index);
          edges.push({ line: line, l: l, index: index });
        }
      }
    });
    sizes.forEach(function (n, l) {
      for (var j = 0; j < n; j++) {
        var at = spot(l, j), name = l ? neuronName(l - 1, j) : "x." + j;
        var node = svg("g", { transform: "translate(" + at[0] + "," + at[1] + ")",
          "class": "mg-node", "data-name": name }, g);
        var rect = svg("rect", { width: bw, height: bh, rx: 4 }, node);
        var top = svg("text", { x: 5, y: 13 }, node), bottom = svg("text", { x: 5, y: 27 }, node);
        svg("title", {}, node).textContent = name;
        if (l) { node.addEventListener("click", pick(l, j)); }
        nodes.push({ g: node, rect: rect, top: top, bottom: bottom, l: l, j: j });
      }
    });
    g.addEventListener("mouseover", function (event) {
      var e = event.target;
      if (e.classList.contains("mg-edge")) {
        e.firstChild.textContent = e.getAttribute("data-name") + ": ∂ŷ/∂w = " +
          e.getAttribute("data-grad");
      }
    });
    return function (P) {
      var n = state.sample, x = X[n], o = state.output, r = backward(P, x, o);
      var yhat = r.outs[depth - 1], said = predict(yhat);
      head.innerHTML = "<b>Sample " + n + "</b>: x = (" + x.map(fmt).join(", ") + "), class " +
        classNames[truth[n]] + ". At step " + data.steps[state.k] + " the output" +
        (nout > 1 ? " " + o : "") + " is ŷ = " + fmt(yhat[o]) + " (says class " +
        classNames[said] + (said === truth[n] ? ", right" : ", wrong") + "). Backward pass " +
        "from ŷ: each neuron shows its output a and ∂ŷ/∂a; each line is a weight w, coloured " +
        "by the sign of ∂ŷ/∂w and as thick as its size. Dashed: a neuron whose activation " +
        "is flat here (a ReLU that is off), which passes no gradient back. Click a neuron " +
        "for its chain rule.";
      var most = 1e-300;
      r.wgrads.forEach(function (v) {
        for (var q = 0; q < v.length; q++) { most = Math.max(most, Math.abs(v[q])); }
      });
      edges.forEach(function (e) {
        var d = r.wgrads[e.l][e.index], size = Math.abs(d) / most;
        e.line.setAttribute("stroke", d < 0 ? NEG_CSS : POS_CSS);
        e.line.setAttribute("stroke-width", (0.3 + 4 * size).toFixed(2));
        e.line.setAttribute("stroke-opacity", (0.15 + 0.75 * size).toFixed(2));
        e.line.setAttribute("data-grad", String(d));
      });
      nodes.forEach(function (v) {
        var l = v.l, j = v.j, out = l ? r.outs[l - 1][j] : x[j];
        var d = l ? r.grads[l - 1][j] : r.xgrad[j];
        v.g.setAttribute("data-out", String(out));
        v.g.setAttribute("data-grad", String(d));
        if (l) {
          var m = sizes[l - 1];
          v.g.setAttribute("data-bias-grad", String(r.wgrads[l - 1][j * (m + 1) + m]));
        }
        v.rect.setAttribute("fill", rgb(mix(d < 0 ? NEG : POS, Math.min(0.35, Math.abs(d) / 4))));
        v.rect.classList.toggle("mg-picked", state.neuron[0] === l && state.neuron[1] === j);
        // a neuron whose activation is flat here passes no gradient back
        v.g.classList.toggle("mg-off", l > 0 && SLOPE[acts[l - 1]](out) === 0);
        v.top.textContent = (l ? "a " : "x" + (j + 1) + " ") + fmt(out);
        v.bottom.textContent = "∂ " + fmt(d);
      });
      details(info, P, x, r);
    };
  }
  function pick(l, j) {
    return function () {
      state.neuron = [l, j];
      if (l === depth && nout > 1) { state.output = j; }
      render();
    };
  }
  // The chain rule at the picked neuron: z = b + w . x, a = act(z), and each gradient.
  function details(box, P, x, r) {
    var l = state.neuron[0] - 1, j = state.neuron[1], m = sizes[l], base = j * (m + 1);
    var input = l ? r.outs[l - 1] : x, a = r.outs[l][j], da = r.grads[l][j];
    var slope = SLOPE[acts[l]](a), dz = r.wgrads[l][base + m];
    var z = P[l][base + m];
    for (var i = 0; i < m; i++) { z += P[l][base + i] * input[i]; }
    var lines = [
      "<b>" + esc(neuronName(l, j)) + "</b> (" + acts[l] + ")",
      "z = b + w · x = " + fmt(z) + ", a = " + acts[l] + "(z) = " + fmt(a),
      "∂ŷ/∂a = " + fmt(da) + (l < depth - 1 ?
        " (the sum of ∂ŷ/∂z · w over the neurons it feeds)" :
        j === state.output ? " (ŷ itself)" : " (another output: ŷ does not depend on it)"),
      "∂ŷ/∂z = ∂ŷ/∂a × " + acts[l] + "′(z) = " + fmt(da) + " × " + fmt(slope) + " = " + fmt(dz),
      "∂ŷ/∂b = ∂ŷ/∂z = " + fmt(dz)
    ];
    box.innerHTML = lines.map(function (t) { return "<p>" + t + "</p>"; }).join("");
    var table = make("table", {}, box);
    table.innerHTML = "<tr><th>input</th><th>x</th><th>w</th><th>∂ŷ/∂w = ∂ŷ/∂z · x</th>" +
      "<th>∂ŷ/∂z · w into ∂ŷ/∂x</th></tr>";
    for (var k = 0; k < m; k++) {
      var tr = make("tr", {}, table);
      [l ? neuronName(l - 1, k) : "x" + (k + 1), fmt(input[k]), fmt(P[l][base + k]),
        fmt(r.wgrads[l][base + k]), fmt(dz * P[l][base + k])].forEach(function (t) {
        make("td", {}, tr).textContent = t;
      });
    }
  }
  // ---- other inputs: confusion matrix, first-layer weights, misclassified samples ----

  function imagesView(main) {
    var side = Math.round(Math.sqrt(data.nin)), square = side * side === data.nin;
    var iw = square ? side : data.nin, ih = square ? side : 1;
    var lo = Infinity, hi = -Infinity;
    X.forEach(function (x) {
      x.forEach(function (v) { lo = Math.min(lo, v); hi = Math.max(hi, v); });
    });
    var right = div("mg-column", main);
    div("mg-title", right, "confusion matrix: rows are the true class, columns what the " +
      "model says");
    var matrix = make("table", { "class": "mg-confusion" }, right);
    var weightsBox = div("mg-column mg-wide", root);
    div("mg-title", weightsBox, "the first layer's weights, one image per neuron " +
      "(blue positive, red negative)");
    var weights = div("mg-images", weightsBox);
    var kernels = [];
    for (var j = 0; j < widths[0]; j++) {
      var c = image(weights);
      c.title = neuronName(0, j);
      kernels.push(c);
    }
    var wrongBox = div("mg-column mg-wide", root);
    var wrongTitle = div("mg-title", wrongBox);
    var wrong = div("mg-images", wrongBox);
    // a square input as a 48-pixel square, any other as a strip of 6 pixels per value
    function image(parent) {
      var c = make("canvas", { width: iw, height: ih, "class": "mg-image" }, parent);
      c.style.width = (square ? 48 : 6 * iw) + "px";
      c.style.height = (square ? 48 : 12) + "px";
      return c;
    }
    function paint(canvas, values, color) {
      var ctx = canvas.getContext("2d"), img = ctx.createImageData(iw, ih);
      for (var p = 0; p < values.length; p++) {
        var c = color(values[p]);
        img.data[4 * p] = c[0]; img.data[4 * p + 1] = c[1]; img.data[4 * p + 2] = c[2];
        img.data[4 * p + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
    }
    function grey(v) { var t = 255 * (1 - (v - lo) / (hi - lo || 1)); return [t, t, t]; }
    function draw(k) {
      var P = layersAt(k), said = predictions(k), counts = [];
      for (var t = 0; t < classes; t++) { counts.push(new Array(classes).fill(0)); }
      said.forEach(function (p, n) { counts[truth[n]][p] += 1; });
      var rows = "<tr><th></th>" + classNames.map(function (c) {
        return "<th>" + c + "</th>";
      }).join("") + "</tr>";
      counts.forEach(function (row, t) {
        var total = row.reduce(function (s, v) { return s + v; }, 0) || 1;
        rows += "<tr><th>" + classNames[t] + "</th>" + row.map(function (v, p) {
          var shade = rgb(mix(p === t ? POS : NEG, v / total));
          return '<td style="background:' + shade + (v / total > 0.5 ? ';color:#fff' : "") + '">' +
            v + "</td>";
        }).join("") + "</tr>";
      });
      matrix.innerHTML = rows;
      var m = sizes[0], most = 1e-12;
      for (var q = 0; q < P[0].length; q++) {
        if (q % (m + 1) !== m) { most = Math.max(most, Math.abs(P[0][q])); }
      }
      kernels.forEach(function (c, j) {
        paint(c, P[0].subarray(j * (m + 1), j * (m + 1) + m), function (w) {
          return diverging(w / most);
        });
      });
      var missed = [];
      said.forEach(function (p, n) { if (p !== truth[n]) { missed.push(n); } });
      wrongTitle.textContent = missed.length + " of " + X.length + " samples misclassified " +
        "at step " + data.steps[k] + (missed.length > 60 ? " (the first 60 shown)" : "");
      wrong.textContent = "";
      missed.slice(0, 60).forEach(function (n) {
        var figure = make("figure", { "class": "mg-miss", "data-index": n }, wrong);
        paint(image(figure), X[n], grey);
        make("figcaption", {}, figure).textContent = "true " + classNames[truth[n]] + ", said " +
          classNames[said[n]];
      });
    }
    return { draw: draw };
  }

  // ---- stepping ----

  function render() {
    var k = state.k;
    slider.value = k;
    var loss = data.losses[k], right = accuracies[k];
    readout.innerHTML = "";
    readout.appendChild(document.createTextNode("step "));
    make("b", { "class": "mg-step" }, readout).textContent = data.steps[k];
    readout.appendChild(document.createTextNode(" (" + (k + 1) + " of " + count + ") · loss "));
    var l = make("span", { "class": "mg-loss", "data-exact": String(loss), title: String(loss) },
      readout);
    l.textContent = fmt(loss);
    readout.appendChild(document.createTextNode(" · accuracy "));
    var a = make("span", { "class": "mg-accuracy", "data-right": right }, readout);
    a.textContent = (100 * right / X.length).toFixed(1) + "% (" + right + " of " + X.length + ")";
    curves(k);
    view.draw(k);
  }
  function go(k) {
    state.k = Math.max(0, Math.min(count - 1, k));
    if (state.k === count - 1) { stop(); }
    render();
  }
  function stop() {
    if (state.timer !== null) { clearInterval(state.timer); state.timer = null; }
    playButton.textContent = "play ▶";
  }
  function play() {
    if (state.timer !== null) { stop(); return; }
    if (state.k === count - 1) { go(0); }
    playButton.textContent = "pause ❚❚";
    state.timer = setInterval(function () { go(state.k + 1); }, Math.max(40, 6000 / count));
  }
  playButton.addEventListener("click", play);
  slider.addEventListener("input", function () { stop(); go(Number(slider.value)); });
  var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  root.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key in keys) { stop(); go(state.k + keys[event.key]); }
    else if (event.key === "Home") { stop(); go(0); }
    else if (event.key === "End") { stop(); go(count - 1); }
    else if (event.key === "p" || (event.key === " " && event.target.tagName !== "BUTTON")) {
      play();
    }
    else { return; }
    event.preventDefault();
    event.stopPropagation();
  });

  var api = {
    steps: count,
    element: root,
    step: function (k) {
      if (k !== Math.floor(k) || k < 0 || k >= count) {
        throw new RangeError("step(k) takes k from 0 to " + (count - 1) + ", got " + k);
      }
      stop();
      go(k);
      return api;
    },
    loss: function (k) { return data.losses[k]; },
    accuracy: function (k) { return accuracies[k] / X.length; }
  };
  render();
  api.ready = performance.now();  // milliseconds from the page's start to the first picture
  window.micrograd = window.micrograd || {};
  (window.micrograd.replays = window.micrograd.replays || []).push(api);
})(document.getElementById("__ROOT_ID__"));
