// Copy buttons on the kit page: each names the element whose text it copies (data-copy). Plain
// buttons, so Enter and Space work; the result is announced in the page's status region.
(function () {
  "use strict";

  var status = document.getElementById("copy-status");

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);  // a change screen readers notice
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (error) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  function copy(button) {
    var source = document.getElementById(button.dataset.copy);
    var text = source.value !== undefined ? source.value : source.textContent;
    var succeeded = function () {
      button.classList.add("is-copied");
      announce(status.dataset.copied);
      window.setTimeout(function () { button.classList.remove("is-copied"); }, 2000);
    };
    var failed = function () {
      if (fallbackCopy(text)) { succeeded(); } else { announce(status.dataset.failed); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(succeeded, failed);
    } else {
      failed();
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    button.addEventListener("click", function () { copy(button); });
  });
}());
