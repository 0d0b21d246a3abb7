/* The agent inbox in the browser: live updates over one websocket, presence badges, typing.
 * No inline script anywhere (CSP): the page describes itself with data- attributes on <body>. */
(function () {
  "use strict";

  var PING_MS = 20000;        // heartbeat; the server answers "pong"
  var PRESENCE_TTL_MS = 45000; // a colleague not heard from for this long has gone
  var TYPING_MS = 6000;        // "typing" turns back into "viewing" after this
  var TYPING_THROTTLE_MS = 3000;

  document.documentElement.classList.add("js");

  // Selects marked data-autosubmit (the language switcher) submit on change.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit();
    }
  });

  // Buttons marked data-insert-reply (suggested replies, articles, checklists in the side
  // panels) put their text into the reply box, after what the agent has already typed.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-insert-reply]") : null;
    if (!button) {
      return;
    }
    var box = document.querySelector("#composer .reply-form textarea[name=text]");
    if (!box) {
      return;
    }
    event.preventDefault();
    var text = button.getAttribute("data-insert-reply") || "";
    box.value = box.value.trim() ? box.value.replace(/\s*$/, "") + "\n\n" + text : text;
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });

  var body = document.body;
  var live = body.getAttribute("data-live");
  if (!live || !("WebSocket" in window)) {
    return;
  }
  var conversationId = body.hasAttribute("data-conversation-id")
    ? parseInt(body.getAttribute("data-conversation-id"), 10) : null;
  var ownUserId = parseInt(body.getAttribute("data-user-id") || "0", 10);
  var timelineUrl = body.getAttribute("data-timeline-url");
  var panelUrl = body.getAttribute("data-panel-url");

  var socket = null;
  var attempts = 0;
  var connectedBefore = false;
  var pingTimer = null;
  var presence = {}; // user id -> {name, state, seen, typingUntil}

  function socketUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/inbox/";
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
    }
  }

  // Coalesce bursts of events into one request per fragment.
  var pending = {};
  function refresh(key, run) {
    if (pending[key]) {
      return;
    }
    pending[key] = true;
    window.setTimeout(function () {
      pending[key] = false;
      run();
    }, 150);
  }

  function refreshTimeline() {
    if (!timelineUrl || !document.getElementById("timeline")) {
      return;
    }
    refresh("timeline", function () {
      htmx.ajax("GET", timelineUrl, { target: "#timeline", swap: "outerHTML" });
    });
  }

  function refreshPanel() {
    var panel = document.getElementById("panel");
    // Not while the agent is editing a property: their choice must not be swapped away.
    if (!panelUrl || !panel || panel.contains(document.activeElement)) {
      return;
    }
    refresh("panel", function () {
      htmx.ajax("GET", panelUrl, { target: "#panel", swap: "outerHTML" });
    });
  }

  var listStale = false;
  function refreshList() {
    var region = document.getElementById("inbox-body");
    if (!region) {
      return;
    }
    var active = document.activeElement;
    if (active && region.contains(active) && active.tagName === "INPUT") {
      listStale = true; // the agent is typing a search; refresh when they leave the box
      return;
    }
    refresh("list", function () {
      htmx.ajax("GET", location.pathname + location.search, { target: "#inbox-body", swap: "outerHTML" });
    });
  }
  document.addEventListener("focusout", function () {
    if (listStale) {
      listStale = false;
      refreshList();
    }
  });

  function renderPresence() {
    var box = document.getElementById("presence");
    if (!box) {
      return;
    }
    var now = Date.now();
    var viewingText = box.getAttribute("data-viewing") || "%(name)s";
    var typingText = box.getAttribute("data-typing") || "%(name)s";
    box.textContent = "";
    Object.keys(presence).forEach(function (userId) {
      var entry = presence[userId];
      if (now - entry.seen > PRESENCE_TTL_MS) {
        delete presence[userId];
        return;
      }
      var typing = entry.typingUntil > now;
      var badge = document.createElement("span");
      badge.className = "presence-badge" + (typing ? " is-typing" : "");
      badge.setAttribute("data-user-id", userId);
      badge.textContent = (typing ? typingText : viewingText).replace("%(name)s", entry.name);
      box.appendChild(badge);
    });
  }
  window.setInterval(renderPresence, 2000);

  function onPresence(message) {
    if (message.conversation_id !== conversationId || message.user_id === ownUserId) {
      return;
    }
    var key = String(message.user_id);
    if (message.state === "left") {
      delete presence[key];
    } else {
      var entry = presence[key] || { name: message.name, typingUntil: 0 };
      entry.name = message.name;
      entry.seen = Date.now();
      if (message.state === "typing") {
        entry.typingUntil = Date.now() + TYPING_MS;
      }
      presence[key] = entry;
    }
    renderPresence();
  }

  function onEvent(message) {
    if (conversationId !== null && message.conversation_id === conversationId) {
      refreshTimeline();
      if (String(message.kind).indexOf("conversation.") === 0) {
        refreshPanel();
      }
    }
    if (live === "inbox") {
      refreshList();
    }
  }

  function heartbeat() {
    send({ type: "ping" });
    if (conversationId !== null) {
      send({ type: "watch", conversation_id: conversationId });
    }
  }

  function connect() {
    socket = new WebSocket(socketUrl());
    socket.addEventListener("open", function () {
      attempts = 0;
      body.classList.remove("is-offline");
      if (conversationId !== null) {
        send({ type: "watch", conversation_id: conversationId });
      }
      pingTimer = window.setInterval(heartbeat, PING_MS);
      if (connectedBefore) {
        // Events may have been missed while disconnected: resynchronise from the server.
        refreshTimeline();
        refreshPanel();
        if (live === "inbox") {
          refreshList();
        }
      }
      connectedBefore = true;
    });
    socket.addEventListener("message", function (raw) {
      var message;
      try {
        message = JSON.parse(raw.data);
      } catch (error) {
        return;
      }
      if (message.type === "event") {
        onEvent(message);
      } else if (message.type === "presence") {
        onPresence(message);
      }
    });
    socket.addEventListener("close", function (event) {
      window.clearInterval(pingTimer);
      body.classList.add("is-offline");
      if (event.code === 4401 || event.code === 4403) {
        return; // signed out or deactivated: reconnecting would not help
      }
      // Exponential backoff with jitter, so a restarted server is not stampeded.
      var delay = Math.min(30000, 1000 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      attempts += 1;
      window.setTimeout(connect, delay);
    });
  }

  var lastTyping = 0;
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (conversationId === null || !(target instanceof HTMLTextAreaElement) || !target.hasAttribute("data-typing")) {
      return;
    }
    var now = Date.now();
    if (now - lastTyping > TYPING_THROTTLE_MS) {
      lastTyping = now;
      send({ type: "typing", conversation_id: conversationId });
    }
  });

  connect();
})();
