/* The account panel beside a conversation: keeps what a grant shows in step with the grant.
 *
 * A grant that ends must disappear from an open page within two seconds. Three things see to it:
 * - the conversation's timeline is refreshed by the inbox's websocket on every event, and a
 *   revoke, approval or expiry is an event: after each timeline refresh the access area is
 *   reloaded from the server (which decides access from the database on every request);
 * - each active-grant banner counts down from the seconds the server said were left, and at
 *   zero removes what the grant showed and reloads the access area;
 * - while a grant is shown, its status is checked once a second (a socket can be down).
 * No inline script (CSP): this file is loaded by the panel fragment, once.
 */
(function () {
  "use strict";

  var CHECK_MS = 1000;

  if (window.atiendeAccountPanel) {
    window.atiendeAccountPanel.scan();
    return;
  }

  var deadlines = {}; // grant id -> performance.now() deadline
  var checking = {};

  function hms(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return hours + ":" + (minutes < 10 ? "0" : "") + minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function panelRoot() {
    return document.getElementById("account-panel");
  }

  function accessBox() {
    return document.getElementById("account-access");
  }

  function banners() {
    return Array.prototype.slice.call(document.querySelectorAll(".grant-banner[data-grant-id]"));
  }

  function reloadAccess() {
    var box = accessBox();
    if (!box || !window.htmx) {
      return;
    }
    window.htmx.ajax("GET", box.getAttribute("data-access-url"), { target: "#account-access", swap: "outerHTML" });
  }

  function reloadPanel() {
    var root = panelRoot();
    if (!root || !window.htmx || !root.parentElement) {
      return;
    }
    window.htmx.ajax("GET", root.getAttribute("data-panel-url"), { target: root.parentElement, swap: "innerHTML" });
  }

  // At once, before the server answers: nothing the grant showed stays on the page.
  function endGrant(grantId) {
    document.querySelectorAll('[data-requires-grant="' + grantId + '"]').forEach(function (element) {
      element.remove();
    });
    document.querySelectorAll('.grant-banner[data-grant-id="' + grantId + '"]').forEach(function (element) {
      element.remove();
    });
    delete deadlines[grantId];
    reloadAccess();
  }

  function scan() {
    var now = performance.now();
    banners().forEach(function (banner) {
      var id = banner.getAttribute("data-grant-id");
      if (!(id in deadlines)) {
        var left = parseInt(banner.getAttribute("data-seconds-left") || "0", 10);
        deadlines[id] = now + left * 1000;
      }
    });
    tick();
  }

  function tick() {
    var now = performance.now();
    banners().forEach(function (banner) {
      var id = banner.getAttribute("data-grant-id");
      if (!(id in deadlines)) {
        return;
      }
      var left = Math.max(0, Math.ceil((deadlines[id] - now) / 1000));
      var text = banner.querySelector("[data-countdown]");
      if (text) {
        text.textContent = (banner.getAttribute("data-left-text") || "%(time)s").replace("%(time)s", hms(left));
      }
      if (left <= 0) {
        endGrant(id);
      }
    });
  }

  function check() {
    banners().forEach(function (banner) {
      var id = banner.getAttribute("data-grant-id");
      var url = banner.getAttribute("data-status-url");
      if (!url || checking[id]) {
        return;
      }
      checking[id] = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { status: "ended" };
        })
        .then(function (grant) {
          if (grant.status !== "active") {
            endGrant(id);
          }
        })
        .catch(function () { /* offline: the countdown still ends it */ })
        .then(function () {
          checking[id] = false;
        });
    });
  }

  // Something happened in this conversation (the inbox refreshed the timeline).
  function onConversationChanged() {
    var root = panelRoot();
    if (!root) {
      return;
    }
    var action = document.getElementById("account-action");
    var busy = (action && action.children.length > 0) || root.contains(document.activeElement);
    if (!busy) {
      reloadPanel();
      return;
    }
    var box = accessBox();
    // The agent may be typing a request: keep it, unless a grant is shown (it may have ended).
    if (banners().length > 0 || !box || !box.contains(document.activeElement)) {
      reloadAccess();
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var detail = event.detail || {};
    var timelineUrl = document.body.getAttribute("data-timeline-url");
    var path = detail.pathInfo ? detail.pathInfo.requestPath : "";
    var target = detail.target;
    if ((timelineUrl && path === timelineUrl) || (target && target.id === "timeline")) {
      onConversationChanged();
    }
    scan();
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-account-cancel]") : null;
    if (!button) {
      return;
    }
    var action = document.getElementById("account-action");
    if (action) {
      action.textContent = "";
    }
    reloadPanel();
  });

  window.setInterval(tick, 250);
  window.setInterval(check, CHECK_MS);
  window.atiendeAccountPanel = { scan: scan };
  scan();
})();
