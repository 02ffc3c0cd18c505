// MathJax typesets the guides' formulas (\( \) and \[ \], which pymdownx.arithmatex
// marks) and the notebooks' ($ and $$, in their markdown cells), and nothing else.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
  },
  options: {
    ignoreHtmlClass: "md-container",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown",
  },
};
