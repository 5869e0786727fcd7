// Small behaviours shared by every page; everything else is htmx attributes and Alpine.
(function () {
  "use strict";

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement("div");
    item.className = "toast toast-" + (kind || "error");
    item.setAttribute("role", "alert");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
  }

  document.addEventListener("htmx:sendError", function () {
    toast(document.body.dataset.offlineMessage || "Network error");
  });

  // A response may ask for a toast through the HX-Trigger header: {"toast": {"message": ..., "kind": ...}}
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    toast(detail.message, detail.kind || "success");
  });
})();
