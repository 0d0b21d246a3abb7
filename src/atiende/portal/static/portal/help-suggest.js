// Article suggestions while a customer types (help-center search box and the Help form).
// An element with data-suggest-url is either the input itself (its suggestions go to the
// element named by data-suggest-target) or a container that listens to the inputs named by
// data-suggest-source. Strings come from the server (the answer's `heading`, translated in the
// asked language); no HTML is parsed.
(function () {
  "use strict";

  function render(target, heading, results) {
    target.replaceChildren();
    if (!results.length) { return; }
    var title = document.createElement("h2");
    title.textContent = heading;
    var list = document.createElement("ul");
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.title;
      link.setAttribute("lang", result.language);
      link.setAttribute("hreflang", result.language);
      var snippet = document.createElement("p");
      snippet.textContent = result.snippet;
      snippet.setAttribute("lang", result.language);
      item.append(link, snippet);
      list.append(item);
    });
    target.append(title, list);
  }

  function attach(config, sources, target) {
    var timer = null;
    var last = "";
    var sequence = 0;
    function query() {
      return sources.map(function (input) { return input.value; }).join(" ").trim().slice(0, 300);
    }
    function run() {
      var text = query();
      if (text === last) { return; }
      last = text;
      if (text.length < 3) { render(target, "", []); return; }
      var mine = ++sequence;
      var url = new URL(config.dataset.suggestUrl, window.location.href);
      url.searchParams.set("q", text);
      url.searchParams.set("language", config.dataset.suggestLanguage || document.documentElement.lang);
      fetch(url.toString(), { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) {
          if (mine === sequence) { render(target, body.heading || config.dataset.suggestHeading || "", body.results || []); }
        })
        .catch(function () { /* suggestions are optional: the form works without them */ });
    }
    sources.forEach(function (input) {
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(run, 200);
      });
    });
  }

  document.querySelectorAll("[data-suggest-url]").forEach(function (config) {
    if (config.matches("input, textarea")) {
      var target = document.getElementById(config.dataset.suggestTarget);
      if (target) { attach(config, [config], target); }
      return;
    }
    var sources = (config.dataset.suggestSource || "").split(/\s+/)
      .map(function (id) { return document.getElementById(id); })
      .filter(Boolean);
    if (sources.length) { attach(config, sources, config); }
  });
})();
