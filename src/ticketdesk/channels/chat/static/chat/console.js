/* The chat console: follows /chat/console/events/ (server-sent events), refreshes the queue,
   appends messages to the open chat, shows the visitor typing, posts the forms with fetch. */
(function () {
  "use strict";
  var root = document.querySelector("[data-chat-console]");
  if (!root) return;
  var lists = root.querySelector("[data-chat-lists]");
  var panel = root.querySelector("[data-chat-panel]");
  var announce = root.querySelector("[data-chat-announce]");
  var openChat = root.dataset.chat || "";
  var typingTimer = null;
  var lastTyping = 0;
  var QUEUE = { queued: 1, accepted: 1, transferred: 1, ended: 1 };

  function say(text) { announce.textContent = ""; window.setTimeout(function () { announce.textContent = text; }, 50); }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r); });
  }
  function refreshLists() { return get(root.dataset.lists).then(function (html) { lists.innerHTML = html; }); }
  function loadPanel(id, focus) {
    return get(root.dataset.panel + id + "/").then(function (html) {
      panel.innerHTML = html;
      openChat = String(id);
      var box = panel.querySelector("[data-transcript]");
      if (box) box.scrollTop = box.scrollHeight;
      var text = panel.querySelector("[data-chat-text]");
      if (focus && text) text.focus();
      var badge = lists.querySelector('[data-unread="' + id + '"]');
      if (badge) badge.hidden = true;
    });
  }

  // the time of a message in the viewer's language (the page's lang) and time zone, as the
  // server's TIME_FORMAT shows it on the lines it renders
  function clockTime(iso) {
    var options = { hour: "numeric", minute: "2-digit" };
    if (root.dataset.timeZone) options.timeZone = root.dataset.timeZone;
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, options).format(new Date(iso));
    } catch (err) {
      return new Date(iso).toLocaleTimeString(document.documentElement.lang || undefined);
    }
  }

  function append(event) {
    var box = panel.querySelector("[data-transcript]");
    if (!box) return;
    var item = document.createElement("li");
    item.className = event.from_visitor ? "from-visitor" : "from-agent";
    var who = document.createElement("span");
    who.className = "chat-author";
    var name = panel.querySelector("h2");
    who.textContent = event.from_visitor ? (name ? name.firstChild.textContent.trim() : "") : (event.author || "");
    var text = document.createElement("span");
    text.className = "chat-text";
    text.textContent = event.text || "";
    item.appendChild(who); item.appendChild(document.createTextNode(" ")); item.appendChild(text);
    if (event.at) {
      var when = document.createElement("time");
      when.className = "muted chat-time";
      when.setAttribute("datetime", event.at);
      when.textContent = clockTime(event.at);
      item.appendChild(document.createTextNode(" ")); item.appendChild(when);
    }
    (event.files || []).forEach(function (f) {
      var link = document.createElement("a");
      link.href = "/files/" + f.id + "/";
      link.textContent = f.name;
      item.appendChild(document.createTextNode(" ")); item.appendChild(link);
    });
    box.appendChild(item);
    box.scrollTop = box.scrollHeight;
    var typing = panel.querySelector("[data-typing]");
    if (typing) typing.textContent = "";
  }

  function onEvent(event) {
    var open = String(event.chat) === openChat;
    if (QUEUE[event.kind]) {
      refreshLists();
      if (event.kind === "queued") say(root.dataset.newChatText);
      if (open && event.kind !== "queued") loadPanel(openChat, false);
      return;
    }
    if (event.kind === "message") {
      if (open) append(event);
      else {
        var badge = lists.querySelector('[data-unread="' + event.chat + '"]');
        if (badge) badge.hidden = false;
      }
    } else if (event.kind === "typing" && open) {
      var line = panel.querySelector("[data-typing]");
      if (!line) return;
      line.textContent = root.dataset.typingText;
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(function () { line.textContent = ""; }, 4000);
    }
  }

  var source = new EventSource(root.dataset.events);
  source.addEventListener("chat", function (e) { onEvent(JSON.parse(e.data)); });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("[data-chat-form]")) return;
    e.preventDefault();
    var data = new FormData(form);
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" }
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (result) {
      if (button) button.disabled = false;
      if (!result.ok) { say(result.body.message || ""); window.alert(result.body.message || ""); return; }
      if (form.hasAttribute("data-composer")) {
        form.reset();
        var text = form.querySelector("[data-chat-text]");
        if (text) text.focus();
        return;
      }
      refreshLists();
      if (form.dataset.thenOpen) loadPanel(form.dataset.thenOpen, true);
      else if (openChat) loadPanel(openChat, false);
    }).catch(function () { if (button) button.disabled = false; });
  });

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("[data-autosubmit]")) t.form.requestSubmit();
    if (t.matches("[data-canned]") && t.value) {
      var text = panel.querySelector("[data-chat-text]");
      if (text) { text.value = (text.value ? text.value + "\n" : "") + t.value; text.focus(); }
      t.value = "";
    }
  });

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-open-chat]");
    if (!link) return;
    e.preventDefault();
    loadPanel(link.dataset.openChat, true);
    window.history.replaceState(null, "", "?chat=" + link.dataset.openChat);
  });

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (!t.matches || !t.matches("[data-chat-text]")) return;
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); t.form.requestSubmit(); return; }
    var now = Date.now();
    var holder = t.closest("[data-typing-url]");
    if (holder && now - lastTyping > 3000) {
      lastTyping = now;
      var data = new FormData();
      var csrf = t.form.querySelector("[name=csrfmiddlewaretoken]");
      fetch(holder.dataset.typingUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrf ? csrf.value : "" }
      });
    }
  });
})();
