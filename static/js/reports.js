// The export page: rows of unfinished exports ask the status endpoint every 1.5 s and show the
// stage and percent, then the download link or the error, without reloading the page.
(function () {
  "use strict";
  var INTERVAL_MS = 1500;
  var downloadLabel = (document.getElementById("export-download-label") || {}).textContent || "Download";

  function render(row, status) {
    var cell = row.querySelector(".export-state");
    cell.textContent = "";
    var state = document.createElement("span");
    state.className = "state state-" + status.status;
    state.textContent = status.status_label;
    cell.appendChild(state);
    if (!status.finished) {
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = status.percent;
      bar.textContent = status.percent + "%";
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(bar);
      var stage = document.createElement("span");
      stage.className = "export-stage";
      stage.textContent = " " + status.stage_label + " (" + status.percent + "%)";
      cell.appendChild(stage);
    }
    if (status.error) {
      var error = document.createElement("div");
      error.className = "error";
      error.textContent = status.error;
      cell.appendChild(error);
    }
    if (status.download_url) {
      var link = document.createElement("a");
      link.href = status.download_url;
      link.textContent = downloadLabel;
      var linkCell = row.querySelector(".export-link");
      linkCell.textContent = "";
      linkCell.appendChild(link);
    }
  }

  function poll(row) {
    var url = row.getAttribute("data-status-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (status) {
        render(row, status);
        if (!status.finished) window.setTimeout(function () { poll(row); }, INTERVAL_MS);
      })
      .catch(function () {
        window.setTimeout(function () { poll(row); }, INTERVAL_MS * 4);
      });
  }

  document.querySelectorAll("tr[data-status-url]").forEach(poll);
})();
