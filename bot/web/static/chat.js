// Starts the rasa-webchat widget with the settings the page carries as JSON
// (a separate file, so the Content-Security-Policy needs no inline script).
(function () {
  "use strict";
  var holder = document.getElementById("webchat-config");
  var notice = document.getElementById("chat-unavailable");
  var widget = window.WebChat && window.WebChat.default;
  if (!holder || !widget) {
    if (notice) notice.hidden = false;
    return;
  }
  var config = JSON.parse(holder.textContent);
  if (config.socketUrl === "same-origin") {
    // Behind the project's nginx the socket is this page's own origin, as the browser sees it.
    config.socketUrl = window.location.origin;
  }
  if (typeof widget === "function") {
    // rasa-webchat 1.x ignores "selector": without the element it appends its own div
    widget(config, document.querySelector(config.selector));
  } else {
    widget.init(config); // rasa-webchat 0.x
  }
})();
