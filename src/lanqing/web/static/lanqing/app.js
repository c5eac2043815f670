// Behaviour shared by every page. No inline script or handler anywhere: the content security policy forbids them.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.submit();
});

// htmx leaves 4xx/5xx responses unswapped. A refused case action answers with its panel and the reason in it
// (403, 409): that panel is swapped in like a success. Any other failure (an error page, a lost connection)
// is said in the message bar, with the error page's own heading, instead of the button doing nothing.
function sayInMessageBar(text, kind) {
  const bar = document.getElementById("message-bar");
  if (!bar) return;
  const item = document.createElement("li");
  item.className = kind;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  item.textContent = text;
  bar.replaceChildren(item);
  bar.hidden = false;
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const detail = event.detail;
  const status = detail.xhr.status;
  if (status < 400) return;
  const body = detail.xhr.responseText || "";
  const isPage = /^\s*<!DOCTYPE/i.test(body);
  if ((status === 403 || status === 409) && !isPage) {
    detail.shouldSwap = true;
    detail.isError = false;
    return;
  }
  let heading = "";
  if (isPage) {
    const page = new DOMParser().parseFromString(body, "text/html");
    const title = page.querySelector("[data-testid=error-page] h1");
    heading = title ? title.textContent.trim() : "";
  }
  const bar = document.getElementById("message-bar");
  sayInMessageBar(heading || (bar && bar.dataset.failed) || String(status), "error");
});

document.addEventListener("htmx:sendError", () => {
  const bar = document.getElementById("message-bar");
  sayInMessageBar((bar && bar.dataset.offline) || "offline", "error");
});
