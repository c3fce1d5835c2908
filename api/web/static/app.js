// hoso: progressive enhancement only. Forms marked data-live refresh the #live region in place
// when a control changes (the page works the same without script, via the submit button).
(function () {
  "use strict";
  function refresh(form) {
    var params = new URLSearchParams(new FormData(form));
    var url = form.getAttribute("action") + "?" + params.toString();
    var live = document.getElementById("live");
    if (!live) { window.location.assign(url); return; }
    live.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live");
        var moment = doc.querySelector("form[data-live] .moment");
        if (!fresh) { window.location.assign(url); return; }
        live.replaceWith(fresh);
        var shown = form.querySelector(".moment");
        if (shown && moment) { shown.replaceWith(moment); }
        history.replaceState(null, "", url);
      })
      .catch(function () { window.location.assign(url); });
  }
  // A form whose titles depend on its unit (data-refit names the title picker): when the unit
  // changes, the server's own list of the titles that belong to it replaces the options.
  function refit(form, unit) {
    var picker = document.getElementById(form.getAttribute("data-refit"));
    if (!picker) { return; }
    var params = new URLSearchParams();
    form.querySelectorAll("input[type=hidden][name^=from_], select[name^=from_]").forEach(
      function (el) { params.set(el.name, el.value); });
    params.set("unit_id", unit.value);
    params.set("title_code", picker.value);
    fetch(form.getAttribute("action") + "?" + params.toString(),
          { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(picker.id);
        if (!fresh) { return; }
        var keep = picker.value;  // chosen meanwhile: kept when it fits the unit
        picker.innerHTML = fresh.innerHTML;
        if (keep && Array.prototype.some.call(picker.options, function (o) {
          return o.value === keep; })) { picker.value = keep; }
      })
      .catch(function () { /* the full list stays; the server still refuses a misfit */ });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-live]");
    if (form) { refresh(form); return; }
    var fitted = event.target.closest && event.target.closest("form[data-refit]");
    if (fitted && event.target.name === "unit_id") { refit(fitted, event.target); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });
  // After a refused submit, the error summary takes the focus (screen readers read it first).
  var summary = document.querySelector(".error.summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
