// intops catalog review: the "Copy" buttons of the shadow integrations'
// draft entries. Without JavaScript the buttons stay hidden and the draft
// is selectable text.
(function () {
  "use strict";

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function init() {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (btn) {
      var pre = document.getElementById(btn.getAttribute("data-copy"));
      if (!pre) {
        return;
      }
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var done = function (label) {
          btn.textContent = label;
          setTimeout(function () { btn.textContent = "Copy"; }, 2000);
        };
        // The clipboard API needs a secure context (https or localhost):
        // elsewhere select the text for Ctrl+C.
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(pre.textContent).then(function () {
            done("Copied");
          }, function () {
            selectText(pre);
            done("Selected: press Ctrl+C");
          });
        } else {
          selectText(pre);
          done("Selected: press Ctrl+C");
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
