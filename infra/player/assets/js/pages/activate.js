import { query, request } from "../api.js";
import { renderChrome, setStatus } from "../ui.js";

renderChrome();
const status = document.querySelector("#activation-status");
const uid = query("uid");
const token = query("token");
if (!uid || !token) {
  setStatus(status, "This activation link is incomplete. Open the link from the email again.", "error");
} else {
  try {
    // The API answers `message` here (not `detail`), as the shared Videoflix frontend expects.
    const result = await request(`/api/activate/${encodeURIComponent(uid)}/${encodeURIComponent(token)}/`);
    setStatus(status, result.message || "Your account is active.", "success");
    document.querySelector("#activation-next").hidden = false;
  } catch (error) {
    setStatus(status, error.message, "error");
  }
}
