// "Copier le lien .ics": copies the read-only field's value; the field stays selectable without JS.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  var status = document.getElementById("copy-status");
  if (!field) return;
  field.select();
  var done = function () { if (status) status.textContent = "Lien copié dans le presse-papiers."; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
