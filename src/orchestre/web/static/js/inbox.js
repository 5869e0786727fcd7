// The inbox page: keyboard shortcuts, bulk selection and the state live updates must keep.
(function () {
  "use strict";

  var picked = new Set(); // conversation ids ticked for a bulk action, kept across list refreshes

  function inbox() { return document.getElementById("inbox"); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#conv-list .conv")); }
  function openId() { var box = inbox(); return box ? box.dataset.open || "" : ""; }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "input") {
      // A ticked box or a button-like input takes no text: shortcuts still work there.
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(target.type) < 0;
    }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function activeIndex(list) {
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest(".conv") : null;
    var index = list.indexOf(focused);
    if (index >= 0) return index;
    var id = openId();
    for (var i = 0; i < list.length; i++) if (list[i].dataset.id === id) return i;
    return -1;
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = activeIndex(list);
    var next = list[Math.min(list.length - 1, Math.max(0, index < 0 ? 0 : index + step))];
    var link = next.querySelector(".conv-author");
    if (link) { link.focus(); next.scrollIntoView({ block: "nearest" }); }
  }

  function openFocused() {
    var list = rows();
    var index = activeIndex(list);
    if (index < 0) return;
    var link = list[index].querySelector(".conv-author");
    if (link) link.click();
  }

  function press(selector) {
    var el = document.querySelector(selector);
    if (!el) return false;
    if (el.tagName.toLowerCase() === "select" || el.tagName.toLowerCase() === "textarea") el.focus();
    else el.click();
    return true;
  }

  function help(show) {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog) return;
    dialog.hidden = !show;
    if (show) { var close = dialog.querySelector("[data-help-close]"); if (close) close.focus(); }
  }

  function togglePick() {
    var list = rows();
    var index = activeIndex(list);
    if (index < 0) return;
    var box = list[index].querySelector("[data-pick]");
    if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  var keys = {
    j: function () { move(1); },
    k: function () { move(-1); },
    Enter: openFocused,
    r: function () { press("#reply-text"); },
    e: function () { press("[data-shortcut='e']"); },
    a: function () { press("[data-shortcut='a']"); },
    h: function () { press("[data-shortcut='h']"); },
    x: togglePick,
    "/": function () { press("#inbox-q"); },
    "?": function () { help(true); },
  };

  document.addEventListener("keydown", function (event) {
    if (!inbox()) return;
    if (event.key === "Escape") {
      help(false);
      if (typing(event.target)) event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var action = keys[event.key];
    if (!action) return;
    // Enter on a link or a button already does its own thing.
    if (event.key === "Enter" && event.target.closest && event.target.closest("a, button")) return;
    event.preventDefault();
    action();
  });

  function syncPicks() {
    rows().forEach(function (row) {
      var box = row.querySelector("[data-pick]");
      if (box) box.checked = picked.has(box.value);
    });
    var bar = document.getElementById("bulk-form");
    if (bar) bar.hidden = picked.size === 0;
    var count = document.getElementById("bulk-count");
    if (count) count.textContent = String(picked.size);
  }

  function markOpen(id) {
    var box = inbox();
    if (!box) return;
    box.dataset.open = id || "";
    box.classList.toggle("has-open", !!id);
    rows().forEach(function (row) { row.classList.toggle("is-active", row.dataset.id === id); });
    var live = document.getElementById("live-open");
    if (live) live.value = id || "";
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.matches && box.matches("[data-pick]")) {
      if (box.checked) picked.add(box.value); else picked.delete(box.value);
      syncPicks();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-shortcut-help]")) { help(true); return; }
    if (target.closest("[data-help-close]") || target.id === "shortcut-help") { help(false); return; }
    if (target.closest("[data-bulk-clear]")) { picked.clear(); syncPicks(); return; }
    var tab = target.closest("[data-status-tab]");
    if (tab) {
      var field = document.getElementById("f-status");
      var form = document.getElementById("inbox-filters");
      if (field && form && window.htmx) {
        event.preventDefault();
        field.value = tab.dataset.statusTab;
        window.htmx.trigger(form, "change");
      }
    }
  });

  // After a swap: the open conversation, its version and the ticks survive the new list.
  document.addEventListener("htmx:afterSwap", function (event) {
    var thread = document.getElementById("thread");
    if (event.detail.target && event.detail.target.id === "inbox-main") {
      markOpen(thread ? thread.dataset.conversation : "");
    }
    if (thread) {
      var version = document.getElementById("live-open-version");
      if (version) version.value = thread.dataset.version || "";
    }
    syncPicks();
    rows().forEach(function (row) { row.classList.toggle("is-active", row.dataset.id === openId()); });
  });

  // Live updates replace the list and the open thread: keep the scroll, the focused row,
  // and never pull a control away from someone using it.
  var kept = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    var focus = document.activeElement;
    if (target.id === "thread-head" && focus && target.contains(focus) && typing(focus)) {
      event.detail.shouldSwap = false;
      return;
    }
    if (target.id === "conv-list") {
      var scroll = document.getElementById("conv-scroll");
      var row = focus && focus.closest ? focus.closest(".conv") : null;
      kept = { scroll: scroll ? scroll.scrollTop : 0, row: row ? row.dataset.id : null };
    }
    if (target.id === "thread-messages") {
      var bottom = target.scrollHeight - target.scrollTop - target.clientHeight < 40;
      target.dataset.stick = bottom ? "1" : "";
    }
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "conv-list" && kept) {
      var scroll = document.getElementById("conv-scroll");
      if (scroll) scroll.scrollTop = kept.scroll;
      if (kept.row) {
        var link = document.querySelector("#conv-" + CSS.escape(kept.row) + " .conv-author");
        if (link) link.focus({ preventScroll: true });
      }
      kept = null;
    }
    var messages = document.getElementById("thread-messages");
    if (target && target === messages && messages.dataset.stick) messages.scrollTop = messages.scrollHeight;
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    var list = document.getElementById("conv-list");
    var stamp = document.getElementById("live-stamp");
    if (list && stamp && list.dataset.stamp) stamp.value = list.dataset.stamp;
    var thread = document.getElementById("thread");
    var version = document.getElementById("live-open-version");
    if (thread && version) version.value = thread.dataset.version || "";
    syncPicks();
    rows().forEach(function (row) { row.classList.toggle("is-active", row.dataset.id === openId()); });
  });

  // A list replaced by the filters brings its own stamp too.
  document.addEventListener("htmx:afterSettle", function () {
    var list = document.getElementById("conv-list");
    var stamp = document.getElementById("live-stamp");
    if (list && stamp && list.dataset.stamp) stamp.value = list.dataset.stamp;
  });

  // A hidden tab does not poll; coming back to it catches up at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && inbox() && window.htmx) {
      window.htmx.trigger(document.body, "inbox-changed");
    }
  });

  // A bulk action done: untick everything; the list refreshes through the live update.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "bulk-form" && event.detail.successful) {
      picked.clear();
      syncPicks();
    }
  });
})();
