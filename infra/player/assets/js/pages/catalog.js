import { DEV_MODE, authorized, startSession } from "../api.js";
import { element, renderChrome, setStatus, showStaffLink } from "../ui.js";

const EMPTY_POLL_MS = 5000;

renderChrome({ loggedIn: true });
try {
  await startSession();
} catch (error) {
  setStatus("#catalog-status", error.message, "error"); // e.g. the API is not running
  throw error;
}
showStaffLink();

/** Categories in the order of their newest film; the API lists films newest first. */
function groupByCategory(videos) {
  const groups = new Map();
  for (const video of videos) {
    const name = video.category || "Other";
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(video);
  }
  return groups;
}

function card(video) {
  const link = element("a", { class: "video-card", href: `/pages/video/watch.html?id=${encodeURIComponent(video.id)}`,
    "data-video-id": String(video.id) });
  if (video.thumbnail_url) {
    link.append(element("img", { src: video.thumbnail_url, alt: video.title, loading: "lazy" }));
  } else {
    link.append(element("div", { class: "no-thumbnail", text: "No picture" }));
  }
  link.append(element("span", { class: "video-title", text: video.title }));
  return link;
}

function render(videos) {
  const root = document.querySelector("#catalog");
  root.replaceChildren();
  for (const [category, films] of groupByCategory(videos)) {
    root.append(element("section", { class: "category", "data-category": category },
      element("h2", { text: category }),
      element("div", { class: "grid" }, ...films.map(card))));
  }
}

async function load() {
  try {
    const videos = await authorized("/api/video/");
    render(videos);
    if (videos.length) {
      setStatus("#catalog-status", "");
    } else {
      setStatus("#catalog-status", DEV_MODE
        ? "No films yet. `make dev` is transcoding a sample film; it appears here in a minute or two."
        : "No films yet.", "info");
      setTimeout(load, EMPTY_POLL_MS);
    }
  } catch (error) {
    setStatus("#catalog-status", error.message, "error");
  }
}

await load();
