/* Ticketdesk agent workspace: keyboard shortcuts, bulk selection, composer helpers, presence.
   Plain JavaScript on top of server-rendered pages; everything works without it, only slower. */
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = () => {
    const input = $("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  const isTyping = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

  /* ---------- ticket list: selection, bulk bar, row navigation ---------- */
  function updateBulk() {
    const bar = $("#bulk");
    if (!bar) return;
    const selected = $$("[data-select]:checked");
    bar.hidden = selected.length === 0;
    const count = $("[data-bulk-count]", bar);
    if (count) count.textContent = String(selected.length);
    $$("[data-select]").forEach((box) => box.closest("tr").classList.toggle("selected", box.checked));
  }

  function showBulkField() {
    const op = $("[data-bulk-op]");
    if (!op) return;
    $$("[data-bulk-field]").forEach((el) => {
      el.hidden = el.dataset.bulkField !== op.value;
    });
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      $$("[data-select]").forEach((box) => (box.checked = target.checked));
      updateBulk();
    } else if (target.matches("[data-select]")) {
      updateBulk();
    } else if (target.matches("[data-bulk-op]")) {
      showBulkField();
    } else if (target.matches("[data-kind-public], [data-kind-note]")) {
      composerMode();
    } else if (target.matches("[data-canned]")) {
      insertCanned(target);
    } else if (target.matches("[data-file-input]")) {
      listFiles(target);
    }
  });

  document.addEventListener("keydown", (event) => {
    // Enter in the article search must not send the reply around it
    if (event.key === "Enter" && event.target.matches("#kb-q")) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    const row = event.target.closest("[data-row]");
    if (row && !event.target.closest("a, input, button, label")) {
      window.location.href = row.dataset.href;
    }
    if (event.target.closest("[data-shortcuts-open]")) {
      openHelp();
    }
    const preview = event.target.closest("[data-preview]");
    if (preview) togglePreview(preview);
    const remove = event.target.closest("[data-remove-file]");
    if (remove) removeFile(Number(remove.dataset.removeFile));
    const kbLink = event.target.closest(".kb-insert-link");
    if (kbLink) {
      insertAtCursor($("[data-composer-body]"), kbLink.dataset.markdown || "");
      // an answer suggestion: tell smart support it was used (its acceptance rate)
      if (kbLink.dataset.usedUrl) {
        fetch(kbLink.dataset.usedUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrf() },
          credentials: "same-origin",
        }).catch(() => {});
      }
    }
  });

  let cursor = -1;
  function moveCursor(step) {
    const rows = $$("[data-row]");
    const entries = rows.length ? rows : $$("[data-entry]");
    if (!entries.length) return;
    cursor = Math.max(0, Math.min(entries.length - 1, cursor + step));
    entries.forEach((el, i) => el.classList.toggle("current", i === cursor));
    const current = entries[cursor];
    current.scrollIntoView({ block: "nearest" });
    if (!rows.length) current.focus({ preventScroll: true });
  }
  function currentRow() {
    return $$("[data-row]")[cursor];
  }

  /* ---------- composer ---------- */
  function composerMode() {
    const form = $("[data-composer]");
    if (!form) return;
    const note = $("[data-kind-note]", form);
    const isNote = !!(note && note.checked);
    form.closest(".composer").classList.toggle("is-note", isNote);
    const replyHint = $("[data-reply-hint]", form);
    const noteHint = $("[data-note-hint]", form);
    if (replyHint) replyHint.hidden = isNote;
    if (noteHint) noteHint.hidden = !isNote;
    $$("[data-reply-only]", form).forEach((el) => (el.hidden = isNote));
    $$("[data-note-only]", form).forEach((el) => (el.hidden = !isNote));
    const send = $("[data-send]", form);
    if (send) send.firstChild.textContent = isNote ? send.dataset.noteLabel || "Add note " : send.dataset.replyLabel || "Send ";
  }

  function focusComposer(kind) {
    const radio = $(kind === "note" ? "[data-kind-note]" : "[data-kind-public]");
    if (!radio) return;
    radio.checked = true;
    composerMode();
    const body = $("[data-composer-body]");
    body.scrollIntoView({ block: "center" });
    body.focus();
  }

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart || 0;
    const end = textarea.selectionEnd || 0;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    textarea.value = before + text + after;
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    textarea.focus();
  }

  async function insertCanned(select) {
    if (!select.value) return;
    const response = await fetch(select.dataset.url + select.value + "/", {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.ok) {
      const data = await response.json();
      insertAtCursor($("[data-composer-body]"), data.text);
    }
    select.value = "";
  }

  async function togglePreview(button) {
    const preview = $("#preview");
    const body = $("[data-composer-body]");
    if (!preview || !body) return;
    if (!preview.hidden) {
      preview.hidden = true;
      body.hidden = false;
      button.textContent = button.dataset.previewLabel || button.textContent;
      body.focus();
      return;
    }
    const form = new FormData();
    form.append("body", body.value);
    const response = await fetch(button.dataset.url, {
      method: "POST",
      body: form,
      headers: { "X-CSRFToken": csrf() },
      credentials: "same-origin",
    });
    preview.innerHTML = await response.text();
    button.dataset.previewLabel = button.textContent;
    button.textContent = button.dataset.editLabel || "Edit";
    preview.hidden = false;
    body.hidden = true;
  }

  /* attachments: the file input holds the files; drops add to it */
  let files = [];
  function syncInput(input) {
    const transfer = new DataTransfer();
    files.forEach((file) => transfer.items.add(file));
    input.files = transfer.files;
  }
  function renderFiles() {
    const list = $("[data-file-list]");
    if (!list) return;
    list.innerHTML = "";
    files.forEach((file, index) => {
      const li = document.createElement("li");
      li.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB) ";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link small";
      button.dataset.removeFile = String(index);
      button.setAttribute("aria-label", (list.dataset.removeLabel || "Remove") + " " + file.name);
      button.textContent = "×";
      li.appendChild(button);
      list.appendChild(li);
    });
  }
  function listFiles(input) {
    files = files.concat(Array.from(input.files).filter((f) => !files.some((g) => g.name === f.name && g.size === f.size)));
    syncInput(input);
    renderFiles();
  }
  function removeFile(index) {
    files.splice(index, 1);
    const input = $("[data-file-input]");
    if (input) syncInput(input);
    renderFiles();
  }
  function setupDropzone() {
    const zone = $("[data-dropzone]");
    const input = $("[data-file-input]");
    if (!zone || !input) return;
    ["dragenter", "dragover"].forEach((name) =>
      zone.addEventListener(name, (event) => {
        event.preventDefault();
        zone.classList.add("dragging");
      })
    );
    ["dragleave", "drop"].forEach((name) =>
      zone.addEventListener(name, () => zone.classList.remove("dragging"))
    );
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      const dropped = Array.from(event.dataTransfer.files || []);
      files = files.concat(dropped);
      syncInput(input);
      renderFiles();
    });
  }

  /* ---------- @mentions: the listbox under the composer (htmx fills it) ---------- */
  const MENTION_BEFORE_CARET = /(^|[\s(\[])@([\w.+-]*)$/;

  function mentionToken(textarea) {
    const caret = textarea.selectionStart || 0;
    const match = MENTION_BEFORE_CARET.exec(textarea.value.slice(0, caret));
    return match ? { word: match[2], start: caret - match[2].length - 1, end: caret } : null;
  }
  function mentionOptions() {
    return $$("#mention-listbox [role=option]");
  }
  function closeMentions() {
    const box = $("#mention-suggestions");
    if (box) box.innerHTML = "";
    const body = $("[data-composer-body]");
    if (body) {
      body.removeAttribute("aria-activedescendant");
    }
  }
  function activateMention(index) {
    const options = mentionOptions();
    if (!options.length) return;
    const next = (index + options.length) % options.length;
    options.forEach((el, i) => {
      el.setAttribute("aria-selected", i === next ? "true" : "false");
      el.classList.toggle("active", i === next);
    });
    const body = $("[data-composer-body]");
    if (body) body.setAttribute("aria-activedescendant", options[next].id);
  }
  function chooseMention(option) {
    const body = $("[data-composer-body]");
    if (!body || !option) return;
    const token = mentionToken(body);
    const text = "@" + option.dataset.mention + " ";
    if (token) {
      body.value = body.value.slice(0, token.start) + text + body.value.slice(token.end);
      body.selectionStart = body.selectionEnd = token.start + text.length;
    } else {
      insertAtCursor(body, text);
    }
    closeMentions();
    body.focus();
  }
  document.addEventListener(
    "keydown",
    (event) => {
      if (!event.target.matches || !event.target.matches("[data-composer-body]")) return;
      const options = mentionOptions();
      if (!options.length) return;
      const current = options.findIndex((el) => el.getAttribute("aria-selected") === "true");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        activateMention(current + (event.key === "ArrowDown" ? 1 : -1));
      } else if ((event.key === "Enter" || event.key === "Tab") && !event.ctrlKey && !event.metaKey) {
        chooseMention(options[Math.max(0, current)]);
      } else if (event.key === "Escape") {
        closeMentions();
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
    },
    true
  );
  document.addEventListener("mousedown", (event) => {
    const option = event.target.closest && event.target.closest("#mention-listbox [role=option]");
    if (option) {
      event.preventDefault(); // keep the focus (and the caret) in the textarea
      chooseMention(option);
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail && event.detail.target;
    if (!target || target.id !== "mention-suggestions") return;
    const body = $("[data-composer-body]");
    const options = mentionOptions();
    if (!body) return;
    if (options.length) body.setAttribute("aria-activedescendant", options[0].id);
    else body.removeAttribute("aria-activedescendant");
  });

  /* ---------- shortcuts ---------- */
  function openHelp() {
    const dialog = $("#shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      const form = event.target.closest && event.target.closest("[data-composer]");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if ($("dialog[open]")) return;
    switch (event.key) {
      case "j":
        moveCursor(1);
        break;
      case "k":
        moveCursor(-1);
        break;
      case "o":
      case "Enter": {
        const row = currentRow();
        if (!row) return;
        window.location.href = row.dataset.href;
        break;
      }
      case "x": {
        const row = currentRow();
        if (!row) return;
        const box = $("[data-select]", row);
        box.checked = !box.checked;
        updateBulk();
        break;
      }
      case "r":
        focusComposer("reply");
        break;
      case "n":
        focusComposer("note");
        break;
      case "a": {
        const form = $("[data-shortcut-assign]");
        if (form) form.requestSubmit();
        break;
      }
      case "/": {
        const search = $("[data-shortcut-search]");
        if (search) search.focus();
        else window.location.href = "/?focus=search";
        break;
      }
      case "?":
        openHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  /* ---------- presence, version ---------- */
  window.ticketdesk = {
    presenceMode() {
      const body = $("[data-composer-body]");
      if (body && (document.activeElement === body || body.value.trim())) return "replying";
      return "viewing";
    },
    version() {
      const input = $("#side-panel input[name=expected_version]");
      return input ? input.value : "";
    },
    mentionQuery() {
      const body = $("[data-composer-body]");
      const token = body && mentionToken(body);
      return token ? { mention: token.word, active: "1" } : { mention: "", active: "0" };
    },
  };

  /* values computed when a request leaves (presence, mention search): set here rather
     than in hx-vals="js:…", which would need eval, forbidden by the Content-Security-Policy */
  document.addEventListener("htmx:configRequest", (event) => {
    const source = event.detail && event.detail.elt;
    const kind = source && source.dataset ? source.dataset.requestValues : "";
    const params = event.detail.parameters;
    if (kind === "presence") {
      params.mode = window.ticketdesk.presenceMode();
      params.version = window.ticketdesk.version();
    } else if (kind === "mention") {
      const query = window.ticketdesk.mentionQuery();
      params.mention = query.mention;
      params.active = query.active;
    }
  });

  /* after the side panel is swapped: bring a conflict or an error into view */
  document.addEventListener("htmx:afterSwap", (event) => {
    const panel = event.detail && event.detail.target;
    if (!panel || panel.id !== "side-panel" && !panel.closest("#side-panel")) return;
    const side = $("#side-panel");
    const notice = side && $("[data-conflict], .alert.danger, .field-error", side);
    if (notice) {
      notice.setAttribute("tabindex", "-1");
      notice.scrollIntoView({ block: "center" });
      notice.focus({ preventScroll: true });
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    updateBulk();
    showBulkField();
    const send = $("[data-send]");
    if (send) {
      send.dataset.replyLabel = send.firstChild.textContent;
      send.dataset.noteLabel = send.dataset.noteText || send.firstChild.textContent;
    }
    composerMode();
    setupDropzone();
    if (new URLSearchParams(window.location.search).get("focus") === "search") {
      const search = $("[data-shortcut-search]");
      if (search) search.focus();
    }
  });
})();
