// Attendee Sandbox dashboard: live regions, background forms, tabs. Everything works without it too.
(function () {
  "use strict";

  var POLL_MS = 1000;
  var SLOW_FACTOR = 4; // a refresh that takes the server t ms waits at least 4t before the next: a big project
  var MAX_POLL_MS = 10000; // (10,000 bots) is polled less often than a small one, never less than every 10 s
  var lastTookMs = 0;
  var body = document.body;
  var liveUrl = body.getAttribute("data-live");
  var refreshing = false;
  var again = false;

  // -- live regions: fetch the page's fragment, swap each [data-region] whose HTML changed ---------------
  function swapRegions(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[data-region]").forEach(function (fresh) {
      var name = fresh.getAttribute("data-region");
      var current = document.querySelector('[data-region="' + name + '"]');
      if (!current) return;
      var key = fresh.getAttribute("data-key");
      if (key !== null && key === current.getAttribute("data-key")) return; // e.g. a playing recording
      if (current.outerHTML === fresh.outerHTML) return;
      var keep = current.hasAttribute("data-keep-value") ? current.value : null;
      current.replaceWith(fresh);
      if (keep !== null) {
        var wanted = Array.prototype.some.call(fresh.options || [], function (o) { return o.value === keep; });
        if (wanted) fresh.value = keep;
      }
    });
  }

  // A region with a data-version (the bots list) is sent only when it changed: the refresh says which it shows.
  function withVersion(url) {
    var versioned = document.querySelector("[data-region][data-version]");
    if (!versioned) return url;
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "since=" + encodeURIComponent(versioned.getAttribute("data-version"));
  }

  function refresh() {
    if (!liveUrl) return Promise.resolve();
    if (refreshing) { again = true; return Promise.resolve(); }
    refreshing = true;
    var started = Date.now();
    return fetch(withVersion(liveUrl), { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { window.location.assign(window.location.pathname); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { lastTookMs = Date.now() - started; if (html !== null) swapRegions(html); })
      .catch(function () { /* the server may be restarting: try again at the next tick */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  if (liveUrl) {
    var tick = function () {
      var poll = document.hidden ? Promise.resolve() : refresh();
      poll.then(function () {
        window.setTimeout(tick, Math.min(MAX_POLL_MS, Math.max(POLL_MS, SLOW_FACTOR * lastTookMs)));
      });
    };
    window.setTimeout(tick, POLL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }

  // -- toast --------------------------------------------------------------------------------------------------
  var toastTimer = null;
  function toast(message, isError) {
    var element = document.getElementById("toast");
    if (!element) return;
    element.textContent = message;
    element.className = "toast" + (isError ? " toast-error" : "");
    element.hidden = false;
    window.clearTimeout(toastTimer);
    var reading = Math.min(8000, 2500 + 30 * message.length); // a long message stays up longer
    toastTimer = window.setTimeout(function () { element.hidden = true; }, isError ? Math.max(6000, reading) : reading);
  }

  var toastElement = document.getElementById("toast");
  if (toastElement) toastElement.addEventListener("click", function () { toastElement.hidden = true; }); // read it: dismiss

  // A notice a no-script answer put on the page (a reset, a redelivery) shows as a toast.
  var flash = document.querySelector(".flash-notice");
  if (flash) { toast(flash.textContent); flash.remove(); }

  // -- forms posted in the background --------------------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-ajax")) return;
    event.preventDefault();
    var data;
    try { data = new FormData(form, event.submitter || undefined); } catch (e) { data = new FormData(form); }
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (button) button.classList.add("busy");
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) { return response.json().catch(function () { return { ok: false, error: "HTTP " + response.status }; }); })
      .then(function (answer) {
        if (answer.redirect) { window.location.assign(answer.redirect); return; }
        toast(answer.ok ? answer.message : answer.error, !answer.ok);
        var formError = form.querySelector("[data-form-error]");
        if (formError) { formError.textContent = answer.ok ? "" : answer.error; formError.hidden = !!answer.ok; }
        if (answer.ok && form.hasAttribute("data-reset")) {
          var only = form.getAttribute("data-reset");
          if (only) { var field = form.querySelector('[name="' + only + '"]'); if (field) field.value = ""; }
          else form.reset();
        }
        return refresh();
      })
      .catch(function () { toast("The sandbox did not answer", true); })
      .then(function () { if (button) button.classList.remove("busy"); });
  });

  // -- tabs ------------------------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-tab-link]") : null;
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    var tab = link.getAttribute("data-tab-link");
    body.setAttribute("data-tab", tab);
    window.history.replaceState(null, "", "?tab=" + encodeURIComponent(tab));
  });

  // -- the project switcher switches as soon as a project is picked (its button is for no-script browsers) --------
  var switcher = document.querySelector("[data-switcher] select");
  if (switcher) {
    var switchButton = document.querySelector("[data-switch-button]");
    if (switchButton) switchButton.hidden = true;
    switcher.addEventListener("change", function () { switcher.form.submit(); });
  }

  // -- the scenario picker shows the chosen scenario's description ------------------------------------------
  var picker = document.getElementById("scenario");
  var description = document.querySelector("[data-scenario-description]");
  if (picker && description) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      description.textContent = option ? option.title : "";
    });
  }

  // -- a notice or error from a no-script form answer is shown once, not again on reload -------------------
  if (window.location.search.indexOf("notice=") >= 0 || window.location.search.indexOf("error=") >= 0) {
    var params = new URLSearchParams(window.location.search);
    params.delete("notice");
    params.delete("error");
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }
})();
