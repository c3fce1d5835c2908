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
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-live]");
    if (form) { refresh(form); }
  });
})();
