// The portal works without this script; with it, a phone gets folded menus, the language picker
// acts on selection, the composer previews, keeps drafts and suggests "@" names. Served from 'self'
// under the strict Content-Security-Policy: no inline code.
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

// textarea[name=body] (posts, replies, messages): typing "@" and three letters of a username or name
// lists matching members (<meta name="mentions">: /members/complete); arrows move, Enter or Tab
// inserts "@username ", Escape closes. Without script, members type the username themselves.
const mentions = document.querySelector('meta[name="mentions"]');
const MENTION = /(^|[\s(])@([\w.-]{3,32})$/u;
let suggestionTimer;
function closeSuggestions(box) {
  const list = box._suggestions;
  if (!list) return;
  list.hidden = true;
  list.replaceChildren();
  box.removeAttribute("aria-activedescendant");
}
function chooseSuggestion(box, username) {
  const before = box.value.slice(0, box.selectionStart).replace(/@[\w.-]*$/u, `@${username} `);
  box.value = before + box.value.slice(box.selectionStart);
  box.setSelectionRange(before.length, before.length);
  box.dispatchEvent(new Event("input", { bubbles: true }));
  closeSuggestions(box);
  box.focus();
}
function moveSuggestion(box, step) {
  const options = [...box._suggestions.children];
  const current = options.findIndex((option) => option.getAttribute("aria-selected") === "true");
  const next = options[(current + step + options.length) % options.length];
  for (const option of options) option.setAttribute("aria-selected", option === next ? "true" : "false");
  box.setAttribute("aria-activedescendant", next.id);
}
function suggestionList(box) {
  if (box._suggestions) return box._suggestions;
  const list = document.createElement("ul");
  list.id = `${box.id || "body"}-mentions`;
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", mentions.dataset.label);
  list.hidden = true;
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  box.after(list, status);
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  list.addEventListener("mousedown", (event) => {  // before the textarea loses focus
    const option = event.target.closest("[role=option]");
    if (option) {
      event.preventDefault();
      chooseSuggestion(box, option.dataset.username);
    }
  });
  box._suggestions = list;
  box._status = status;
  return list;
}
async function suggest(box, prefix) {
  const answer = await fetch(`${mentions.content}?q=${encodeURIComponent(prefix)}`, { headers: { Accept: "application/json" } });
  if (!answer.ok) return;
  const members = await answer.json();
  const list = suggestionList(box);
  list.replaceChildren(...members.map((member, index) => {
    const option = document.createElement("li");
    option.id = `${list.id}-${index}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.dataset.username = member.username;
    option.textContent = `${member.name} @${member.username}`;
    return option;
  }));
  list.hidden = members.length === 0;
  box._status.textContent = mentions.dataset.found.replace("{num}", members.length);
  if (members.length) moveSuggestion(box, 1);
}
if (mentions) {
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!box.matches("textarea[name=body]")) return;
    clearTimeout(suggestionTimer);
    const found = MENTION.exec(box.value.slice(0, box.selectionStart));
    if (!found) {
      closeSuggestions(box);
      return;
    }
    suggestionTimer = setTimeout(() => suggest(box, found[2]), 150);
  });
  document.addEventListener("keydown", (event) => {
    const box = event.target;
    if (!box.matches("textarea[name=body]") || !box._suggestions || box._suggestions.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      moveSuggestion(box, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" || event.key === "Tab") {
      const active = document.getElementById(box.getAttribute("aria-activedescendant"));
      if (!active) return;
      chooseSuggestion(box, active.dataset.username);
    } else if (event.key === "Escape") {
      closeSuggestions(box);
    } else {
      return;
    }
    event.preventDefault();
  });
  document.addEventListener("focusout", (event) => {
    if (event.target.matches("textarea[name=body]")) closeSuggestions(event.target);
  });
}
