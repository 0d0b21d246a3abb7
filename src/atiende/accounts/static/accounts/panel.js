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

  // What the agent has under way in the access box (an open "Request access" form and what
  // they chose or typed in it), taken just before a reload replaces the box and put back into
  // the new one: a revoke, an expiry or a new message must not close the form or drop the text.
  // Only reloads (GET) keep it: a submitted request is answered by the box the server renders.
  function fieldKey(field) {
    var form = field.form;
    return (form ? form.getAttribute("action") || "" : "") + "|" + field.name;
  }

  function changedValue(field) {
    if (field.type === "hidden" || field.type === "submit" || !field.name) {
      return null;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked ? { checked: field.checked } : null;
    }
    if (field.tagName === "SELECT") {
      var changed = Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
      return changed ? { value: field.value } : null;
    }
    return field.value !== field.defaultValue ? { value: field.value } : null;
  }

  function keepAccessState(box) {
    var kept = { open: [], fields: {} };
    box.querySelectorAll("details").forEach(function (details, index) {
      if (details.open) {
        kept.open.push(details.className || String(index));
      }
      details.querySelectorAll("input, select, textarea").forEach(function (field) {
        var value = changedValue(field);
        if (value) {
          kept.fields[fieldKey(field)] = value;
        }
      });
    });
    return kept;
  }

  function restoreAccessState(kept) {
    var box = accessBox();
    if (!box) {
      return;
    }
    box.querySelectorAll("details").forEach(function (details, index) {
      if (kept.open.indexOf(details.className || String(index)) >= 0) {
        details.open = true;
      }
      details.querySelectorAll("input, select, textarea").forEach(function (field) {
        var value = kept.fields[fieldKey(field)];
        if (!value) {
          return;
        }
        if ("checked" in value) {
          field.checked = value.checked;
        } else if (field.tagName !== "SELECT" || field.querySelector('option[value="' + CSS.escape(value.value) + '"]')) {
          field.value = value.value;
        }
      });
    });
  }

  // The panel (or the conversation's whole side panel, which loads the account panel again)
  // reloaded after a conversation event: keep the access box's state until a box is back.
  var keptAccess = null;
  var KEEP_MS = 10000;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var verb = detail.requestConfig ? detail.requestConfig.verb : "";
    var box = accessBox();
    var target = detail.target;
    if (!box || !target || detail.shouldSwap === false || !target.contains(box)) {
      return;
    }
    keptAccess = verb === "get" ? { state: keepAccessState(box), at: Date.now() } : null;
  });

  function restoreKeptAccess() {
    if (!keptAccess || !accessBox()) {
      return;
    }
    var kept = keptAccess;
    keptAccess = null;
    if (Date.now() - kept.at < KEEP_MS) {
      restoreAccessState(kept.state);
    }
  }

  // The access box again, with the activity filters the agent chose. The answer replaces the
  // box on the page when it arrives (an earlier reload may have replaced the one that was there
  // when this one started), unless a later reload already answered.
  var accessReloads = 0;
  var accessShown = 0;

  function reloadAccess() {
    var box = accessBox();
    if (!box || !window.htmx) {
      return;
    }
    var number = ++accessReloads;
    var url = box.getAttribute("data-access-url");
    var filters = box.querySelector("form.activity-filters");
    if (filters) {
      url += "?" + new URLSearchParams(new FormData(filters)).toString();
    }
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        var current = accessBox();
        if (html === null || !current || number < accessShown) {
          return;
        }
        accessShown = number;
        var kept = keepAccessState(current);
        window.htmx.swap(current, html, { swapStyle: "outerHTML" });
        restoreAccessState(kept);
        scan();
      })
      .catch(function () { /* offline: the next event or the countdown reloads it */ });
  }

  function reloadPanel() {
    var root = panelRoot();
    if (!root || !window.htmx || !root.parentElement) {
      return;
    }
    window.htmx.ajax("GET", root.getAttribute("data-panel-url"), {
      source: root.parentElement, target: root.parentElement, swap: "innerHTML",
    });
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
    restoreKeptAccess();
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
