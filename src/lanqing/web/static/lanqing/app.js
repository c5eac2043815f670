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

// A division list grouped by township (<optgroup> per township) gets a township chooser in front of it: pick
// the township, then the village among its own. Without script the grouped list still works on its own.
function divisionPicker(select) {
  const groups = Array.from(select.querySelectorAll("optgroup"));
  if (groups.length < 2) return;
  const townships = document.createElement("select");
  townships.setAttribute("aria-label", select.dataset.townshipLabel || "");
  townships.dataset.testid = "township-picker";
  townships.add(new Option("---------", ""));
  groups.forEach((group, index) => townships.add(new Option(group.label, String(index))));
  const show = (index) => {
    groups.forEach((group, at) => {
      const shown = String(at) === index;
      group.hidden = !shown;
      group.querySelectorAll("option").forEach((option) => { option.hidden = !shown; option.disabled = !shown; });
    });
  };
  const chosen = select.selectedOptions[0] && select.selectedOptions[0].parentElement;
  const start = groups.indexOf(chosen);
  townships.value = start >= 0 ? String(start) : "";
  show(townships.value);
  townships.addEventListener("change", () => {
    show(townships.value);
    const group = groups[Number(townships.value)];
    select.value = townships.value === "" || !group ? "" : group.querySelector("option").value;
  });
  select.before(townships);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-division-picker]").forEach(divisionPicker);
});

// On a phone the menu is one row that scrolls sideways: bring the current page's entry into view.
document.addEventListener("DOMContentLoaded", () => {
  const menu = document.querySelector("nav.menu");
  const current = menu && menu.querySelector("[aria-current=page]");
  if (menu && current && menu.scrollWidth > menu.clientWidth) {
    menu.scrollLeft = Math.max(0, current.offsetLeft - menu.offsetLeft - 16);
  }
});
