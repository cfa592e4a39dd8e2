// The captions menu: Off and each language. hls.js tracks (hls.subtitleTracks, rendered into
// the video's text tracks with subtitleDisplay) or, where the browser plays HLS itself, the
// video's native text tracks. The playlist's DEFAULT track shows on its own.
import { renderChoices } from "./choices.js";

const OFF = -1;

export function captionsMenu({ group, label, announce }) {
  let tracks = [];
  let current = OFF;
  let lastOn = null;
  let press = () => {};
  let choose = () => {};

  function render(list, selected, onChoose) {
    tracks = list;
    current = selected;
    choose = onChoose;
    group.hidden = label.hidden = !tracks.length;
    press = renderChoices(group, [
      { label: "Off", value: OFF, data: { track: OFF, lang: "" }, ariaLabel: "Captions off" },
      ...tracks.map((track, index) => ({ label: track.label, value: index, data: { track: index, lang: track.lang },
        ariaLabel: `Captions: ${track.label}` })),
    ], current, (value) => select(value, true));
  }

  function showing(index, say) {
    current = index;
    if (index !== OFF) lastOn = index;
    press(index);
    if (say) announce(index === OFF ? "Captions off" : `Captions: ${tracks[index]?.label}`);
  }

  function select(index, say) {
    choose(index);
    showing(index, say);
  }

  return {
    render,
    showing,
    /** The `c` key: off -> the last language (or the first), on -> off. False: no captions. */
    toggle() {
      if (!tracks.length) return false;
      select(current === OFF ? (lastOn ?? 0) : OFF, true);
      return true;
    },
  };
}

function trackLabel(track, index) {
  return track.name || track.label || track.lang || track.language || `Track ${index + 1}`;
}

export function hlsCaptions(hls, menu) {
  const list = () => hls.subtitleTracks.map((track, index) => ({ label: trackLabel(track, index), lang: track.lang || "" }));
  const onChoose = (index) => {
    hls.subtitleDisplay = index !== OFF;
    hls.subtitleTrack = index;
  };
  hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, () => menu.render(list(), hls.subtitleTrack, onChoose));
  hls.on(window.Hls.Events.SUBTITLE_TRACK_SWITCH, (_event, data) => menu.showing(data.id, false));
}

export function nativeCaptions(video, menu) {
  const textTracks = () => [...video.textTracks].filter((track) => ["subtitles", "captions"].includes(track.kind));
  const onChoose = (index) => textTracks().forEach((track, i) => { track.mode = i === index ? "showing" : "disabled"; });
  const refresh = () => {
    const found = textTracks();
    menu.render(found.map((track, index) => ({ label: trackLabel(track, index), lang: track.language })),
      found.findIndex((track) => track.mode === "showing"), onChoose);
  };
  video.textTracks.addEventListener("addtrack", refresh);
  video.textTracks.addEventListener("removetrack", refresh);
}
