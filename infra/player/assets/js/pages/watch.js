import { API_BASE, authorized, currentUser, goToLogin, query, refreshSession, startSession } from "../api.js";
import { renderChrome, setStatus, showStaffLink } from "../ui.js";
import { captionsMenu, hlsCaptions, nativeCaptions } from "../player/captions.js";
import { renderChoices } from "../player/choices.js";
import { oneCodecLoader } from "../player/codecs.js";
import { bindControls } from "../player/controls.js";
import { formatTime } from "../player/format.js";
import { reportPlayback } from "../player/insights.js";
import { savedPosition, trackProgress } from "../player/progress.js";
import { bindPreviews, loadStoryboard } from "../player/storyboard.js";

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
const player = document.querySelector("#player");
const rung = document.querySelector("#rung");
const qualityGroup = document.querySelector("#quality");
const announcer = document.querySelector("#announcer");
const masterUrl = `${API_BASE}/api/video/${encodeURIComponent(id)}/master.m3u8`;
const apiOrigin = new URL(API_BASE).origin;
const MAX_AUTH_RETRIES = 2;

function showError(text) {
  setStatus("#player-error", text, "error");
}

let announceTimer = null;
function announce(text) {
  // Cleared first, so the same words said twice are read twice.
  announcer.textContent = "";
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { announcer.textContent = text; }, 30);
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

function qualityMenu(hls) {
  const choices = [{ label: "Auto", value: -1, data: { level: -1 }, ariaLabel: "Quality: automatic" },
    ...hls.levels.map((level, index) => ({ label: `${level.height}p`, value: index,
      data: { level: index, height: level.height }, ariaLabel: `Quality: ${level.height}p` }))];
  const press = renderChoices(qualityGroup, choices, -1, (index) => {
    chooseLevel(hls, index);
    press(index);
    announce(index === -1 ? "Quality: automatic" : `Quality: ${hls.levels[index].height}p`);
  });
}

const captions = captionsMenu({ group: document.querySelector("#captions"),
  label: document.querySelector("#captions-label"), announce });

let insights = null; // this view's playback report (player/insights.js), once the film is found

function playWithHls(startPosition) {
  const hls = new window.Hls({
    startPosition: startPosition > 0 ? startPosition : -1,
    // AV1 where this browser decodes it, H.264 elsewhere: one codec family for the whole film.
    pLoader: oneCodecLoader(window.Hls),
    // Cookies go to the API only (the playlists); segment URLs are presigned and need none.
    xhrSetup(xhr, url) {
      xhr.withCredentials = new URL(url, location.href).origin === apiOrigin;
    },
  });
  let authRetries = 0;
  let mediaRecovered = false;
  insights?.attachHls(hls);
  hls.on(window.Hls.Events.MANIFEST_PARSED, () => qualityMenu(hls));
  hls.on(window.Hls.Events.LEVEL_SWITCHED, (_event, data) => showRung(hls.levels[data.level]?.height));
  hlsCaptions(hls, captions);
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
    insights?.fatal(data.type, data.details);
    hls.destroy();
  });
  hls.loadSource(masterUrl);
  hls.attachMedia(video);
  window.videoflixHls = hls; // what the browser tests (and a curious developer) read: levels, codecs
}

function playNatively(startPosition) {
  // Safari plays HLS itself and picks the rung; the playlists are same-site, so cookies go along.
  video.src = masterUrl;
  qualityGroup.textContent = "automatic";
  nativeCaptions(video, captions);
  video.addEventListener("loadedmetadata", () => {
    showRung(video.videoHeight);
    if (startPosition > 0) video.currentTime = startPosition;
  }, { once: true });
}

/** "Resumed at 1:02 · Start over": shown while the film starts where the viewer left it. */
function offerStartOver(position, controls) {
  const box = document.querySelector("#resume");
  document.querySelector("#resume-text").textContent = `Resumed at ${formatTime(position)}`;
  box.hidden = false;
  announce(`Resuming at ${formatTime(position)}`);
  document.querySelector("#start-over").addEventListener("click", () => {
    box.hidden = true;
    controls.seekTo(0, { say: false });
    announce("Starting over");
    document.querySelector("#play").focus();
  }, { once: true });
}

video.addEventListener("error", () => {
  if (video.error) showError(`The video cannot be played (media error ${video.error.code}).`);
});

const progress = trackProgress(video, id);
const controls = bindControls({ video, player, announce, onError: showError,
  onUserSeek: () => progress.userSeeked(), toggleCaptions: () => captions.toggle() });

// The film first: an unknown or unpublished one asks for nothing else (no resume, no storyboard).
const found = id ? await describe().catch((error) => { showError(error.message); return null; }) : false;
const [resumeAt, cues] = found ? await Promise.all([savedPosition(id), loadStoryboard(id)]) : [0, []];
bindPreviews({ video, cues, track: document.querySelector("#seek-track"), seek: document.querySelector("#seek"),
  preview: document.querySelector("#preview"), frame: document.querySelector("#preview-frame"),
  label: document.querySelector("#preview-time") });

if (found === false) {
  // Not in the viewer's catalog (unknown, not ready, or a draft): say so, and the way back; no empty player.
  document.title = "Film not available · Videoflix";
  document.querySelector("#video-title").textContent = "Film not available";
  player.hidden = true;
  document.querySelector(".player-status").hidden = true;
  document.querySelector("#not-found").hidden = false;
  controls.disable();
} else if (!found) {
  document.querySelector("#video-title").textContent = "Film";
  controls.disable();
} else {
  insights = reportPlayback(video, id);
  if (window.Hls && window.Hls.isSupported()) {
    playWithHls(resumeAt);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    playNatively(resumeAt);
  } else if (!window.Hls) {
    showError("hls.js is not installed: run `npm ci` in infra/player (`make dev` does it for you).");
  } else {
    showError("This browser cannot play HLS video.");
  }
  if (resumeAt > 0) offerStartOver(resumeAt, controls);
}
