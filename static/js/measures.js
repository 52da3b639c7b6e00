// Measures pages: draws each chart from the figure that the server put in a json_script.
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, figure.config || { responsive: true });
  });
})();
