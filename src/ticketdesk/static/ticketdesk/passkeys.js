// Passkeys (WebAuthn): add one on the two-factor page, use one after the password.
// The browser's own JSON helpers convert the server's options; no base64url code here.
(function () {
  "use strict";

  function csrfToken() {
    const field = document.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(data.detail || response.statusText);
    }
    return data;
  }

  function showError(button, message) {
    const box = document.getElementById(button.dataset.errorBox);
    if (box) {
      box.textContent = message;
      box.hidden = false;
    }
  }

  async function addPasskey(button) {
    const name = document.getElementById("id_passkey_name");
    const options = await post(button.dataset.optionsUrl);
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
    });
    const query = "?name=" + encodeURIComponent(name ? name.value : "");
    await post(button.dataset.registerUrl + query, credential.toJSON());
    window.location.reload();
  }

  async function usePasskey(button) {
    const options = await post(button.dataset.optionsUrl);
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
    const result = await post(button.dataset.verifyUrl, credential.toJSON());
    window.location.assign(result.next || "/");
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-passkey]");
    if (!button) return;
    event.preventDefault();
    if (!window.PublicKeyCredential) {
      showError(button, button.dataset.unsupported);
      return;
    }
    const action = button.dataset.passkey === "add" ? addPasskey : usePasskey;
    action(button).catch((error) => showError(button, button.dataset.failed + " " + error.message));
  });
})();
