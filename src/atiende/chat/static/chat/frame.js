/* The chat window, inside the frame atiende serves at /chat/frame/<key>/ (docs/chat.md).
 *
 * Speaks protocol 1: a REST session, then the websocket; every message carries a client id and
 * stays "pending" (kept in localStorage) until its ack, and is resent with the same id after a
 * reconnect; after every connect the frame sends `resume` with the last sequence number seen,
 * and messages are keyed by (conversation, seq) so a replay never shows one twice. Strings come
 * translated from the server (config.strings). The host page talks to it through postMessage
 * (sdk.js); nothing from the host is trusted beyond the identity it passes, which the server
 * verifies. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var S = config.strings;
  var body = document.body;
  var api = body.dataset.api;
  var storeKey = "atiende.chat." + body.dataset.widgetKey;
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), panel = $("panel"), launcher = $("launcher"), text = $("text");

  var state = {
    visitorToken: "", session: "", statusKind: "", conversationId: null, lastSeq: 0,
    seen: {}, pending: [], socket: null, attempts: 0, open: false, unread: 0,
    identity: {}, pageUrl: "", parentOrigin: null, started: false, agentRead: 0,
    launcher: true, pingTimer: null, typingTimer: null, lastTyping: 0, readSent: 0,
    read: {},  // conversation id -> the last seq the visitor has seen (no badge for old replies)
  };

  document.documentElement.style.setProperty("--brand", config.color);
  document.documentElement.style.setProperty("--on-brand", config.text_color);

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(storeKey) || "{}");
      state.visitorToken = saved.visitorToken || "";
      state.pending = Array.isArray(saved.pending) ? saved.pending : [];
      state.read = saved.read || {};
    } catch (_e) { /* storage off: a new visitor each visit */ }
  }

  function save() {
    try {
      localStorage.setItem(storeKey, JSON.stringify({
        visitorToken: state.visitorToken, pending: state.pending, read: state.read,
      }));
    } catch (_e) { /* storage off or full: the chat still works for this page view */ }
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- talking to the host page ------------------------------------------------------------

  function toParent(message) {
    if (window.parent !== window && state.parentOrigin) {
      message.atiende = message.atiende || "event";
      window.parent.postMessage(message, state.parentOrigin);
    }
  }

  function emit(name, data) { toParent({ atiende: "event", name: name, data: data }); }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || typeof event.data !== "object") { return; }
    var command = event.data;
    if (command.atiende === "init" && !state.started) {
      state.parentOrigin = event.origin;
      state.identity = { user_id: command.userId || "", user_hash: command.userHash || "",
                         name: command.name || "", email: command.email || "" };
      state.pageUrl = command.pageUrl || "";
      state.launcher = command.launcher !== false;
      start(command.open === true);
    } else if (event.origin !== state.parentOrigin) {
      return;
    } else if (command.atiende === "open") { setOpen(true); }
    else if (command.atiende === "close") { setOpen(false); }
    else if (command.atiende === "send" && typeof command.text === "string") { send(command.text); }
    else if (command.atiende === "page" && typeof command.url === "string") {
      state.pageUrl = command.url;
      frame({ type: "page", url: command.url });
    }
  });

  // --- session and socket --------------------------------------------------------------------

  function request(method, path, payload, isForm) {
    // The away and pre-chat forms show before the session is open (a first-time visitor's opens
    // when the chat does): what they send waits for it instead of going out unauthenticated.
    if (path !== "sessions" && !state.session && state.opening) {
      return state.opening.then(function () { return request(method, path, payload, isForm); });
    }
    var headers = {};
    if (state.session) { headers.Authorization = "Bearer " + state.session; }
    if (payload && !isForm) { headers["Content-Type"] = "application/json"; }
    return fetch(api + path, {
      method: method, headers: headers, credentials: "omit",
      body: payload ? (isForm ? payload : JSON.stringify(payload)) : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { var error = new Error(data.detail || S.error); error.status = response.status; throw error; }
        return data;
      });
    });
  }

  function openSession() {
    return request("POST", "sessions", {
      visitor_token: state.visitorToken, user_id: state.identity.user_id,
      user_hash: state.identity.user_hash, name: state.identity.name,
      email: state.identity.email, language: config.language, page_url: state.pageUrl,
    }).then(function (data) {
      state.visitorToken = data.visitor_token;
      state.session = data.session;
      config.availability = data.config.availability;
      if (data.conversation_id !== state.conversationId) { switchTo(data.conversation_id); }
      save();
      return data;
    });
  }

  function start(openNow) {
    state.started = true;
    load();
    state.pending.forEach(function (item) {
      var bubble = bubbleFor("mine pending", item.client_id);
      bubble.querySelector(".text").textContent = item.text;
      setNote(bubble, S.sending);
    });
    toParent({ atiende: "resize", open: false, launcher: state.launcher });
    showForms();
    // A first-time visitor gets a session (a visitor row) only when they open the chat: page
    // views alone create nothing. Returning visitors connect at once (history, unread badge).
    if (state.visitorToken || state.pending.length || state.identity.user_id || openNow) {
      begin(openNow);
    } else {
      state.deferred = true;
    }
  }

  function begin(openNow) {
    state.deferred = false;
    state.opening = openSession();
    state.opening.then(function () {
      showForms();
      connect();
      if (openNow) { setOpen(true); }
    }).catch(function (error) {
      setStatus(error.status === 403 ? S.identity_failed : S.error);
      if (openNow) { setOpen(true); }
    });
  }

  function connect() {
    if (state.socket && state.socket.readyState <= WebSocket.OPEN) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/chat/?session=" + encodeURIComponent(state.session));
    state.socket = socket;
    socket.onopen = function () {
      state.attempts = 0;
      if (state.statusKind === "connection") { setStatus(""); }
      frame({ type: "resume", last_seq: state.lastSeq });
      state.pending.forEach(function (item) { frame({ type: "message", client_id: item.client_id, text: item.text }); });
      clearInterval(state.pingTimer);
      state.pingTimer = setInterval(function () { frame({ type: "ping" }); }, config.heartbeat * 1000);
      if (state.pageUrl) { frame({ type: "page", url: state.pageUrl }); }
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (_e) { return; }
      receive(data);
    };
    socket.onclose = function (event) {
      clearInterval(state.pingTimer);
      if (state.socket !== socket) { return; }
      state.socket = null;
      setStatus(S.offline_connection, "connection");
      // Back off with jitter: 0.25 s doubling to 5 s, each wait ±50 % at random, so that the
      // thousands of widgets a server restart drops do not all knock again at the same instant,
      // yet none waits more than 7.5 s once it is back (docs/chat-scaling.md, restart). The
      // socket's `onopen` resets the count and resumes at once.
      var delay = Math.min(5000, 250 * Math.pow(2, state.attempts)) * (0.5 + Math.random());
      state.attempts = Math.min(state.attempts + 1, 10);
      setTimeout(function () {
        if (event.code === 4401) { openSession().then(connect, function () { connect(); }); }
        else { connect(); }
      }, delay);
    };
  }

  // Tests (and the SDK's `reconnect`) may drop the socket as a network would.
  window.atiendeDropConnection = function () { if (state.socket) { state.socket.close(); } };

  function frame(data) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify(data));
      return true;
    }
    return false;
  }

  // --- frames from the server ----------------------------------------------------------------

  function receive(data) {
    switch (data.type) {
      case "ready":
        if (data.conversation_id !== state.conversationId) { switchTo(data.conversation_id); }
        break;
      case "message": render(data); break;
      case "ack": acked(data); break;
      case "conversation": switchTo(data.conversation_id); break;
      case "typing": showTyping(data.name); break;
      case "read": if (data.by === "agent") { markSeen(data.seq); } break;
      case "queue": setStatus(data.position > 1 ? fmt(S.queue, { position: data.position }) : S.queue_next); break;
      case "availability": config.availability = data; showForms(); break;
      case "error": failed(data); break;
      default: break;
    }
    if (data.type !== "pong") { emit("frame", data); }
  }

  function switchTo(conversationId) {
    if (conversationId === state.conversationId) { return; }
    if (state.conversationId !== null && conversationId !== null) {
      var divider = document.createElement("hr");
      divider.className = "divider";
      log.appendChild(divider);
    }
    state.conversationId = conversationId;
    state.lastSeq = 0;
    state.readSent = 0;
  }

  function acked(data) {
    if (data.conversation_id !== state.conversationId) { switchTo(data.conversation_id); }
    state.pending = state.pending.filter(function (item) { return item.client_id !== data.client_id; });
    save();
    var bubble = log.querySelector('[data-client-id="' + CSS.escape(data.client_id) + '"]');
    if (bubble) { bubble.dataset.seq = data.seq; bubble.classList.remove("pending"); setNote(bubble, ""); }
    state.lastSeq = Math.max(state.lastSeq, data.seq);
  }

  function failed(data) {
    if (data.client_id && data.code === "unavailable") {
      // Not stored: keep it pending and send it again with the same client id.
      setTimeout(function () {
        state.pending.forEach(function (item) {
          if (item.client_id === data.client_id) { frame({ type: "message", client_id: item.client_id, text: item.text }); }
        });
      }, 2000);
      return;
    }
    if (data.client_id) {
      state.pending = state.pending.filter(function (item) { return item.client_id !== data.client_id; });
      save();
      var bubble = log.querySelector('[data-client-id="' + CSS.escape(data.client_id) + '"]');
      if (bubble) { bubble.classList.add("failed"); setNote(bubble, data.detail); }
    } else {
      setStatus(data.detail);
    }
  }

  function setNote(bubble, note) {
    var element = bubble.querySelector(".note");
    element.textContent = note;
  }

  function render(data) {
    var key = data.conversation_id + ":" + data.seq;
    if (data.conversation_id !== state.conversationId) {
      if (data.conversation_id == null) { return; }
      switchTo(data.conversation_id);
    }
    if (state.seen[key]) { return; }
    state.seen[key] = true;
    state.lastSeq = Math.max(state.lastSeq, data.seq);
    var bubble = data.client_id ? log.querySelector('[data-client-id="' + CSS.escape(data.client_id) + '"]') : null;
    if (bubble) {
      bubble.dataset.seq = data.seq;
      bubble.classList.remove("pending");
      setNote(bubble, "");
      if ((data.attachments || []).length && !bubble.querySelector(".file")) {
        // An upload: show the stored file in place of its local name.
        bubble.querySelector(".text").textContent = data.text;
        data.attachments.forEach(function (item) { addAttachment(bubble, item); });
      }
      return;
    }
    bubble = bubbleFor(data.direction === "inbound" ? "mine" : "theirs", data.client_id);
    bubble.dataset.seq = data.seq;
    if (data.direction !== "inbound" && data.author) {
      var author = document.createElement("span");
      author.className = "author";
      author.textContent = data.author;
      bubble.insertBefore(author, bubble.firstChild);
    }
    var content = bubble.querySelector(".text");
    if (data.html) { content.innerHTML = data.html; } else { content.textContent = data.text; }
    content.querySelectorAll("a").forEach(function (link) { link.target = "_blank"; link.rel = "noopener noreferrer"; });
    (data.attachments || []).forEach(function (item) { addAttachment(bubble, item); });
    addActions(bubble, data);
    placeInOrder(bubble);
    hideTyping();
    if (data.direction !== "inbound" && data.seq > (state.read[state.conversationId] || 0)) {
      emit("message", { text: data.text, author: data.author, seq: data.seq });
      if (!state.open || document.hidden) { state.unread += 1; showUnread(); } else { sendRead(); }
    }
  }

  function bubbleFor(side, clientId) {
    var bubble = document.createElement("div");
    bubble.className = "bubble " + side;
    if (clientId) { bubble.dataset.clientId = clientId; }
    var content = document.createElement("div");
    content.className = "text";
    bubble.appendChild(content);
    var note = document.createElement("span");
    note.className = "note";
    bubble.appendChild(note);
    log.appendChild(bubble);
    return bubble;
  }

  function placeInOrder(bubble) {
    var seq = Number(bubble.dataset.seq);
    var after = null;
    log.querySelectorAll(".bubble[data-seq]").forEach(function (other) {
      if (other !== bubble && Number(other.dataset.seq) > seq && !after && !other.classList.contains("old")) { after = other; }
    });
    if (after) { log.insertBefore(bubble, after); }
    log.scrollTop = log.scrollHeight;
  }

  function addAttachment(bubble, item) {
    var link = document.createElement("a");
    link.href = item.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.className = "file";
    if (item.image) {
      var image = document.createElement("img");
      image.src = item.url;
      image.alt = item.name;
      link.appendChild(image);
    } else {
      link.textContent = item.name;
    }
    link.setAttribute("aria-label", fmt(S.download, { name: item.name }));
    bubble.insertBefore(link, bubble.querySelector(".note"));
  }

  function addActions(bubble, data) {
    if (!data.actions || !data.actions.length) { return; }
    var group = document.createElement("div");
    group.className = "actions";
    data.actions.forEach(function (action) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = action.label;
      button.addEventListener("click", function () {
        frame({ type: "action", seq: data.seq, action: action.id });
        group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      });
      group.appendChild(button);
    });
    bubble.insertBefore(group, bubble.querySelector(".note"));
  }

  function markSeen(seq) {
    state.agentRead = Math.max(state.agentRead, seq);
    log.querySelectorAll(".bubble.mine[data-seq]").forEach(function (bubble) {
      bubble.classList.toggle("seen", Number(bubble.dataset.seq) <= state.agentRead);
    });
    var mine = log.querySelectorAll(".bubble.mine.seen");
    log.querySelectorAll(".seen-label").forEach(function (label) { label.remove(); });
    if (mine.length) {
      var label = document.createElement("span");
      label.className = "seen-label";
      label.textContent = S.seen;
      mine[mine.length - 1].appendChild(label);
    }
  }

  function showTyping(name) {
    var typing = $("typing");
    typing.textContent = name ? fmt(S.typing, { name: name }) : S.someone_typing;
    typing.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, 6000);
  }

  function hideTyping() { $("typing").hidden = true; }

  // The status line says one thing at a time; "kind" lets the socket clear only what it said
  // itself (a reconnect must not wipe "we will write to you").
  function setStatus(message, kind) {
    $("status").textContent = message || "";
    state.statusKind = message ? (kind || "info") : "";
  }

  function showUnread() {
    var badge = $("badge");
    badge.hidden = state.unread === 0;
    badge.textContent = String(state.unread);
    badge.setAttribute("aria-label", S.unread + ": " + state.unread);
    emit("unread", { count: state.unread });
  }

  function sendRead() {
    if (state.conversationId !== null) {
      state.read[state.conversationId] = Math.max(state.read[state.conversationId] || 0, state.lastSeq);
      save();
    }
    if (state.lastSeq > state.readSent && frame({ type: "read", seq: state.lastSeq })) { state.readSent = state.lastSeq; }
  }

  // --- the visitor's side ----------------------------------------------------------------------

  function send(message) {
    message = message.trim();
    if (!message) { return; }
    if (state.deferred) { begin(false); }
    var item = { client_id: newClientId(), text: message.slice(0, config.max_text) };
    state.pending.push(item);
    save();
    var bubble = bubbleFor("mine pending", item.client_id);
    bubble.querySelector(".text").textContent = item.text;
    setNote(bubble, S.sending);
    log.scrollTop = log.scrollHeight;
    $("suggestions").hidden = true;
    if (!frame({ type: "message", client_id: item.client_id, text: item.text })) { setNote(bubble, S.failed); }
  }

  function upload(file) {
    var clientId = newClientId();
    var form = new FormData();
    form.append("file", file);
    form.append("client_id", clientId);
    var bubble = bubbleFor("mine pending", clientId);
    bubble.querySelector(".text").textContent = file.name;
    setNote(bubble, S.sending);
    request("POST", "attachments", form, true).then(function (data) { acked(data); }, function (error) {
      bubble.classList.add("failed");
      setNote(bubble, error.message);
    });
  }

  function showForms() {
    var away = config.availability && (!config.availability.open || config.availability.agents_online === 0);
    var awayForm = $("away");
    awayForm.hidden = !away || state.emailGiven;
    if (away) {
      $("away-when").textContent = config.availability.next_open
        ? fmt(S.back_at, { when: new Date(config.availability.next_open).toLocaleString(config.language) })
        : S.nobody_online;
    }
    var ask = config.prechat;
    var needed = state.conversationId === null && !state.identity.user_id && !state.prechatDone &&
      (ask.name !== "off" || ask.email !== "off") && !away;
    $("prechat").hidden = !needed;
    $("prechat-name-row").hidden = ask.name === "off";
    $("prechat-email-row").hidden = ask.email === "off";
    $("prechat-name-hint").textContent = ask.name === "optional" ? S.optional : "";
    $("prechat-email-hint").textContent = ask.email === "optional" ? S.optional : "";
    $("prechat").querySelector("[name=name]").required = ask.name === "required";
    $("prechat").querySelector("[name=email]").required = ask.email === "required";
    $("composer").hidden = needed;
  }

  function setOpen(open) {
    if (open && state.deferred) { begin(false); }
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    toParent({ atiende: "resize", open: open, launcher: state.launcher });
    emit(open ? "open" : "close", {});
    if (open) {
      state.unread = 0;
      showUnread();
      sendRead();
      var first = panel.querySelector("form:not([hidden]) input, #text");
      (first || text).focus();
    } else {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(!state.open); });
  $("close").addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { setOpen(false); } });

  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    send(text.value);
    text.value = "";
    text.focus();
  });
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
  });
  text.addEventListener("input", function () {
    var now = Date.now();
    if (now - state.lastTyping > 1500) { state.lastTyping = now; frame({ type: "typing", text: text.value }); }
    suggest(text.value);
  });
  $("file").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (file) { upload(file); }
    event.target.value = "";
  });

  function leaveEmail(form, done) {
    var email = form.querySelector("[name=email]").value.trim();
    var nameInput = form.querySelector("[name=name]");
    var name = nameInput ? nameInput.value.trim() : "";
    if (!email) { done(); return; }
    request("POST", "email", { email: email, name: name }).then(function (data) {
      state.emailGiven = true;
      // A line of its own: the connection messages of the status line never replace it.
      if (state.statusKind !== "connection") { setStatus(""); }
      $("saved").textContent = fmt(S.email_saved, { email: data.email });
      $("saved").hidden = false;
      done();
    }, function (error) { setStatus(error.message); });
  }

  $("prechat").addEventListener("submit", function (event) {
    event.preventDefault();
    leaveEmail(event.target, function () { state.prechatDone = true; showForms(); text.focus(); });
  });
  $("away").addEventListener("submit", function (event) {
    event.preventDefault();
    leaveEmail(event.target, function () { showForms(); text.focus(); });
  });

  var suggestTimer = null;
  function suggest(query) {
    clearTimeout(suggestTimer);
    var list = $("suggestions");
    if (!config.suggest_articles || state.conversationId !== null || query.trim().length < 4) { list.hidden = true; return; }
    suggestTimer = setTimeout(function () {
      fetch("/api/helpcenter/suggest?q=" + encodeURIComponent(query) + "&language=" + config.language, { credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          list.textContent = "";
          (data.results || []).slice(0, 3).forEach(function (item) {
            var entry = document.createElement("li");
            var link = document.createElement("a");
            link.href = item.url;
            link.target = "_blank";
            link.rel = "noopener";
            link.textContent = item.title;
            entry.appendChild(link);
            if (item.snippet) { var p = document.createElement("p"); p.textContent = item.snippet; entry.appendChild(p); }
            list.appendChild(entry);
          });
          list.hidden = list.children.length === 0;
        }, function () { list.hidden = true; });
    }, 400);
  }

  // Back online: reconnect now rather than at the end of the backoff.
  window.addEventListener("online", function () {
    if (state.started && !state.socket && state.session) { state.attempts = 0; connect(); }
  });

  document.addEventListener("visibilitychange", function () { if (!document.hidden && state.open) { sendRead(); } });

  // Standalone (opened directly, not embedded): start at once, window open.
  if (window.parent === window) {
    start(true);
  } else {
    window.parent.postMessage({ atiende: "ready" }, "*");
    setTimeout(function () { if (!state.started) { start(false); } }, 3000);
  }
})();
