/* Ticketdesk live chat widget. Embed with one tag on any allow-listed site:
     <script src="https://desk.example.com/chat/widget.js" async></script>
   Optional: data-lang="pt-BR" (default: the page's lang), data-open="true".
   Vanilla JS, no framework; the UI lives in a shadow root so the host page's styles stay
   out. Calls go to the desk with fetch (no cookies): the chat's token is the credential. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__ticketdeskChat) return;
  window.__ticketdeskChat = true;
  var src = new URL(me.src, location.href);
  var base = src.origin + src.pathname.replace(/widget\.js$/, "");
  var lang = me.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en";
  var KEY = "ticketdesk-chat:" + base;
  var t = {};
  var state = { chat: null, token: null, offered: false, source: null, lastTyping: 0, maxUpload: 0 };

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:#2456c7;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.25)}",
    ".launch:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:80px;z-index:2147483001;width:min(360px,calc(100vw - 40px));max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;color:#1d2939;border:1px solid #d0d5dd;border-radius:10px;box-shadow:0 8px 24px rgba(0,0,0,.2)}",
    ".panel[hidden]{display:none}",
    "header{display:flex;justify-content:space-between;align-items:center;padding:10px 14px;background:#2456c7;color:#fff;border-radius:10px 10px 0 0}",
    "h2{margin:0;font-size:15px;font-weight:600;color:inherit}",
    ".x{background:none;border:0;color:#fff;font-size:20px;cursor:pointer;padding:2px 8px}",
    ".body{padding:12px 14px;overflow-y:auto;display:flex;flex-direction:column;gap:8px}",
    "label{display:block;font-weight:600;margin-top:6px}",
    "input,textarea{width:100%;padding:7px 8px;border:1px solid #98a2b3;border-radius:6px;color:#1d2939;background:#fff}",
    "[aria-invalid=true]{border-color:#b42318}",
    ".err{color:#b42318;margin:2px 0 0}",
    ".btn{border:0;border-radius:6px;padding:8px 12px;background:#2456c7;color:#fff;font-weight:600;cursor:pointer}",
    ".btn.alt{background:#eef2f8;color:#1d2939}",
    ".row{display:flex;gap:6px;flex-wrap:wrap;align-items:center}",
    ".log{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px;min-height:120px}",
    ".log li{padding:6px 9px;border-radius:8px;background:#eef2f8;max-width:85%;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".log li.me{align-self:flex-end;background:#dbe6fb}",
    ".log li.sys{align-self:center;background:none;color:#475467;font-style:italic}",
    ".who{display:block;font-size:12px;color:#475467}",
    ".muted{color:#475467;margin:0}",
    ".sugg{margin:0;padding-left:18px}",
    "a{color:#1d4ed8}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
  ].join("");

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "on") Object.keys(attrs.on).forEach(function (ev) { node.addEventListener(ev, attrs.on[ev]); });
      else node.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (kid) { if (kid) node.appendChild(kid); });
    return node;
  }

  function call(path, body, method) {
    var headers = { "Content-Type": "application/json" };
    if (state.token) headers["X-Chat-Token"] = state.token;
    return fetch(base + path, {
      method: method || "POST", mode: "cors", credentials: "omit", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 204) return { ok: true, body: {} };
      return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; });
    });
  }

  var host = el("div", { id: "ticketdesk-chat" });
  var root = host.attachShadow({ mode: "open" });
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.appendChild(el("style", { text: CSS }));
  }
  var launch = el("button", { "class": "launch", type: "button", "aria-expanded": "false", "aria-controls": "td-panel" });
  var title = el("h2", { id: "td-title" });
  var close = el("button", { "class": "x", type: "button", text: "×" });
  var body = el("div", { "class": "body" });
  var panel = el("section", { "class": "panel", id: "td-panel", role: "dialog", "aria-labelledby": "td-title", hidden: "" }, [
    el("header", {}, [title, close]), body
  ]);
  root.appendChild(launch);
  root.appendChild(panel);

  function toggle(open) {
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    if (open) {
      var first = body.querySelector("input,textarea,button");
      if (first) first.focus();
    } else launch.focus();
  }
  launch.addEventListener("click", function () { toggle(panel.hidden); });
  close.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(false); });

  function field(name, label, kind, required) {
    var id = "td-" + name;
    var input = el(kind === "textarea" ? "textarea" : "input", { id: id, name: name, "aria-describedby": id + "-err" });
    if (kind !== "textarea") input.setAttribute("type", kind);
    if (kind === "textarea") input.setAttribute("rows", "3");
    if (required) input.setAttribute("required", "");
    if (name === "email") input.setAttribute("autocomplete", "email");
    if (name === "name") input.setAttribute("autocomplete", "name");
    return el("div", {}, [el("label", { "for": id, text: label }), input, el("p", { "class": "err", id: id + "-err" })]);
  }

  function showErrors(form, result) {
    var fields = (result.body && result.body.fields) || {};
    var first = null;
    form.querySelectorAll("input,textarea").forEach(function (input) {
      var problem = fields[input.name === "message" && fields.text ? "text" : input.name];
      var out = root.getElementById(input.id + "-err");
      input.setAttribute("aria-invalid", problem ? "true" : "false");
      if (out) out.textContent = problem ? problem.join(" ") : "";
      if (problem && !first) first = input;
    });
    var general = form.querySelector(".form-err");
    general.textContent = Object.keys(fields).length ? "" : ((result.body && result.body.message) || t.error);
    if (first) first.focus();
  }

  function suggester(input, list) {
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 3) { list.textContent = ""; return; }
        call("w/suggest/?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang), undefined, "GET").then(function (r) {
          list.textContent = "";
          var articles = (r.body && r.body.articles) || [];
          if (!articles.length) return;
          var ul = el("ul", { "class": "sugg" });
          articles.forEach(function (a) {
            ul.appendChild(el("li", {}, [el("a", { href: a.url, target: "_blank", rel: "noopener", text: a.title })]));
          });
          list.appendChild(el("p", { "class": "muted", text: t.suggestions }));
          list.appendChild(ul);
        });
      }, 300);
    });
  }

  function showForm() {
    body.textContent = "";
    var offered = state.offered;
    var form = el("form", { novalidate: "" }, [
      el("p", { "class": "muted", text: offered ? t.intro : t.offline }),
      field("name", t.name, "text", true),
      field("email", t.email, "email", true),
      field("topic", t.topic, "text", true),
      field("message", t.message, "textarea", !offered)
    ]);
    var list = el("div", { "aria-live": "polite" });
    form.appendChild(list);
    form.appendChild(el("p", { "class": "err form-err", role: "alert" }));
    form.appendChild(el("button", { "class": "btn", type: "submit", text: offered ? t.start : t.leave }));
    suggester(form.querySelector("[name=topic]"), list);
    suggester(form.querySelector("[name=message]"), list);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = {
        name: form.name.value, email: form.email.value, topic: form.topic.value,
        message: form.message.value, page_url: location.href, page_title: document.title
      };
      call((offered ? "w/start/" : "w/leave/") + "?lang=" + encodeURIComponent(lang), data).then(function (r) {
        if (!r.ok) return showErrors(form, r);
        if (!offered) {
          body.textContent = "";
          var done = el("p", { role: "status", tabindex: "-1", text: t.left.replace("%s", "#" + r.body.ticket) });
          body.appendChild(done);
          done.focus();
          return;
        }
        state.chat = r.body.chat; state.token = r.body.token;
        try { sessionStorage.setItem(KEY, JSON.stringify({ chat: state.chat, token: state.token })); } catch (err) { /* private mode */ }
        showChat();
      }, function () { showErrors(form, {}); });
    });
    body.appendChild(form);
  }

  var log, typingLine, status;

  function line(text, kind, who) {
    var item = el("li", { "class": kind }, [who ? el("span", { "class": "who", text: who }) : null]);
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  }

  function onEvent(ev) {
    if (ev.kind === "message") {
      var item = line(ev.text || "", ev.from_visitor ? "me" : "", ev.from_visitor ? t.you : (ev.author || t.agent));
      (ev.files || []).forEach(function (f) {
        item.appendChild(document.createTextNode(" "));
        item.appendChild(el("a", { href: base + "w/" + state.chat + "/files/" + f.id + "/?token=" + encodeURIComponent(state.token), text: f.name }));
      });
      typingLine.textContent = "";
    } else if (ev.kind === "typing") {
      typingLine.textContent = t.typing;
      window.clearTimeout(state.typingTimer);
      state.typingTimer = window.setTimeout(function () { typingLine.textContent = ""; }, 4000);
    } else if (ev.kind === "queued") {
      line(t.waiting, "sys");
    } else if (ev.kind === "accepted" || (ev.kind === "transferred" && ev.agent)) {
      line(t.joined.replace("%s", ev.agent), "sys");
    } else if (ev.kind === "transferred") {
      line(t.transferred, "sys");
    } else if (ev.kind === "ended") {
      line(ev.reason === "abandoned" ? (t.abandoned || t.ended) : t.ended, "sys");
      if (state.source) state.source.close();
      var composer = root.getElementById("td-composer");
      if (composer) composer.hidden = true;
      try { sessionStorage.removeItem(KEY); } catch (err) { /* ignore */ }
    }
  }

  function showChat() {
    body.textContent = "";
    log = el("ol", { "class": "log", role: "log", "aria-live": "polite", "aria-label": t.messages });
    typingLine = el("p", { "class": "muted", "aria-live": "polite" });
    status = el("p", { "class": "muted", role: "status" });
    var text = el("textarea", { id: "td-text", rows: "2", name: "text" });
    var file = el("input", { id: "td-file", type: "file", "class": "sr" });
    var composer = el("form", { id: "td-composer" }, [
      el("label", { "for": "td-text", text: t.write }), text,
      el("div", { "class": "row" }, [
        el("button", { "class": "btn", type: "submit", text: t.send }),
        el("label", { "for": "td-file", "class": "btn alt", text: t.attach, tabindex: "0", role: "button" }), file,
        el("button", { "class": "btn alt", type: "button", text: t.transcript, on: { click: transcript } }),
        el("button", { "class": "btn alt", type: "button", text: t.end, on: { click: endChat } })
      ])
    ]);
    composer.addEventListener("submit", function (e) {
      e.preventDefault();
      var words = text.value.trim();
      if (!words) return;
      call("w/" + state.chat + "/messages/", { text: words }).then(function (r) {
        if (r.ok) { text.value = ""; text.focus(); } else status.textContent = r.body.message || t.error;
      });
    });
    text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); return; }
      var now = Date.now();
      if (now - state.lastTyping > 3000) { state.lastTyping = now; call("w/" + state.chat + "/typing/", {}); }
    });
    composer.querySelector("label.btn").addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); file.click(); }
    });
    file.addEventListener("change", function () {
      if (!file.files.length) return;
      var data = new FormData();
      data.append("file", file.files[0]);
      data.append("token", state.token);
      fetch(base + "w/" + state.chat + "/upload/", { method: "POST", mode: "cors", credentials: "omit", body: data })
        .then(function (r) { return r.json().then(function (b) { if (!r.ok) status.textContent = b.message || t.error; }); });
      file.value = "";
    });
    body.appendChild(log);
    body.appendChild(typingLine);
    body.appendChild(status);
    body.appendChild(composer);
    text.focus();
    state.source = new EventSource(base + "w/" + state.chat + "/events/?token=" + encodeURIComponent(state.token));
    state.source.addEventListener("chat", function (e) { onEvent(JSON.parse(e.data)); });
  }

  function transcript() {
    call("w/" + state.chat + "/transcript/", {}).then(function (r) {
      status.textContent = r.ok ? t.transcript_sent : (r.body.message || t.error);
    });
  }
  function endChat() { call("w/" + state.chat + "/end/", {}); }

  call("w/config/?lang=" + encodeURIComponent(lang), undefined, "GET").then(function (r) {
    if (!r.ok) return;
    t = r.body.strings;
    state.offered = r.body.offered;
    state.maxUpload = r.body.max_upload;
    launch.textContent = t.open;
    title.textContent = t.title;
    close.setAttribute("aria-label", t.close);
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (err) { saved = null; }
    if (saved && saved.chat && saved.token) {
      state.chat = saved.chat; state.token = saved.token;
      showChat();
    } else showForm();
    document.body.appendChild(host);
    if (me.getAttribute("data-open") === "true") toggle(true);
  });
})();
