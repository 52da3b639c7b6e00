// Draws every chart on the page from the figure that the server put in a json_script, and wires its
// downloads: the picture as PNG or SVG (plotly.js draws it), the numbers as CSV (the table that
// follows the chart on the page, as shown: coverage rows, X for withheld cells, — for gaps).
(function () {
  "use strict";

  function fileName(text) {
    return (text || "chart").replace(/[\\/:*?"<>|\s]+/g, "_");
  }

  // OWASP: a text cell starting with = + - @ (or a tab or carriage return) is a formula to a
  // spreadsheet; prefix a quote, unless the cell is a number (−4.0, 12.5%).
  function neutral(text) {
    if (/^[-+]?[0-9][0-9,.]*%?$/.test(text)) { return text; }
    return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
  }

  function csvCell(text) {
    var value = neutral(text.replace(/\s+/g, " ").trim());
    return /[",\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  // The first table after the chart's <figure>, before the next chart.
  function tableAfter(figure) {
    for (var el = figure.nextElementSibling; el; el = el.nextElementSibling) {
      if (el.tagName === "FIGURE") { return null; }
      var table = el.tagName === "TABLE" ? el : el.querySelector("table");
      if (table) { return table; }
    }
    return null;
  }

  function csvOf(table) {
    var lines = [];
    if (table.caption) { lines.push(csvCell(table.caption.textContent)); }
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = [];
      tr.querySelectorAll("th, td").forEach(function (cell) { cells.push(csvCell(cell.textContent)); });
      lines.push(cells.join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n"; // a BOM, so that Excel reads the Japanese
  }

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, figure.config || { responsive: true });

    var bar = document.querySelector('[data-downloads="' + el.dataset.figure + '"]');
    if (!bar) { return; }
    var name = fileName(bar.dataset.name);
    var table = tableAfter(el.closest("figure"));
    bar.querySelectorAll("button").forEach(function (button) {
      var format = button.dataset.format;
      if (format === "csv" && !table) { button.remove(); return; }
      button.addEventListener("click", function () {
        if (format === "csv") {
          save(new Blob([csvOf(table)], { type: "text/csv;charset=utf-8" }), name + ".csv");
        } else {
          window.Plotly.downloadImage(el, { format: format, filename: name, width: 1200, height: 600 });
        }
      });
    });
    bar.hidden = false;
  });
})();
