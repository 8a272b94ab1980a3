/*
 * The resource pages' one behaviour: the citation's copy buttons (publication pages).
 * A file, not an inline script, so the Content-Security-Policy allows scripts from this server only.
 */
(function () {
  "use strict";

  function init() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = document.getElementById(button.dataset.copy).textContent;
        navigator.clipboard.writeText(text).then(function () { button.textContent = "Copied"; });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
