// Staff console, one film: edit its details, publish or unpublish it, preview it (the master
// playlist, which staff may play even when the film is a draft), pick its poster from a frame or
// an uploaded picture, and add, list and remove its captions (as `videoflix captions` does).
import { API_BASE, query, storageFetch } from "../api.js";
import { bindForm, element, setStatus } from "../ui.js";
import {
  STATUS_WORDS, av1Words, confirmAction, formatBytes, formatDuration, say, staffApi, startConsole,
} from "../admin/console.js";
import { figureList } from "../admin/insights_view.js";

const POSTER_POLL_MS = 2000;
const POSTER_WAIT_MS = 90_000;

await startConsole("films");

const id = query("id");
const video = document.querySelector("#preview");
const scrub = document.querySelector("#scrub");
const position = document.querySelector("#position");
const playButton = document.querySelector("#preview-play");
const frameButton = document.querySelector("#use-frame");
const editForm = document.querySelector("#edit-form");
const apiOrigin = new URL(API_BASE).origin;
let film = null;

function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - minutes * 60).toFixed(1).padStart(4, "0")}`;
}

/**
 * A poster that just changed: a presigned URL signed in the same second as the one shown is the
 * same URL, which the browser would answer from its cache with the old picture. Fetched afresh.
 */
async function showNewPoster(url) {
  const poster = document.querySelector("#poster");
  try {
    const answer = await storageFetch(url, { cache: "reload" });
    if (!answer.ok) throw new Error(String(answer.status));
    if (poster.src.startsWith("blob:")) URL.revokeObjectURL(poster.src);
    poster.src = URL.createObjectURL(await answer.blob());
  } catch {
    poster.src = url;
  }
}

function showFilm(value, { newPoster = false } = {}) {
  film = value;
  document.title = `${film.title} · Staff console · Videoflix`;
  document.querySelector("#film-heading").textContent = film.title;
  const facts = [STATUS_WORDS[film.status] || film.status,
    film.status === "processing" ? `${film.progress}%` : "",
    film.published === false ? "draft (not in the viewers' catalog)" : "published",
    film.duration ? formatDuration(film.duration) : "", film.height ? `${film.width}×${film.height}` : "",
    (film.renditions || []).length ? `renditions ${film.renditions.join(", ")}` : "",
    av1Words(film),
    `${film.filename} (${formatBytes(film.size)})`].filter(Boolean);
  document.querySelector("#film-facts").textContent = facts.join(" · ");
  const poster = document.querySelector("#poster");
  poster.hidden = !film.thumbnail_url;
  document.querySelector("#no-poster").hidden = Boolean(film.thumbnail_url);
  if (film.thumbnail_url && newPoster) showNewPoster(film.thumbnail_url);
  else if (film.thumbnail_url) poster.src = film.thumbnail_url;
}

function fillForm() {
  for (const name of ["title", "category", "description"]) editForm.elements[name].value = film[name] || "";
  showVisibility();
}

/** "Draft" with a Publish button, or "Published" with Unpublish (an API without drafts: nothing). */
function showVisibility() {
  const box = document.querySelector("#visibility");
  box.hidden = film.published === undefined;
  if (box.hidden) return;
  const draft = film.published === false;
  document.querySelector("#visibility-state").textContent = draft ? "Draft" : "Published";
  document.querySelector("#publish-toggle").textContent = draft ? "Publish" : "Unpublish";
  document.querySelector("#visibility-note").textContent = draft
    ? "Only staff see it. Publish it to show it to viewers (once it is ready)."
    : film.status === "ready" ? "In the viewers' catalog." : "Viewers see it once it is ready.";
}

// -- details ---------------------------------------------------------------------------------------
bindForm(editForm, async (fields) => {
  const body = { title: fields.title.trim(), category: fields.category.trim(), description: fields.description };
  showFilm(await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/`, { method: "PATCH", body }));
  fillForm();
  say("Saved.", "success");
});

document.querySelector("#publish-toggle").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  const published = film.published === false;
  button.disabled = true;
  try {
    showFilm(await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/`, { method: "PATCH", body: { published } }));
    showVisibility();
    say(published ? `"${film.title}" is published: viewers see it once it is ready.`
      : `"${film.title}" is now a draft: viewers no longer see it; staff can still preview it.`, "success");
  } catch (error) {
    say(`"${film.title}" could not be ${published ? "published" : "unpublished"}: ${error.message}`, "error");
  } finally {
    button.disabled = false;
  }
});

document.querySelector("#delete-film").addEventListener("click", async (event) => {
  const sure = await confirmAction(`Delete "${film.title}"? The film and all its files are deleted; this cannot `
    + "be undone.", "Delete the film");
  if (!sure) {
    event.target.focus();
    return;
  }
  try {
    await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/`, { method: "DELETE" });
    location.assign("/admin/");
  } catch (error) {
    say(`The film could not be deleted: ${error.message}`, "error");
  }
});

// -- preview -----------------------------------------------------------------------------------------
function previewError(text) {
  setStatus("#preview-error", text, "error");
}

function startPreview() {
  const masterUrl = `${API_BASE}/api/video/${encodeURIComponent(id)}/master.m3u8`;
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({
      xhrSetup(xhr, url) {
        xhr.withCredentials = new URL(url, location.href).origin === apiOrigin;
      },
    });
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const status = data.response?.code;
      previewError(`The preview cannot play (${data.details}${status ? `, the server answered ${status}` : ""}).`);
      hls.destroy();
    });
    hls.loadSource(masterUrl);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = masterUrl;
  } else {
    previewError(window.Hls ? "This browser cannot play HLS video."
      : "hls.js is not installed: run `npm ci` in infra/player (`make dev` does it for you).");
  }
}

playButton.addEventListener("click", () => {
  if (!video.paused) video.pause();
  else video.play().catch((error) => previewError(`The browser refused to play: ${error.message}`));
});
video.addEventListener("play", () => { playButton.textContent = "Pause"; });
video.addEventListener("pause", () => { playButton.textContent = "Play"; });
video.addEventListener("loadedmetadata", () => {
  scrub.max = String(video.duration || 0);
});
video.addEventListener("timeupdate", () => {
  if (document.activeElement !== scrub) scrub.value = String(video.currentTime);
  position.value = clock(video.currentTime);
});
scrub.addEventListener("input", () => {
  video.currentTime = Number(scrub.value);
  position.value = clock(Number(scrub.value));
});

// -- poster --------------------------------------------------------------------------------------------
async function waitForNewPoster(before) {
  const deadline = Date.now() + POSTER_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POSTER_POLL_MS));
    const current = await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/`);
    // Presigned URLs change on every answer; the object's path (before the query) tells a new poster.
    const path = (url) => (url || "").split("?")[0];
    if (current.thumbnail_url && (path(current.thumbnail_url) !== path(before) || current.updated_at !== film.updated_at)) {
      showFilm(current, { newPoster: true });
      return true;
    }
  }
  return false;
}

frameButton.addEventListener("click", async () => {
  const at = Math.round(video.currentTime * 10) / 10;
  frameButton.disabled = true;
  const before = film.thumbnail_url;
  try {
    await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/poster/`, { method: "POST", body: { at_seconds: at } });
    say(`The poster is being made from the frame at ${clock(at)}; it shows here in a moment.`, "info");
    if (await waitForNewPoster(before)) say(`The poster is now the frame at ${clock(at)}.`, "success");
    else say("The poster is taking long; it appears here once the transcoder has made it.", "info");
  } catch (error) {
    say(`The poster could not be set: ${error.message}`, "error");
  } finally {
    frameButton.disabled = false;
  }
});

bindForm(document.querySelector("#poster-form"), async () => {
  const file = document.querySelector("#poster-file").files[0];
  if (!file) throw new Error("Choose a JPEG or PNG picture first.");
  const answer = await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/poster/`, {
    method: "POST", body: { content_type: file.type, size: file.size } });
  const target = answer.upload || answer;
  let stored;
  try {
    stored = await storageFetch(target.url, { method: target.method || "PUT", body: file,
      headers: target.headers || { "Content-Type": file.type } });
  } catch {
    throw new Error("The picture cannot be sent to storage (is it reachable, and does it allow this page?).");
  }
  if (!stored.ok) throw new Error(`Storage refused the picture (it answered ${stored.status}).`);
  const completed = await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/poster/complete/`,
    { method: "POST", body: {} });
  showFilm(completed.video || completed, { newPoster: true });
  say("The uploaded picture is now the poster.", "success");
});

// -- captions ------------------------------------------------------------------------------------------
const captionsPath = `/api/admin/videos/${encodeURIComponent(id)}/captions/`;
const captionForm = document.querySelector("#caption-form");

function captionRow(caption) {
  const remove = element("button", { type: "button", class: "button danger small", "data-action": "remove-caption",
    "aria-label": `Remove the captions ${caption.label} (${caption.lang})`, text: "Remove" });
  remove.addEventListener("click", () => removeCaption(caption, remove));
  return element("tr", { "data-lang": caption.lang },
    element("td", { text: caption.lang }), element("td", { text: caption.label }),
    element("td", { text: caption.default ? "default" : "" }), element("td", { text: String(caption.cues) }),
    element("td", { class: "actions" }, remove));
}

async function loadCaptions() {
  try {
    const captions = await staffApi(captionsPath);
    document.querySelector("#captions tbody").replaceChildren(...captions.map(captionRow));
    document.querySelector("#captions").hidden = !captions.length;
    document.querySelector("#captions-empty").hidden = Boolean(captions.length);
    setStatus("#captions-status", "");
  } catch (error) {
    setStatus("#captions-status", `The captions cannot be listed: ${error.message}`, "error");
  }
}

async function removeCaption(caption, button) {
  const sure = await confirmAction(`Remove the captions "${caption.label}" (${caption.lang})? Viewers no longer `
    + "get them.", "Remove the captions");
  if (!sure) {
    button.focus();
    return;
  }
  button.disabled = true;
  try {
    await staffApi(`${captionsPath}${encodeURIComponent(caption.lang)}/`, { method: "DELETE" });
    say(`The captions ${caption.label} (${caption.lang}) were removed.`, "success");
  } catch (error) {
    button.disabled = false;
    say(`The captions could not be removed: ${error.message}`, "error");
  }
  await loadCaptions();
}

bindForm(captionForm, async (fields) => {
  const file = document.querySelector("#caption-file").files[0];
  if (!file) throw new Error("Choose a caption file (WebVTT or SRT) first.");
  const caption = await staffApi(captionsPath, { method: "POST", body: {
    lang: fields.lang.trim(), label: fields.label.trim(), default: fields.default === "on",
    content: await file.text() } });
  captionForm.reset();
  say(`Captions ${caption.lang} (${caption.label}${caption.default ? ", the default" : ""}) added: `
    + `${caption.cues} cues.`, "success");
  await loadCaptions();
});

// -- insights -------------------------------------------------------------------------------------------
async function loadInsights() {
  try {
    const answer = await staffApi(`/api/admin/insights/videos/${encodeURIComponent(id)}/`);
    document.querySelector("#film-insights").replaceChildren(figureList(answer.totals));
    setStatus("#film-insights-status", answer.totals.views
      ? `${answer.totals.views} view(s) since ${answer.from.slice(0, 10)}.` : "No playback in the last 7 days.");
  } catch (error) {
    setStatus("#film-insights-status", error.message, "error");
  }
}

// -- start ------------------------------------------------------------------------------------------------
try {
  showFilm(await staffApi(`/api/admin/videos/${encodeURIComponent(id)}/`));
  fillForm();
  loadCaptions();
  loadInsights();
  if (film.status === "ready") {
    if (film.published === false) {
      setStatus("#preview-note", "Staff preview: this film is a draft, viewers cannot play it.", "info");
    }
    startPreview();
  } else {
    setStatus("#preview-note", "The preview and the poster from a frame are available once the film is ready.", "info");
    playButton.disabled = true;
    frameButton.disabled = true;
    scrub.disabled = true;
  }
} catch (error) {
  document.querySelector("#film-heading").textContent = error.status === 404 ? "Film not found" : "Film";
  say(error.message, "error");
  document.querySelector(".film-layout").hidden = true;
  document.querySelector("#captions-card").hidden = true;
  document.querySelector("#insights-card").hidden = true;
}
