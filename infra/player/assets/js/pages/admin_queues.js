// Staff console, queues: waiting / in-flight counts, dead letters to redrive, and the films being
// processed with their progress and lease age, refreshed every 2 s while the page is visible.
import { setStatus } from "../ui.js";
import {
  STATUS_WORDS, confirmAction, element, progressBar, say, staffApi, startConsole,
} from "../admin/console.js";

const POLL_MS = 2000;

await startConsole("queues");

let timer = null;

function count(value) {
  return value === undefined || value === null ? "–" : String(value);
}

function queueRow(queue) {
  const name = queue.name;
  const actions = element("td", { class: "actions" });
  if (queue.dead_letter) {
    const button = element("button", { type: "button", class: "button secondary small", "data-action": "redrive",
      "aria-label": `Redrive ${name} into ${queue.source}`, text: `Redrive into ${queue.source}` });
    button.disabled = !queue.visible;
    button.addEventListener("click", () => redrive(queue, button));
    actions.append(button);
  }
  return element("tr", { "data-queue": name, class: queue.dead_letter ? "dead-letter" : "" },
    element("th", { scope: "row" }, element("span", { text: name }),
      element("span", { class: "film-details", text: queue.dead_letter
        ? ` dead letters of ${queue.source}` : "" })),
    element("td", { text: count(queue.visible) }),
    element("td", { text: count(queue.in_flight) }),
    actions);
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const value = Math.round(Number(seconds));
  return value >= 60 ? `${Math.floor(value / 60)} min ${value % 60} s` : `${value} s`;
}

function processingRow(video) {
  const title = video.title || `Film ${video.id}`;
  return element("tr", { "data-video-id": String(video.id) },
    element("th", { scope: "row" }, element("a", { href: `/admin/film.html?id=${video.id}`, text: title })),
    element("td", { text: STATUS_WORDS[video.status] || video.status || "–" }),
    element("td", {}, progressBar(video.progress, `Progress of ${title}`),
      element("span", { text: ` ${video.progress ?? 0}%` })),
    element("td", { text: age(video.lease_age_seconds ?? video.lease_age) }));
}

async function load() {
  clearTimeout(timer);
  try {
    const answer = await staffApi("/api/admin/queues/");
    const queues = Array.isArray(answer) ? answer : answer.queues || [];
    const processing = answer.processing || answer.videos || [];
    document.querySelector("#queues tbody").replaceChildren(...queues.map(queueRow));
    document.querySelector("#processing tbody").replaceChildren(...processing.map(processingRow));
    setStatus("#queues-status", queues.length ? "" : "No queues reported.", "info");
    setStatus("#processing-status", processing.length ? "" : "Nothing is being processed.", "info");
  } catch (error) {
    setStatus("#queues-status", `The queues cannot be read: ${error.message}`, "error");
  }
  if (document.visibilityState === "visible") timer = setTimeout(load, POLL_MS);
}

async function redrive(queue, button) {
  const sure = await confirmAction(`Send the ${queue.visible} dead letter(s) of ${queue.source} back into `
    + `${queue.source}, to be tried again?`, "Redrive");
  if (!sure) return button.focus();
  button.disabled = true;
  try {
    const answer = await staffApi(`/api/admin/queues/${encodeURIComponent(queue.name)}/redrive/`, { method: "POST" });
    say(`${answer.moved ?? "The"} message(s) moved back into ${answer.source || queue.source}`
      + `${answer.left ? `; ${answer.left} left, redrive again` : ""}.`, "success");
  } catch (error) {
    say(`${queue.name}: ${error.message}`, "error");
  }
  return load();
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") load();
});

await load();
