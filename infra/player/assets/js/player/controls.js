// The watch page's own controls around a <video>: play/pause, the seek bar with elapsed and
// total time, volume and mute, fullscreen, the keyboard, and a live region for what changed.
import { formatTime } from "./format.js";

const SEEK_STEP = 5;
const VOLUME_STEP = 0.1;
const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

export function bindControls({ video, player, announce, onError, onUserSeek = () => {}, toggleCaptions }) {
  const $ = (selector) => player.querySelector(selector);
  const play = $("#play");
  const seek = $("#seek");
  const elapsed = $("#elapsed");
  const total = $("#duration");
  const mute = $("#mute");
  const volume = $("#volume");
  const fullscreen = $("#fullscreen");
  let dragging = false;

  function togglePlay() {
    if (video.paused || video.ended) {
      video.play().catch((error) => onError(`The browser refused to play: ${error.message}`));
    } else {
      video.pause();
    }
  }

  function seekTo(seconds, { say = true } = {}) {
    const end = Number.isFinite(video.duration) ? video.duration : Infinity;
    const target = Math.max(0, Math.min(seconds, end));
    video.currentTime = target;
    showTime(target);
    onUserSeek(target);
    if (say) announce(`${formatTime(target)} of ${formatTime(video.duration)}`);
  }

  function showTime(time = video.currentTime) {
    const duration = Number.isFinite(video.duration) ? video.duration : 0;
    if (!dragging) seek.value = String(time);
    elapsed.textContent = formatTime(time);
    seek.setAttribute("aria-valuetext", `${formatTime(time)} of ${formatTime(duration)}`);
    seek.style.setProperty("--played", duration ? `${(time / duration) * 100}%` : "0%");
  }

  function showDuration() {
    const duration = Number.isFinite(video.duration) ? video.duration : 0;
    seek.max = String(duration);
    total.textContent = formatTime(duration);
    showTime();
  }

  function setVolume(level) {
    video.volume = Math.max(0, Math.min(1, Math.round(level * 100) / 100));
  }

  function toggleMute() {
    video.muted = !video.muted;
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    } else if (player.requestFullscreen) {
      player.requestFullscreen().catch((error) => onError(`Fullscreen was refused: ${error.message}`));
    }
  }

  play.addEventListener("click", togglePlay);
  video.addEventListener("click", togglePlay);
  video.addEventListener("dblclick", toggleFullscreen);
  video.addEventListener("play", () => {
    play.textContent = "Pause";
    announce("Playing");
  });
  video.addEventListener("pause", () => {
    play.textContent = "Play";
    announce(video.ended ? "Ended" : "Paused");
  });
  video.addEventListener("timeupdate", () => showTime());
  video.addEventListener("seeked", () => showTime());
  video.addEventListener("durationchange", showDuration);
  video.addEventListener("loadedmetadata", showDuration);

  // Dragging shows the time (and the preview, see storyboard.js); the film seeks on release.
  seek.addEventListener("input", () => {
    dragging = true;
    elapsed.textContent = formatTime(Number(seek.value));
  });
  seek.addEventListener("change", () => {
    dragging = false;
    seekTo(Number(seek.value), { say: false });
  });

  mute.addEventListener("click", toggleMute);
  volume.addEventListener("input", () => {
    setVolume(Number(volume.value));
    video.muted = video.volume === 0;
  });
  video.addEventListener("volumechange", () => {
    const silent = video.muted || video.volume === 0;
    mute.textContent = video.muted ? "Unmute" : "Mute";
    mute.setAttribute("aria-pressed", String(video.muted));
    volume.value = String(video.muted ? 0 : video.volume);
    volume.setAttribute("aria-valuetext", silent ? "muted" : `${Math.round(video.volume * 100)}%`);
    announce(silent ? "Muted" : `Volume ${Math.round(video.volume * 100)}%`);
  });

  fullscreen.addEventListener("click", toggleFullscreen);
  document.addEventListener("fullscreenchange", () => {
    const on = document.fullscreenElement === player;
    fullscreen.textContent = on ? "Exit fullscreen" : "Fullscreen";
    player.classList.toggle("is-fullscreen", on);
    announce(on ? "Fullscreen" : "Fullscreen off");
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if ((TYPING.has(target.tagName) && target.type !== "range") || target.isContentEditable) return;
    const onButton = target.tagName === "BUTTON" || target.tagName === "A";
    switch (event.key) {
      case " ":
      case "Spacebar":
        if (onButton) return; // the focused button answers space itself
        togglePlay();
        break;
      case "ArrowLeft":
      case "ArrowRight":
        if (target === volume) return; // the volume slider's own arrows
        seekTo(video.currentTime + (event.key === "ArrowLeft" ? -SEEK_STEP : SEEK_STEP));
        break;
      case "ArrowUp":
        video.muted = false;
        setVolume(video.volume + VOLUME_STEP);
        break;
      case "ArrowDown":
        setVolume(video.volume - VOLUME_STEP);
        break;
      case "f":
      case "F":
        toggleFullscreen();
        break;
      case "m":
      case "M":
        toggleMute();
        break;
      case "c":
      case "C":
        if (!toggleCaptions()) announce("This film has no captions");
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  showDuration();
  return { seekTo, disable() { play.disabled = true; seek.disabled = true; } };
}
