/*
 * Xiuhao page glue, loaded on every page (back office and phone) before Alpine.
 *
 * The Content-Security-Policy allows scripts from 'self' only: no inline scripts, no inline
 * event handlers, no eval. So behaviour is attached here, from data-* attributes:
 *
 *   data-confirm="text"    on a <form>: asks before it is submitted;
 *                          on a button / link / any element: asks before the click goes on
 *                          (also stops htmx requests triggered by that click or submit).
 *   data-autosubmit        on a <select>, checkbox, radio or input: submits its form on change.
 *
 * htmx: the CSRF token from <meta name="csrf-token"> is sent as X-CSRFToken on every request.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /* ---- htmx ---------------------------------------------------------------------------- */
  if (window.htmx) {
    var config = window.htmx.config;
    config.allowEval = false; // no hx-on / js: / eval under our CSP
    config.includeIndicatorStyles = false; // the indicator rules live in app.css
    config.selfRequestsOnly = true;
    config.historyCacheSize = 0; // pages hold personal data; always ask the server again
    // Swap form re-renders that come back with validation errors (400 / 422) instead of
    // dropping them; other 4xx / 5xx are errors and are not swapped.
    config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "(400|422)", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });

  /* ---- confirm dialogs ------------------------------------------------------------------- */
  function refuse(event) {
    event.preventDefault();
    event.stopPropagation();
    event.stopImmediatePropagation();
  }

  // Capture phase on document: runs before htmx's and Bootstrap's own listeners.
  document.addEventListener(
    "click",
    function (event) {
      var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
      if (!el || el.tagName === "FORM") return;
      if (!window.confirm(el.getAttribute("data-confirm"))) refuse(event);
    },
    true
  );

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form || !form.hasAttribute || !form.hasAttribute("data-confirm")) return;
      if (!window.confirm(form.getAttribute("data-confirm"))) refuse(event);
    },
    true
  );

  /* ---- auto-submit ----------------------------------------------------------------------- */
  function submitForm(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(); // fires "submit", so htmx forms and data-confirm still apply
      return;
    }
    // Older phone web views (WeChat on old iOS) lack requestSubmit().
    var submitEvent = new Event("submit", { bubbles: true, cancelable: true });
    if (form.dispatchEvent(submitEvent)) form.submit();
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-autosubmit") || !el.form) return;
    submitForm(el.form);
  });
})();
