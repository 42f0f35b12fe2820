// The portal works without this script; with it, a phone gets folded menus and the language picker
// acts on selection. Served from 'self' under the strict Content-Security-Policy: no inline code.
"use strict";
document.documentElement.classList.add("js");

// <details class="fold" open>: open on wider screens (their summary is hidden there), folded on a phone.
const phone = window.matchMedia("(max-width: 40rem)");
function fold() {
  for (const details of document.querySelectorAll("details.fold")) details.open = !phone.matches;
}
document.addEventListener("DOMContentLoaded", fold);
phone.addEventListener("change", fold);

// <select data-submit-on-change>: choosing is enough (its form's button stays for readers without script).
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-submit-on-change]")) event.target.form.requestSubmit();
});

// <form data-warn-unsent>: leaving the page with text typed but not sent asks first.
let unsent = false;
document.addEventListener("input", (event) => {
  if (event.target.closest("form[data-warn-unsent]")) unsent = true;
});
document.addEventListener("submit", (event) => {
  if (event.target.matches("form[data-warn-unsent]")) unsent = false;
});
window.addEventListener("beforeunload", (event) => {
  if (unsent) event.preventDefault();
});

// [data-preview] in a form: the post as it will look, rendered by the server's sanitizer (/preview)
// a moment after the member stops typing. Without script, the Preview button does the same.
let previewTimer;
document.addEventListener("input", (event) => {
  const form = event.target.closest("form");
  const box = form && form.querySelector("[data-preview]");
  if (!box || event.target.name !== "body") return;
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    data.append("body", event.target.value);
    const answer = await fetch("/preview", { method: "POST", body: data, credentials: "same-origin" });
    if (!answer.ok) return;
    box.querySelector(".post-body").innerHTML = await answer.text();  // the sanitizer's own output
    box.hidden = !event.target.value.trim();
  }, 400);
});

// <form data-draft="key">: the text is kept on the server (/drafts) a moment after the member stops
// typing, and restored when they come back; the "Save draft" button does it without script.
let draftTimer;
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[data-draft]");
  if (!form) return;
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => {
    const data = new FormData();
    data.append("csrf_token", form.querySelector("[name=csrf_token]").value);
    data.append("key", form.dataset.draft);
    for (const name of ["title", "body"]) {
      if (form.elements[name]) data.append(name, form.elements[name].value);
    }
    fetch("/drafts", { method: "POST", body: data, credentials: "same-origin" });
  }, 1500);
});
