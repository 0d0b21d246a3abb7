/* The one-tag embed (docs/chat.md):
 *
 *   <script src="https://support.example.com/static/chat/widget.js" data-widget-key="KEY" async></script>
 *
 * Optional attributes: data-user-id and data-user-hash (identity verification), data-name,
 * data-email, data-language, data-open="true". Loads sdk.js from the same place and starts it. */
(function (document) {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-widget-key]");
  if (!script) { return; }
  var data = script.dataset;
  var settings = {
    widgetKey: data.widgetKey, userId: data.userId, userHash: data.userHash, name: data.name,
    email: data.email, language: data.language, open: data.open === "true",
    baseUrl: new URL(script.src, location.href).origin,
  };
  function boot() {
    var run = function () { window.Atiende.init(settings); };
    if (document.body) { run(); } else { document.addEventListener("DOMContentLoaded", run); }
  }
  if (window.Atiende && window.Atiende.init) { boot(); return; }
  var sdk = document.createElement("script");
  // Beside this file; a hashed name (widget.<hash>.js, from collectstatic) loads the plain sdk.js.
  sdk.src = script.src.replace(/widget(\.[0-9a-f]{6,})?\.js(\?.*)?$/, "sdk.js");
  sdk.async = true;
  sdk.onload = boot;
  document.head.appendChild(sdk);
})(document);
