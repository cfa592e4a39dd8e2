// Staff console, films: the table with live status (polled every 2 s while something is being
// transcoded), publish or unpublish, retry and delete, and the browser upload with its resume.
import { clearErrors, setStatus, showErrors } from "../ui.js";
import {
  STATUS_WORDS, av1Words, confirmAction, element, formatBytes, formatDuration, formatTime, isAv1Busy, isBusy,
  progressBar, say,
  staffApi, startConsole,
} from "../admin/console.js";
import {
  forgetUpload, notTheSameFile, pendingUploads, resumeUpload, uploadNewFilm,
} from "../admin/upload.js";

const POLL_MS = 2000;

await startConsole("films");

const tbody = document.querySelector("#films tbody");
let films = [];
let pollTimer = null;
let watchedId = null; // the film this page uploaded: its transcode is shown in the upload panel

// -- the films table -------------------------------------------------------------------------------
function statusCell(video) {
  const cell = element("td", { class: "status-cell" });
  const words = element("span", { class: "film-status", "data-status": video.status,
    text: STATUS_WORDS[video.status] || video.status });
  cell.append(words);
  if (isBusy(video)) {
    words.textContent += ` ${video.progress || 0}%`;
    cell.append(progressBar(video.progress, `Transcoding ${video.title}`));
  }
  if (video.status === "failed" && video.error) {
    cell.append(element("span", { class: "film-error", text: video.error }));
  }
  if (video.av1) {
    cell.append(element("span", { class: "av1-status", "data-av1": video.av1.status, text: av1Words(video),
      title: video.av1.error || "" }));
  }
  return cell;
}

/** "Published" or "Draft", and the action that changes it (an API without drafts: the word alone). */
function visibilityCell(video) {
  const draft = video.published === false;
  const cell = element("td", {}, element("span", { class: "visibility", "data-draft": String(draft),
    text: draft ? "Draft" : "Published" }));
  if (video.published === undefined) return cell;
  const button = element("button", { type: "button", class: "button secondary small", "data-action": "publish",
    "aria-label": `${draft ? "Publish" : "Unpublish"} ${video.title}`, text: draft ? "Publish" : "Unpublish" });
  button.addEventListener("click", () => setPublished(video, button, draft));
  cell.append(" ", button);
  return cell;
}

function actionsCell(video) {
  const cell = element("td", { class: "actions" },
    element("a", { class: "button secondary small", href: `/admin/film.html?id=${video.id}`, "data-action": "edit",
      "aria-label": `Edit ${video.title}`, text: "Edit" }));
  if (video.status === "failed") {
    const retry = element("button", { type: "button", class: "button secondary small", "data-action": "retry",
      "aria-label": `Retry ${video.title}`, text: "Retry" });
    retry.addEventListener("click", () => retryFilm(video, retry));
    cell.append(retry);
  }
  const remove = element("button", { type: "button", class: "button danger small", "data-action": "delete",
    "aria-label": `Delete ${video.title}`, text: "Delete" });
  remove.addEventListener("click", () => deleteFilm(video, remove));
  cell.append(remove);
  return cell;
}

function row(video) {
  const details = [video.filename, video.duration ? formatDuration(video.duration) : "", video.height ? `${video.height}p` : ""]
    .filter(Boolean).join(" · ");
  const titleCell = element("th", { scope: "row" },
    element("a", { href: `/admin/film.html?id=${video.id}`, class: "film-title", text: video.title }),
    element("span", { class: "film-details", text: details }));
  return element("tr", { "data-video-id": String(video.id), "data-status": video.status },
    titleCell, element("td", { text: video.category }), statusCell(video), visibilityCell(video),
    element("td", { text: formatTime(video.created_at) }), actionsCell(video));
}

function render() {
  // Rebuilt on each poll; the focused control is found again so that keyboard users keep their place.
  const focused = document.activeElement?.closest?.("tr[data-video-id]") ? {
    id: document.activeElement.closest("tr").dataset.videoId,
    action: document.activeElement.dataset.action } : null;
  tbody.replaceChildren(...films.map(row));
  if (focused) {
    tbody.querySelector(`tr[data-video-id="${focused.id}"] [data-action="${focused.action}"]`)?.focus();
  }
  setStatus("#films-status", films.length ? "" : "No films yet: upload the first one above.", "info");
  const categories = [...new Set(films.map((film) => film.category).filter(Boolean))].sort();
  document.querySelector("#known-categories").replaceChildren(
    ...categories.map((name) => element("option", { value: name })));
}

async function load() {
  clearTimeout(pollTimer);
  try {
    films = await staffApi("/api/admin/videos/");
    render();
    showWatched();
  } catch (error) {
    setStatus("#films-status", `The films cannot be listed: ${error.message}`, "error");
  }
  // The RQ dashboard's view: live while anything is being transcoded (or this page's upload is).
  const watched = films.find((film) => film.id === watchedId);
  if (films.some(isBusy) || films.some(isAv1Busy) || (watched && watched.status !== "ready" && watched.status !== "failed")) {
    pollTimer = setTimeout(load, POLL_MS);
  }
}

async function setPublished(video, button, published) {
  button.disabled = true;
  try {
    const updated = await staffApi(`/api/admin/videos/${video.id}/`, { method: "PATCH", body: { published } });
    Object.assign(video, updated);
    say(published ? `"${video.title}" is published: viewers see it once it is ready.`
      : `"${video.title}" is now a draft: viewers no longer see it; staff can still preview it.`, "success");
    render();
  } catch (error) {
    button.disabled = false;
    say(`"${video.title}" could not be ${published ? "published" : "unpublished"}: ${error.message}`, "error");
  }
}

async function retryFilm(video, button) {
  button.disabled = true;
  try {
    await staffApi(`/api/admin/videos/${video.id}/retry/`, { method: "POST" });
    say(`"${video.title}" is queued for transcoding again.`, "success");
  } catch (error) {
    say(`"${video.title}" cannot be retried: ${error.message}`, "error");
  }
  button.disabled = false;
  await load();
}

async function deleteFilm(video, button) {
  const sure = await confirmAction(`Delete "${video.title}"? The film and all its files are deleted; `
    + "this cannot be undone.", "Delete the film");
  if (!sure) {
    // The table may have been rebuilt by a poll meanwhile: the button of this film now.
    (tbody.querySelector(`tr[data-video-id="${video.id}"] [data-action="delete"]`) || button).focus();
    return;
  }
  button.disabled = true;
  try {
    await staffApi(`/api/admin/videos/${video.id}/`, { method: "DELETE" });
    forgetUpload(video.id);
    say(`"${video.title}" was deleted.`, "success");
    renderResumeList();
  } catch (error) {
    button.disabled = false;
    say(`"${video.title}" could not be deleted: ${error.message}`, "error");
  }
  await load();
}

// -- the upload ----------------------------------------------------------------------------------
const form = document.querySelector("#upload-form");
const fileInput = document.querySelector("#upload-file");
const dropZone = document.querySelector("#drop-zone");
const panel = document.querySelector("#upload-progress");
const bar = document.querySelector("#upload-bar");
const words = document.querySelector("#upload-words");
const stopButton = document.querySelector("#upload-stop");
const anotherButton = document.querySelector("#upload-another");
let chosenFile = null;
let stopper = null;

function choose(file) {
  chosenFile = file || null;
  document.querySelector("#chosen-file").textContent = file ? `${file.name} (${formatBytes(file.size)})` : "";
  const title = form.querySelector("[name=title]");
  if (file && !title.value) title.value = file.name.replace(/\.[^.]+$/, "").replace(/[-_]+/g, " ").trim();
}

fileInput.addEventListener("change", () => choose(fileInput.files[0]));
for (const name of ["dragenter", "dragover"]) {
  dropZone.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
}
for (const name of ["dragleave", "drop"]) {
  dropZone.addEventListener(name, () => dropZone.classList.remove("dragging"));
}
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  const file = event.dataTransfer?.files?.[0];
  if (file) choose(file);
});

function showProgress(sent, total) {
  const percent = total ? Math.floor((sent / total) * 100) : 0;
  bar.value = percent;
  words.textContent = `Uploading: ${formatBytes(sent)} of ${formatBytes(total)} (${percent}%)`;
  panel.dataset.stage = "uploading";
}

function startTransfer(name, controller = new AbortController()) {
  panel.hidden = false;
  form.hidden = true;
  anotherButton.hidden = true;
  stopButton.hidden = false;
  setStatus("#upload-error", "");
  document.querySelector("#upload-name").textContent = name;
  stopper = controller;
  return controller.signal;
}

function transferFailed(error) {
  stopButton.hidden = true;
  anotherButton.hidden = false;
  panel.dataset.stage = "failed";
  const reason = error.name === "AbortError" ? "The upload was stopped." : error.message;
  setStatus("#upload-error", `${reason} What was sent is kept: select the same file under `
    + "\"Unfinished uploads\" to continue.", "error");
  renderResumeList();
}

function transferDone(video) {
  stopButton.hidden = true;
  watchedId = video.id;
  bar.value = 0;
  panel.dataset.stage = "transcoding";
  words.textContent = "Uploaded. Waiting for the transcoder…";
  renderResumeList();
  load();
}

/** The upload panel follows the transcode of the film this page uploaded, until it is ready. */
function showWatched() {
  const video = films.find((film) => film.id === watchedId);
  if (!video) return;
  if (isBusy(video)) {
    bar.value = video.progress || 0;
    words.textContent = `Transcoding: ${video.progress || 0}%`;
    panel.dataset.stage = "transcoding";
  } else if (video.status === "ready") {
    bar.value = 100;
    words.textContent = video.published === false
      ? `Ready: "${video.title}" is a draft; publish it in the table to show it to viewers.`
      : `Ready: "${video.title}" is in the catalog.`;
    panel.dataset.stage = "ready";
    anotherButton.hidden = false;
    watchedId = null;
  } else if (video.status === "failed") {
    panel.dataset.stage = "failed";
    setStatus("#upload-error", `The transcode failed: ${video.error || "no reason given"}. Retry it in the table.`,
      "error");
    anotherButton.hidden = false;
    watchedId = null;
  }
}

stopButton.addEventListener("click", () => stopper?.abort());
anotherButton.addEventListener("click", () => {
  panel.hidden = true;
  form.hidden = false;
  form.reset();
  choose(null);
  fileInput.focus();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  if (!chosenFile) {
    form.querySelector("[data-error-for=file]").textContent = "Choose or drop a video file first.";
    fileInput.focus();
    return;
  }
  const data = new FormData(form);
  const fields = { title: data.get("title").trim(), category: data.get("category").trim(),
    description: data.get("description"), published: data.get("published") === "on" };
  const button = form.querySelector("[type=submit]");
  button.disabled = true;
  let created = false;
  const file = chosenFile;
  const controller = new AbortController();
  try {
    const video = await uploadNewFilm(file, fields, {
      onCreated: () => {
        created = true;
        startTransfer(file.name, controller);
      },
      onProgress: showProgress,
      signal: controller.signal,
    });
    transferDone(video);
  } catch (error) {
    if (created) transferFailed(error);
    else showErrors(form, error); // refused before anything was sent (e.g. a blank title)
  } finally {
    button.disabled = false;
  }
});

// -- resuming after a reload ---------------------------------------------------------------------
async function renderResumeList() {
  const list = document.querySelector("#resume-list");
  const entries = Object.values(pendingUploads());
  const items = [];
  for (const remembered of entries) {
    let plan;
    try {
      plan = await staffApi(`/api/admin/videos/${remembered.videoId}/upload/`);
    } catch (error) {
      if (error.status === 404 || error.status === 409) forgetUpload(remembered.videoId); // deleted or finished
      continue;
    }
    items.push(resumeItem(remembered, plan));
  }
  list.replaceChildren(...(items.length ? [element("h3", { text: "Unfinished uploads" }),
    element("ul", { class: "resume-list" }, ...items)] : []));
}

function resumeItem(remembered, plan) {
  const doneCount = (plan.parts_done || []).length;
  const inputId = `resume-file-${remembered.videoId}`;
  const input = element("input", { type: "file", id: inputId, class: "resume-input",
    accept: ".mp4,.mov,.mkv,.webm,.m4v,video/*" });
  const error = element("p", { class: "status", "data-kind": "error", role: "alert", hidden: "" });
  const discard = element("button", { type: "button", class: "button danger small", text: "Discard" });
  const item = element("li", { class: "resume-item", "data-video-id": String(remembered.videoId) },
    element("p", { text: `"${remembered.title || remembered.name}": ${remembered.name}, ${formatBytes(remembered.size)}; `
      + `${doneCount} of ${plan.part_count} parts already uploaded.` }),
    element("label", { for: inputId, class: "inline-label", text: "Select the same file to continue: " }),
    input, discard, error);
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const mismatch = notTheSameFile(remembered, file);
    if (mismatch) {
      setStatus(error, mismatch, "error");
      return;
    }
    const signal = startTransfer(file.name);
    try {
      transferDone(await resumeUpload(remembered, file, { onProgress: showProgress, signal }));
    } catch (failure) {
      transferFailed(failure);
    }
  });
  discard.addEventListener("click", async () => {
    const sure = await confirmAction(`Discard the unfinished upload of "${remembered.name}"? The film `
      + `"${remembered.title || remembered.name}" is deleted with what was sent.`, "Discard the upload");
    if (!sure) return;
    try {
      await staffApi(`/api/admin/videos/${remembered.videoId}/`, { method: "DELETE" });
    } catch (failure) {
      if (failure.status !== 404) {
        setStatus(error, failure.message, "error");
        return;
      }
    }
    forgetUpload(remembered.videoId);
    say(`The upload of "${remembered.name}" was discarded.`, "success");
    await renderResumeList();
    await load();
  });
  return item;
}

await Promise.all([load(), renderResumeList()]);
