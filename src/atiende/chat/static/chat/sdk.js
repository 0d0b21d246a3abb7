/* atiende chat SDK for web pages and web apps (docs/chat.md).
 *
 *   Atiende.init({widgetKey: "...", userId: "u_123", userHash: "<HMAC from your back end>",
 *                 name: "Rosa", email: "rosa@example.com", launcher: true, open: false});
 *   Atiende.open(); Atiende.close(); Atiende.send("Hello");
 *   Atiende.on("message", function (message) { ... });   // also "open", "close", "unread", "frame"
 *   Atiende.page(location.href);                          // single-page apps: the visitor moved
 *
 * The chat itself runs in an iframe served by atiende (its own origin: the host page's styles,
 * scripts and cookies do not reach it, and it needs nothing from the host's CSP but `frame-src`).
 * This file only creates and sizes that frame and relays commands and events with postMessage,
 * checking the frame's origin both ways. No dependencies. */
(function (window, document) {
  "use strict";
  if (window.Atiende && window.Atiende.version) { return; }

  var CLOSED = { width: "76px", height: "76px" };
  var frameEl = null, frameOrigin = "", ready = false, queue = [], handlers = {}, options = {};

  function baseUrl(explicit) {
    if (explicit) { return explicit.replace(/\/$/, ""); }
    var script = document.currentScript || document.querySelector("script[src*='/static/chat/']");
    return script ? new URL(script.src, location.href).origin : location.origin;
  }

  function post(message) {
    if (ready) { frameEl.contentWindow.postMessage(message, frameOrigin); } else { queue.push(message); }
  }

  function fire(name, data) {
    (handlers[name] || []).forEach(function (fn) {
      try { fn(data); } catch (error) { window.setTimeout(function () { throw error; }); }
    });
  }

  function place(open, launcher) {
    var style = frameEl.style;
    var small = window.innerWidth < 480;
    style.display = open || launcher ? "block" : "none";
    if (open) {
      style.width = small ? "100vw" : "400px";
      style.height = small ? "100vh" : "min(700px, calc(100vh - 24px))";
      style.right = small ? "0" : "12px";
      style.bottom = small ? "0" : "12px";
    } else {
      style.width = CLOSED.width;
      style.height = CLOSED.height;
      style.right = "12px";
      style.bottom = "12px";
    }
  }

  function onMessage(event) {
    if (!frameEl || event.source !== frameEl.contentWindow || event.origin !== frameOrigin) { return; }
    var data = event.data || {};
    if (data.atiende === "ready") {
      ready = true;
      frameEl.contentWindow.postMessage({
        atiende: "init", userId: options.userId || "", userHash: options.userHash || "",
        name: options.name || "", email: options.email || "", pageUrl: location.href,
        launcher: options.launcher !== false, open: options.open === true,
      }, frameOrigin);
      queue.splice(0).forEach(post);
      fire("ready", {});
    } else if (data.atiende === "resize") {
      place(data.open, data.launcher);
    } else if (data.atiende === "event" && typeof data.name === "string") {
      fire(data.name, data.data);
    }
  }

  var Atiende = {
    version: "1",
    init: function (settings) {
      if (frameEl) { return Atiende; }
      options = settings || {};
      if (!options.widgetKey) { throw new Error("Atiende.init needs a widgetKey"); }
      var base = baseUrl(options.baseUrl);
      frameOrigin = new URL(base).origin;
      var language = options.language || document.documentElement.lang || navigator.language || "";
      frameEl = document.createElement("iframe");
      frameEl.src = base + "/chat/frame/" + encodeURIComponent(options.widgetKey) + "/?lang=" + encodeURIComponent(language);
      frameEl.title = options.title || "Chat";
      frameEl.setAttribute("allow", "clipboard-write");
      var style = frameEl.style;
      style.position = "fixed";
      style.zIndex = "2147483000";
      style.border = "0";
      style.background = "transparent";
      style.colorScheme = "normal";
      place(false, options.launcher !== false);
      window.addEventListener("message", onMessage);
      (document.body || document.documentElement).appendChild(frameEl);
      return Atiende;
    },
    open: function () { post({ atiende: "open" }); return Atiende; },
    close: function () { post({ atiende: "close" }); return Atiende; },
    send: function (text) { post({ atiende: "send", text: String(text) }); return Atiende; },
    page: function (url) { post({ atiende: "page", url: String(url || location.href) }); return Atiende; },
    on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); return Atiende; },
    off: function (name, fn) {
      handlers[name] = (handlers[name] || []).filter(function (other) { return other !== fn; });
      return Atiende;
    },
    frame: function () { return frameEl; },
  };
  window.Atiende = Atiende;
})(window, document);
