/* The agent inbox in the browser: live updates over one websocket, presence badges, typing,
 * the live chats strip (unread counts, visitor typing and page), notifications, and resume:
 * the page remembers the last event id it saw and, after a reconnect, asks the server to
 * replay what it missed (or reloads its fragments when told to resync).
 * No inline script anywhere (CSP): the page describes itself with data- attributes on <body>. */
(function () {
  "use strict";

  var PING_MS = 20000;        // heartbeat; the server answers "pong"
  var PRESENCE_TTL_MS = 45000; // a colleague not heard from for this long has gone
  var TYPING_MS = 6000;        // "typing" turns back into "viewing" after this
  var TYPING_THROTTLE_MS = 3000;
  var VISITOR_TYPING_MS = 8000; // a visitor's typing preview fades after this

  // The agent's notification choices stay in this browser (opt-in, off by default).
  function preference(name) {
    try {
      return window.localStorage.getItem("atiende.pref." + name) === "1";
    } catch (error) {
      return false;
    }
  }
  function setPreference(name, on) {
    try {
      window.localStorage.setItem("atiende.pref." + name, on ? "1" : "0");
    } catch (error) {
      /* private mode: the choice lasts for this page only */
    }
  }
  document.querySelectorAll("input[data-pref]").forEach(function (box) {
    var name = box.getAttribute("data-pref");
    box.checked = preference(name) && (name !== "notifications" ||
      ("Notification" in window && Notification.permission === "granted"));
    box.addEventListener("change", function () {
      if (name === "notifications" && box.checked && "Notification" in window) {
        Notification.requestPermission().then(function (permission) {
          box.checked = permission === "granted";
          setPreference(name, box.checked);
        });
        return;
      }
      setPreference(name, box.checked);
    });
  });

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

  var lastEventId = parseInt(body.getAttribute("data-last-event-id") || "0", 10) || 0;
  var livebar = document.getElementById("livebar");
  var chatsUrl = livebar ? livebar.getAttribute("data-chats-url") : null;
  var unreadSeen = null; // chat id -> unread count at the last strip refresh
  var visitorTyping = {}; // chat id -> {preview, page, until}
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

  // Coalesce bursts of events into one request per fragment. Each request names its region as
  // its source: htmx keeps one request in flight per source element and, with none named, uses
  // <body> for all, queueing only the last of those asked meanwhile and resolving the dropped
  // ones at once, so a timeline refresh could vanish behind a panel or list refresh.
  var pending = {};
  // One refresh per region at a time, debounced 150 ms; one asked for while the region's
  // request is in flight runs again when it ends (its answer may predate what was asked for).
  var inflight = {};
  var again = {};
  function refresh(key, run) {
    if (pending[key]) {
      return;
    }
    if (inflight[key]) {
      again[key] = true;
      return;
    }
    pending[key] = true;
    window.setTimeout(function () {
      pending[key] = false;
      inflight[key] = true;
      Promise.resolve(run()).catch(function () {}).then(function () {
        inflight[key] = false;
        if (again[key]) {
          again[key] = false;
          refresh(key, run);
        }
      });
    }, 150);
  }

  function refreshTimeline() {
    if (!timelineUrl || !document.getElementById("timeline")) {
      return;
    }
    refresh("timeline", function () {
      return htmx.ajax("GET", timelineUrl, { source: "#timeline", target: "#timeline", swap: "outerHTML" });
    });
  }

  function refreshPanel() {
    var panel = document.getElementById("panel");
    // Not while the agent is editing a property: their choice must not be swapped away.
    if (!panelUrl || !panel || panel.contains(document.activeElement)) {
      return;
    }
    refresh("panel", function () {
      return htmx.ajax("GET", panelUrl, { source: "#panel", target: "#panel", swap: "outerHTML" });
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
      return htmx.ajax("GET", location.pathname + location.search, { source: "#inbox-body", target: "#inbox-body", swap: "outerHTML" });
    });
  }
  document.addEventListener("focusout", function () {
    if (listStale) {
      listStale = false;
      refreshList();
    }
  });

  function refreshChats() {
    if (!chatsUrl || !document.getElementById("my-chats")) {
      return;
    }
    refresh("chats", function () {
      return htmx.ajax("GET", chatsUrl, { source: "#my-chats", target: "#my-chats", swap: "innerHTML" });
    });
  }

  function chatCards() {
    return Array.prototype.slice.call(document.querySelectorAll("#my-chats [data-chat-id]"));
  }

  function isMyChat(id) {
    return chatCards().some(function (card) {
      return parseInt(card.getAttribute("data-chat-id"), 10) === id;
    });
  }

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return;
    }
    try {
      var context = new Context();
      var tone = context.createOscillator();
      var gain = context.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.15);
      tone.onended = function () { context.close(); };
    } catch (error) {
      /* audio blocked until the agent interacts with the page: stay silent */
    }
  }

  function toast(text, conversation) {
    var box = document.createElement("div");
    box.className = "toast";
    box.setAttribute("role", "status");
    if (conversation) {
      var link = document.createElement("a");
      link.href = "/inbox/c/" + conversation + "/";
      link.textContent = text;
      box.appendChild(link);
    } else {
      box.textContent = text;
    }
    document.body.appendChild(box);
    window.setTimeout(function () { box.remove(); }, 6000);
  }

  // Tell the agent about something new: always a toast; a sound and a browser notification
  // when they opted in (and the page is not already in front of them for that chat).
  function alertAgent(text, conversation) {
    toast(text, conversation);
    var watchingIt = conversation === conversationId && document.visibilityState === "visible";
    if (watchingIt) {
      return;
    }
    if (preference("sound")) {
      beep();
    }
    if (preference("notifications") && "Notification" in window && Notification.permission === "granted") {
      var note = new Notification("atiende", { body: text, tag: "atiende-chat-" + conversation });
      note.onclick = function () {
        window.focus();
        location.href = "/inbox/c/" + conversation + "/";
      };
    }
  }

  function renderVisitorTyping() {
    var now = Date.now();
    var typingText = livebar ? livebar.getAttribute("data-visitor-typing") || "%(text)s" : "%(text)s";
    var pageText = livebar ? livebar.getAttribute("data-visitor-page") || "%(page)s" : "%(page)s";
    chatCards().forEach(function (card) {
      var entry = visitorTyping[card.getAttribute("data-chat-id")];
      var typing = card.querySelector("[data-chat-typing]");
      var page = card.querySelector("[data-chat-page]");
      if (typing) {
        typing.textContent = entry && entry.until > now && entry.preview
          ? typingText.replace("%(text)s", entry.preview) : "";
      }
      if (page) {
        // The live address from the visitor's typing, else the one the server last stored.
        var address = (entry && entry.page) || page.getAttribute("data-page") || "";
        page.textContent = address ? pageText.replace("%(page)s", address) : "";
        page.setAttribute("title", address);
      }
      card.classList.toggle("is-current", parseInt(card.getAttribute("data-chat-id"), 10) === conversationId);
    });
  }
  window.setInterval(renderVisitorTyping, 2000);

  // After each strip refresh: re-apply live details and announce new customer messages.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "my-chats") {
      return;
    }
    var counts = {};
    var template = livebar ? livebar.getAttribute("data-new-message") || "%(name)s" : "%(name)s";
    chatCards().forEach(function (card) {
      var id = card.getAttribute("data-chat-id");
      var unread = parseInt(card.getAttribute("data-unread") || "0", 10);
      counts[id] = unread;
      if (unreadSeen !== null && id in unreadSeen && unread > unreadSeen[id]) {
        alertAgent(template.replace("%(name)s", card.getAttribute("data-customer") || ""), parseInt(id, 10));
      }
    });
    unreadSeen = counts;
    renderVisitorTyping();
  });

  function onVisitorTyping(message) {
    var entry = visitorTyping[String(message.conversation_id)] || {};
    entry.preview = message.preview || "";
    if (message.page_url) {
      entry.page = message.page_url;
    }
    entry.until = Date.now() + VISITOR_TYPING_MS;
    visitorTyping[String(message.conversation_id)] = entry;
    renderVisitorTyping();
    if (message.conversation_id === conversationId) {
      renderPresence();
    }
  }

  // The agent has the chat in front of them: the customer's messages are read.
  function markSeen() {
    if (conversationId !== null && document.visibilityState === "visible") {
      send({ type: "seen", conversation_id: conversationId });
    }
  }
  document.addEventListener("visibilitychange", markSeen);

  // The server may have changed the agent's status (automatic away, back online).
  function showStatus(status) {
    var form = document.getElementById("status-form");
    var select = document.getElementById("id_agent_status");
    if (!form || !select || !status) {
      return;
    }
    select.value = status;
    form.className = form.className.replace(/\bstatus-(online|away|offline)\b/g, "").trim() + " status-" + status;
  }

  function refreshAll() {
    refreshTimeline();
    refreshPanel();
    refreshChats();
    if (live === "inbox") {
      refreshList();
    }
  }

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
    // The customer typing in this chat (from the chat widget), with what they have typed.
    var visitor = conversationId !== null ? visitorTyping[String(conversationId)] : null;
    if (visitor && visitor.until > now && visitor.preview) {
      var customerText = livebar ? livebar.getAttribute("data-visitor-typing") || "%(text)s" : "%(text)s";
      var customer = document.createElement("span");
      customer.className = "presence-badge is-typing visitor-typing";
      customer.textContent = customerText.replace("%(text)s", visitor.preview);
      box.appendChild(customer);
    }
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
    if (typeof message.event_id === "number" && message.event_id > lastEventId) {
      lastEventId = message.event_id;
    }
    var kind = String(message.kind);
    if (conversationId !== null && message.conversation_id === conversationId) {
      refreshTimeline();
      if (kind.indexOf("conversation.") === 0 || kind.indexOf("routing.") === 0) {
        refreshPanel();
      }
      if (kind === "message.created") {
        markSeen();
      }
    }
    if (live === "inbox") {
      refreshList();
    }
    if (isMyChat(message.conversation_id) || kind.indexOf("conversation.") === 0) {
      refreshChats();
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
        markSeen();
      }
      pingTimer = window.setInterval(heartbeat, PING_MS);
      // Replay what happened since the last event this page saw (since it was rendered, on
      // the first connection; since the drop, after a reconnect).
      send({ type: "resume", last_event_id: lastEventId });
      if (connectedBefore) {
        refreshChats();
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
      } else if (message.type === "hello") {
        showStatus(message.status);
      } else if (message.type === "resync") {
        refreshAll(); // too much was missed to replay: reload the fragments instead
      } else if (message.type === "visitor_typing") {
        onVisitorTyping(message);
      } else if (message.type === "read") {
        refreshChats(); // this chat is read now: its unread count goes
      } else if (message.type === "notify") {
        alertAgent(message.text, message.conversation_id);
        refreshChats();
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
