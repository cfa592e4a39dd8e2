// A film from the browser straight to storage: presigned multipart PUTs, three parts at a time,
// resumable after a reload (the upload is remembered in localStorage; the file itself cannot be,
// so the person selects it again and only the parts storage lacks are sent).
import { staffApi } from "./console.js";

export const PARALLEL_PARTS = 3;
const STORE_KEY = "videoflix.console.uploads";
const RETRY_DELAYS_MS = [1000, 4000];
const RETRYABLE = new Set([0, 408, 429, 500, 502, 503, 504]);

const TYPES_BY_EXTENSION = { mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", mkv: "video/x-matroska",
  webm: "video/webm" };

export function contentTypeOf(file) {
  if (file.type) return file.type;
  return TYPES_BY_EXTENSION[(file.name.split(".").pop() || "").toLowerCase()] || "application/octet-stream";
}

// -- what survives a reload ---------------------------------------------------------------------
export function pendingUploads() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORE_KEY) || "{}");
    return stored && typeof stored === "object" ? stored : {};
  } catch {
    return {};
  }
}

function savePending(all) {
  localStorage.setItem(STORE_KEY, JSON.stringify(all));
}

export function rememberUpload(videoId, uploadId, file, title) {
  const all = pendingUploads();
  all[videoId] = { videoId, uploadId, name: file.name, size: file.size, lastModified: file.lastModified,
    title, startedAt: new Date().toISOString() };
  savePending(all);
}

export function forgetUpload(videoId) {
  const all = pendingUploads();
  delete all[videoId];
  savePending(all);
}

/** Why `file` is not the one the remembered upload started with, or "" when it is. */
export function notTheSameFile(remembered, file) {
  if (file.name !== remembered.name) return `This is "${file.name}"; the upload was of "${remembered.name}".`;
  if (file.size !== remembered.size) {
    return `This file has ${file.size} bytes; the one being uploaded had ${remembered.size}.`;
  }
  if (remembered.lastModified && file.lastModified !== remembered.lastModified) {
    return `"${file.name}" was changed since the upload started; upload it as a new film instead.`;
  }
  return "";
}

// -- the transfer --------------------------------------------------------------------------------
class PartError extends Error {
  constructor(number, status, text) {
    const reason = status ? `storage answered ${status}${storageMessage(text)}` : "storage cannot be reached";
    super(`Part ${number} failed: ${reason}.`);
    this.status = status;
  }
}

function storageMessage(xml) {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml || "");
  const message = /<Message>([^<]*)<\/Message>/.exec(xml || "");
  return (code ? ` ${code[1]}` : "") + (message ? `: ${message[1]}` : "");
}

/** PUT one part (one attempt) with upload progress; resolves to the ETag storage gave it. */
function putPart(url, blob, number, onBytes, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let sent = 0;
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (event) => {
      onBytes(event.loaded - sent);
      sent = event.loaded;
    };
    const undo = () => { onBytes(-sent); sent = 0; };
    xhr.onload = () => {
      const etag = xhr.getResponseHeader("ETag");
      if (xhr.status >= 200 && xhr.status < 300 && etag) {
        onBytes(blob.size - sent);
        resolve(etag);
      } else {
        undo();
        reject(xhr.status >= 200 && xhr.status < 300
          ? new Error(`Part ${number}: storage answered without an ETag (its CORS rules must expose ETag).`)
          : new PartError(number, xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => { undo(); reject(new PartError(number, 0, "")); };
    xhr.onabort = () => { undo(); reject(new DOMException("The upload was stopped.", "AbortError")); };
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
}

async function putPartWithRetries(url, blob, number, onBytes, signal) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await putPart(url, blob, number, onBytes, signal);
    } catch (error) {
      const retry = error instanceof PartError && RETRYABLE.has(error.status) && attempt < RETRY_DELAYS_MS.length;
      if (!retry || signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
}

/**
 * Send the parts of `plan` (the API's upload plan) that storage lacks, PARALLEL_PARTS at a time,
 * then complete the upload. `onProgress(sentBytes, totalBytes)` as bytes move.
 */
export async function sendFile(videoId, file, plan, { onProgress = () => {}, signal } = {}) {
  const done = (plan.parts_done || []).map(({ part_number, etag }) => ({ part_number, etag }));
  const doneBytes = (plan.parts_done || []).reduce((sum, part) => sum + (part.size || 0), 0);
  let sent = doneBytes;
  const onBytes = (delta) => {
    sent += delta;
    onProgress(sent, file.size);
  };
  onProgress(sent, file.size);
  const queue = [...plan.parts];
  const controller = new AbortController();
  signal?.addEventListener("abort", () => controller.abort(), { once: true });

  async function worker() {
    while (queue.length && !controller.signal.aborted) {
      const { part_number: number, url } = queue.shift();
      const start = (number - 1) * plan.part_size;
      const blob = file.slice(start, Math.min(start + plan.part_size, file.size));
      const etag = await putPartWithRetries(url, blob, number, onBytes, controller.signal);
      done.push({ part_number: number, etag });
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, queue.length) }, worker));
  } catch (error) {
    controller.abort(); // one part failed for good: stop the others, the upload can be resumed
    throw error;
  }
  done.sort((a, b) => a.part_number - b.part_number);
  const completed = await staffApi(`/api/admin/videos/${videoId}/upload/complete/`, {
    method: "POST", body: { parts: done } });
  forgetUpload(videoId);
  return completed.video;
}

/** Create the film (a draft unless `published`) and send its file. */
export async function uploadNewFilm(file, fields, options) {
  const created = await staffApi("/api/admin/videos/", { method: "POST", body: {
    ...fields, filename: file.name, size: file.size, content_type: contentTypeOf(file) } });
  const videoId = created.video.id;
  rememberUpload(videoId, created.upload.upload_id, file, fields.title);
  options.onCreated?.(created.video);
  return sendFile(videoId, file, created.upload, options);
}

/** Continue a remembered upload with the same file chosen again: only the missing parts go. */
export async function resumeUpload(remembered, file, options) {
  const plan = await staffApi(`/api/admin/videos/${remembered.videoId}/upload/`);
  return sendFile(remembered.videoId, file, plan, options);
}
