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
