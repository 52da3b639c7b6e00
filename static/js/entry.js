// Live checks on the month form (templates/metrics/entry/month.html). The server checks the same
// rules again (MonthlyReport's count_rule_errors); these only tell the principal early. The fields and
// the messages come from the page (json_script).
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  var source = document.getElementById("entry-checks");
  if (!form || !source) return;
  var checks = JSON.parse(source.textContent);
  var text = checks.messages;
  var counts = checks.count_fields;  // MonthlyReport.COUNT_FIELDS: each at most the staff counted
  var shares = counts;

  function input(name) { return form.elements.namedItem(name); }

  function value(name) {
    var el = input(name);
    if (!el || el.value.trim() === "") return null;
    var n = Number(el.value);
    return isNaN(n) ? NaN : n;
  }

  function fill(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; }).replace("%%", "%");
  }

  // Fields the server already marked keep its message until the user changes them.
  var touched = {};

  function show(name, problem, note) {
    var el = input(name);
    var out = document.getElementById("check-" + name);
    if (!el || !out) return;
    var serverSaid = document.getElementById("error-" + name) && !touched[name];
    out.textContent = serverSaid ? "" : problem || note || "";
    out.className = "live-check" + (problem ? " error" : "");
    el.setCustomValidity(problem || "");
    el.setAttribute("aria-invalid", problem ? "true" : "false");
  }

  function check() {
    var staff = value("staff_count");
    var over80 = value("over_80h_count");
    var problems = {};
    ["staff_count"].concat(counts).forEach(function (name) {
      var v = value(name);
      if (v === null) return;
      if (isNaN(v) || v < 0) problems[name] = text.negative;
      else if (Math.floor(v) !== v) problems[name] = text.whole;
    });
    var leave = value("leave_days_total");
    if (leave !== null && (isNaN(leave) || leave < 0)) problems.leave_days_total = text.negative;
    if (staff !== null && !problems.staff_count) {
      counts.forEach(function (name) {
        var v = value(name);
        if (v !== null && !problems[name] && v > staff) problems[name] = fill(text.above_staff, { staff: staff });
      });
    }
    var over45 = value("over_45h_count");
    if (over45 !== null && over80 !== null && !problems.over_45h_count && over80 > over45) {
      problems.over_45h_count = fill(text.below_80h, { over_80: over80 });
    }
    var over100 = value("over_100h_count");
    if (over100 !== null && over80 !== null && !problems.over_100h_count && over100 > over80) {
      problems.over_100h_count = fill(text.above_80h, { over_80: over80 });
    }
    var usable = staff !== null && staff > 0 && !problems.staff_count;
    ["staff_count", "leave_days_total"].concat(counts).forEach(function (name) {
      var note = "";
      var v = value(name);
      if (usable && v !== null && !problems[name]) {
        if (shares.indexOf(name) >= 0) note = fill(text.share, { pct: (v / staff * 100).toFixed(1) });
        if (name === "leave_days_total") note = fill(text.leave_avg, { days: (v / staff).toFixed(1) });
      }
      show(name, problems[name], note);
    });
  }

  form.addEventListener("input", function (event) {
    if (event.target.name) touched[event.target.name] = true;
    check();
  });
  check();
})();
