// The brand editor: swatches, live contrast advice (from the server's WCAG check) and the live preview.
// The preview is the form itself submitted to the preview endpoint into the iframe (logo file included),
// so the frame gets the email-preview CSP; without JavaScript the "Update preview" button does the same.
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;
  var form = document.getElementById("brand-form");
  var previewButton = document.getElementById("preview-submit");
  if (!form || !previewButton) { return; }
  var HEX = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

  function refreshPreview() {
    if (form.requestSubmit) { form.requestSubmit(previewButton); } else { previewButton.click(); }
  }

  function paintSwatch(input) {
    var swatch = document.querySelector('[data-swatch="' + input.id + '"]');
    if (swatch) { swatch.style.backgroundColor = HEX.test(input.value.trim()) ? input.value.trim() : "transparent"; }
  }

  function advise(input) {
    var output = document.getElementById(input.id + "-contrast");
    var value = input.value.trim();
    if (!output) { return; }
    if (!HEX.test(value)) { output.textContent = ""; return; }
    fetch(form.dataset.adviceUrl + "?colour=" + encodeURIComponent(value), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (advice) {
        if (!advice) { return; }
        output.textContent = advice.message;
        output.classList.toggle("contrast--low", !advice.readable);
      });
  }

  var colours = Array.prototype.slice.call(form.querySelectorAll("[data-colour]"));
  colours.forEach(paintSwatch);

  var timer = null;
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refreshPreview, DEBOUNCE_MS);
  }
  form.addEventListener("input", function (event) {
    if (event.target.hasAttribute("data-colour")) { paintSwatch(event.target); advise(event.target); }
    schedule();
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "file" || event.target.type === "checkbox") { schedule(); }
  });
  previewButton.hidden = true;
  refreshPreview();
}());
