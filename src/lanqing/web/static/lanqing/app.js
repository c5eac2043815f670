// Behaviour shared by every page. No inline script or handler anywhere: the content security policy forbids them.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-submit-on-change]");
  if (field && field.form) field.form.submit();
});
