/* global window, document, fetch, URLSearchParams, FormData */
// The passkey ceremonies of the hosted pages, on @simplewebauthn/browser (loaded before this file).
// A form marked data-passkey asks the server for options (POST to data-options, with the form's
// fields and its CSRF token), runs the ceremony, and posts the answer in its `response` field.
// Without WebAuthn the forms stay hidden and the pages work as before.
(() => {
  'use strict';
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) return;

  const messages = {
    NotAllowedError: 'The passkey request was cancelled or timed out. Try again.',
    InvalidStateError: 'This device already has a passkey for your account.',
  };

  async function optionsFor(form) {
    const answer = await fetch(form.dataset.options, { method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin' });
    if (!answer.ok)
      throw new Error((await answer.json().catch(() => ({}))).error_description || 'The server refused to start the passkey request. Reload the page.');
    return answer.json();
  }

  function showError(form, error) {
    const box = form.querySelector('[data-passkey-error]');
    if (!box || error.name === 'AbortError') return;
    box.textContent = messages[error.name] || error.message;
    box.hidden = false;
  }

  async function run(form, autofill) {
    const optionsJSON = await optionsFor(form);
    const response =
      form.dataset.passkey === 'register'
        ? await webauthn.startRegistration({ optionsJSON })
        : await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
    form.elements.response.value = JSON.stringify(response);
    form.submit();
  }

  for (const form of document.querySelectorAll('form[data-passkey]')) {
    form.hidden = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(form, false).catch((error) => showError(form, error));
    });
    // Conditional mediation: the browser offers the passkeys in the email field's autofill. The
    // user asked for nothing yet, so its failures stay quiet; the button reports its own.
    if (form.dataset.autofill !== undefined) {
      webauthn.browserSupportsWebAuthnAutofill().then((supported) => supported && run(form, true).catch(() => {}));
    }
  }
})();
