// A live frame grows to the height of the page inside it, and follows it when it
// changes; an explorer's graph then needs no scroll box of its own, so it gets none.
// Where the browser keeps the frame's page apart (a site opened from disk), the frame
// keeps the height its style gives it.
function followHeight(frame) {
  var inner;
  try {
    inner = frame.contentDocument;
    if (!inner || !inner.body || inner.location.href === "about:blank") { return; }
  } catch (error) {
    return;  // a page of another origin: nothing to measure
  }
  var style = inner.createElement("style");
  style.textContent = "html .mg-explore .mg-graph { max-height: none; }";
  inner.head.appendChild(style);
  var fit = function () {
    // the content's height: where the body ends, or more if the page still scrolls
    var page = inner.documentElement, body = inner.body;
    var end = body.getBoundingClientRect().bottom + inner.defaultView.scrollY
      + parseFloat(inner.defaultView.getComputedStyle(body).marginBottom);
    var height = page.scrollHeight > page.clientHeight ? page.scrollHeight : end;
    frame.style.height = Math.ceil(height) + "px";
  };
  fit();
  new ResizeObserver(fit).observe(inner.documentElement);
}

// A page of its own puts the keyboard focus on itself; here it would take the arrow
// keys from the reader scrolling the text, so the frame lets go until it is clicked.
function settle(frame) {
  if (document.activeElement === frame) { frame.blur(); }
  followHeight(frame);
}

document.querySelectorAll("iframe.live").forEach(function (frame) {
  frame.addEventListener("load", function () { settle(frame); });
  settle(frame);  // in case it loaded before this script ran
});
