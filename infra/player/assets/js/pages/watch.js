import { API_BASE, authorized, currentUser, goToLogin, query, refreshSession, startSession } from "../api.js";
import { element, renderChrome, setStatus, showStaffLink } from "../ui.js";

renderChrome({ loggedIn: true });
try {
  await startSession();
} catch (error) {
  setStatus("#player-error", error.message, "error"); // e.g. the API is not running
  throw error;
}
showStaffLink();

const id = query("id");
const video = document.querySelector("#video");
const rung = document.querySelector("#rung");
const qualityGroup = document.querySelector("#quality");
const masterUrl = `${API_BASE}/api/video/${encodeURIComponent(id)}/master.m3u8`;
const apiOrigin = new URL(API_BASE).origin;
const MAX_AUTH_RETRIES = 2;

function showError(text) {
  setStatus("#player-error", text, "error");
}

async function describe() {
  const videos = await authorized("/api/video/");
  let film = videos.find((entry) => String(entry.id) === id);
  if (!film && (await currentUser().catch(() => null))?.is_staff) {
    // Staff preview a draft (or a film not yet in the catalog) through the admin view.
    film = await authorized(`/api/admin/videos/${encodeURIComponent(id)}/`).catch(() => null);
    if (film) setStatus("#player-error", "Staff preview: this film is not in the viewers' catalog.", "info");
  }
  if (!film) return false;
  document.title = `${film.title} · Videoflix`;
  document.querySelector("#video-title").textContent = film.title;
  document.querySelector("#video-description").textContent = film.description || "";
  if (film.thumbnail_url) video.poster = film.thumbnail_url;
  return true;
}

function showRung(height) {
  rung.value = height ? `${height}p` : "–";
  rung.dataset.height = height ? String(height) : "";
}

function chooseLevel(hls, index) {
  const showing = video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.buffered.length > 0;
  if (index !== -1 && showing && index !== hls.loadLevel) {
    // The viewer asked for this rung now: `currentLevel` drops the buffer and reloads here.
    hls.currentLevel = index;
  } else {
    // Before the first picture, or for the rung already loading, an immediate switch would
    // abort the fragment in flight, and hls.js can then refetch it forever. `loadLevel`
    // applies from the next fragment and, at -1, hands the choice back to ABR.
    hls.loadLevel = index;
  }
}

function qualityButtons(hls) {
  const choices = [{ label: "Auto", index: -1 },
    ...hls.levels.map((level, index) => ({ label: `${level.height}p`, index, height: level.height }))];
  const buttons = choices.map(({ label, index, height }) => {
    const button = element("button", { type: "button", class: "button secondary", "data-level": String(index),
      "aria-pressed": String(index === -1), text: label });
    if (height) button.dataset.height = String(height);
    button.addEventListener("click", () => {
      chooseLevel(hls, index);
      buttons.forEach((other) => other.setAttribute("aria-pressed", String(other === button)));
    });
    return button;
  });
  qualityGroup.replaceChildren(...buttons);
}

function playWithHls() {
  const hls = new window.Hls({
    // Cookies go to the API only (the playlists); segment URLs are presigned and need none.
    xhrSetup(xhr, url) {
      xhr.withCredentials = new URL(url, location.href).origin === apiOrigin;
    },
  });
  let authRetries = 0;
  let mediaRecovered = false;
  hls.on(window.Hls.Events.MANIFEST_PARSED, () => qualityButtons(hls));
  hls.on(window.Hls.Events.LEVEL_SWITCHED, (_event, data) => showRung(hls.levels[data.level]?.height));
  hls.on(window.Hls.Events.ERROR, async (_event, data) => {
    const status = data.response?.code;
    if (!data.fatal) return; // hls.js retries these itself
    if (status === 401 && authRetries < MAX_AUTH_RETRIES) {
      authRetries += 1;
      if (await refreshSession()) hls.loadSource(masterUrl);
      else goToLogin();
      return;
    }
    if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && !mediaRecovered) {
      mediaRecovered = true;
      hls.recoverMediaError();
      return;
    }
    showError(`Playback failed (${data.details}${status ? `, the server answered ${status}` : ""}).`);
    hls.destroy();
  });
  hls.loadSource(masterUrl);
  hls.attachMedia(video);
}

function playNatively() {
  // Safari plays HLS itself and picks the rung; the playlists are same-site, so cookies go along.
  video.src = masterUrl;
  qualityGroup.replaceChildren(element("span", { text: "Quality: automatic" }));
  video.addEventListener("loadedmetadata", () => showRung(video.videoHeight), { once: true });
}

const playButton = document.querySelector("#play");
playButton.addEventListener("click", () => {
  if (!video.paused) {
    video.pause();
    return;
  }
  video.play().catch((error) => showError(`The browser refused to play: ${error.message}`));
});
video.addEventListener("play", () => { playButton.textContent = "Pause"; });
video.addEventListener("pause", () => { playButton.textContent = "Play"; });
video.addEventListener("error", () => {
  if (video.error) showError(`The video cannot be played (media error ${video.error.code}).`);
});

if (!id || !(await describe().catch((error) => { showError(error.message); return null; }))) {
  document.querySelector("#video-title").textContent = "Film not found";
  playButton.disabled = true;
} else if (window.Hls && window.Hls.isSupported()) {
  playWithHls();
} else if (video.canPlayType("application/vnd.apple.mpegurl")) {
  playNatively();
} else if (!window.Hls) {
  showError("hls.js is not installed: run `npm ci` in infra/player (`make dev` does it for you).");
} else {
  showError("This browser cannot play HLS video.");
}
