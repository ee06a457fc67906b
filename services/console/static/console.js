// The console's only script: an ID number checked as it is typed, lists that refresh
// themselves, uploads that show their progress. Pages work without it.
"use strict";

// GB 11643-1999: the 18th character is the check of the first 17.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS = "10X98765432";
function idNumberFlaw(value) {
  const v = value.trim().toUpperCase();
  if (v === "") return "";
  if (!/^\d{17}[\dX]$/.test(v)) return "身份证号应为18位（末位可为X）";
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(v[i]) * WEIGHTS[i];
  return CHECKS[sum % 11] === v[17] ? "" : "身份证号校验位不正确，请核对";
}

function watchIdNumbers() {
  for (const input of document.querySelectorAll("input[data-id-number]")) {
    const note = document.createElement("span");
    note.className = "error";
    note.id = `${input.id}-check`;
    note.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", note);
    input.addEventListener("input", () => {
      const flaw = idNumberFlaw(input.value);
      note.textContent = input.value.trim().length >= 18 ? flaw : "";
      input.setCustomValidity(input.value.trim().length >= 18 ? flaw : "");
    });
  }
}

// <fieldset data-when="applicant_kind=company">: shown only while that field has that value,
// so a clerk sees the person's or the company's fields, not both.
function showWhen() {
  for (const part of document.querySelectorAll("[data-when]")) {
    const [name, value] = part.dataset.when.split("=");
    const chooser = document.querySelector(`[name="${name}"]`);
    if (!chooser) continue;
    const update = () => { part.hidden = chooser.value !== value; };
    chooser.addEventListener("change", update);
    update();
  }
}

// <div data-live="/approval/queue/rows" data-every="3">: its content is fetched again.
function keepLive() {
  for (const region of document.querySelectorAll("[data-live]")) {
    const every = Number(region.dataset.every || 5) * 1000;
    setInterval(async () => {
      try {
        const answer = await fetch(region.dataset.live, {credentials: "same-origin"});
        if (answer.redirected) { location.reload(); return; }  // signed out: to sign-in
        if (answer.ok) region.innerHTML = await answer.text();
      } catch (_) { /* the next tick tries again */ }
    }, every);
  }
}

// <form data-upload>: sent with XMLHttpRequest so that a <progress> inside it moves.
function uploadsWithProgress() {
  for (const form of document.querySelectorAll("form[data-upload]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const bar = form.querySelector("progress");
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", (e) => {
        if (bar && e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
      });
      request.addEventListener("load", () => {
        document.open(); document.write(request.responseText); document.close();
      });
      request.send(new FormData(form));
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  watchIdNumbers();
  showWhen();
  keepLive();
  uploadsWithProgress();
});
