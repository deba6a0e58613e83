// The site menu on narrow screens: a real button that opens and closes the navigation.
// Without this script the button stays hidden and the navigation is simply shown.
(function () {
  "use strict";
  function setUp() {
    var button = document.querySelector(".nav-toggle");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
    });
    // Escape closes an open menu and hands focus back to its button, so keyboard users are not lost.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
})();
