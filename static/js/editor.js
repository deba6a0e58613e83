// The content editor: language tabs, "missing" markers, the live email preview and the image preview.
// Without JavaScript every language is shown one below the other and the preview shows the saved item.
(function () {
  "use strict";

  var DEBOUNCE_MS = 400;
  var form = document.getElementById("item-form");
  var tabs = document.querySelector("[data-tabs]");
  var frame = document.getElementById("preview-frame");
  var previewForm = document.getElementById("preview-form");
  if (!form || !tabs) { return; }

  var tabButtons = Array.prototype.slice.call(tabs.querySelectorAll('[role="tab"]'));
  var panels = Array.prototype.slice.call(tabs.querySelectorAll('[role="tabpanel"]'));
  var activeLocale = tabButtons.length ? tabButtons[0].dataset.locale : "en";

  function select(button, focus) {
    tabButtons.forEach(function (other) {
      var selected = other === button;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
    });
    panels.forEach(function (panel) { panel.hidden = panel.dataset.locale !== button.dataset.locale; });
    activeLocale = button.dataset.locale;
    if (focus) { button.focus(); }
    refreshPreview();
  }

  tabs.classList.add("is-enhanced");
  tabButtons.forEach(function (button, index) {
    button.addEventListener("click", function () { select(button, false); });
    button.addEventListener("keydown", function (event) {
      var next = null;
      if (event.key === "ArrowRight") { next = tabButtons[(index + 1) % tabButtons.length]; }
      if (event.key === "ArrowLeft") { next = tabButtons[(index - 1 + tabButtons.length) % tabButtons.length]; }
      if (event.key === "Home") { next = tabButtons[0]; }
      if (event.key === "End") { next = tabButtons[tabButtons.length - 1]; }
      if (next) { event.preventDefault(); select(next, true); }
    });
  });
  // Open the first language with an error, else the first one.
  var firstError = panels.filter(function (panel) { return panel.querySelector(".field--error"); })[0];
  var initial = firstError ? document.getElementById("tab-" + firstError.dataset.locale) : tabButtons[0];

  function value(id) {
    var element = document.getElementById(id);
    return element ? element.value : "";
  }

  function updateMarker(locale) {
    var marker = document.querySelector("#tab-" + locale + " [data-marker]");
    if (marker) { marker.hidden = value("text_" + locale + "-title").trim() !== ""; }
  }

  function refreshPreview() {
    if (!frame) { return; }
    if (!previewForm) {  // readers: the saved item, in the chosen language
      if (frame.dataset.saved) { frame.src = frame.dataset.saved + "?locale=" + encodeURIComponent(activeLocale); }
      return;
    }
    var fields = {
      kind: value("kind"),
      title: value("text_" + activeLocale + "-title"),
      summary: value("text_" + activeLocale + "-summary"),
      body: value("text_" + activeLocale + "-body"),
      cta_label: value("text_" + activeLocale + "-cta_label"),
      cta_url: value("text_" + activeLocale + "-cta_url") || value("cta_url")
    };
    Object.keys(fields).forEach(function (name) { previewForm.elements[name].value = fields[name]; });
    previewForm.submit();
  }

  var timer = null;
  form.addEventListener("input", function (event) {
    var match = /^text_([a-z]{2})-title$/.exec(event.target.id || "");
    if (match) { updateMarker(match[1]); }
    if (event.target.type === "file") { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(refreshPreview, DEBOUNCE_MS);
  });

  var imageInput = document.getElementById("image");
  var chosen = document.getElementById("image-chosen");
  if (imageInput && chosen) {
    imageInput.addEventListener("change", function () {
      var file = imageInput.files && imageInput.files[0];
      if (chosen.src) { URL.revokeObjectURL(chosen.src); }
      chosen.hidden = !file;
      if (file) { chosen.src = URL.createObjectURL(file); }
    });
  }

  if (initial) { select(initial, false); }
}());
