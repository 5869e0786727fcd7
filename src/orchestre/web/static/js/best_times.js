// Best times on the calendar: when the calendar shows one channel ("calendar:range" from
// calendar.js), load that channel's best-times partial into #calendar-best-times and shade
// its slots on the calendar as background events.
(function () {
  "use strict";
  var SOURCE = "best-times";
  var shown = null;

  function box() { return document.getElementById("calendar-best-times"); }

  function clearShading() {
    var calendar = window.orchestreCalendar;
    if (!calendar) return;
    var source = calendar.getEventSourceById(SOURCE);
    if (source) source.remove();
  }

  function shade() {
    var calendar = window.orchestreCalendar;
    var el = box();
    if (!calendar || !el) return;
    clearShading();
    var events = [];
    el.querySelectorAll("li[data-starts-at]").forEach(function (item) {
      var start = new Date(item.getAttribute("data-starts-at"));
      events.push({
        start: start,
        end: new Date(start.getTime() + 3600 * 1000),
        display: "background",
        className: "best-time-slot"  // FullCalendar 7: `className`, a string
      });
    });
    calendar.addEventSource({ id: SOURCE, events: events, color: "#12b76a" });
  }

  function hint(el) {
    var p = document.createElement("p");
    p.className = "muted small";
    p.textContent = el.getAttribute("data-hint") || "";
    el.replaceChildren(p);
  }

  function show(channelId) {
    var el = box();
    if (!el) return;
    if (!channelId) {
      shown = null;
      clearShading();
      hint(el);
      return;
    }
    if (channelId === shown) { shade(); return; }
    shown = channelId;
    var url = el.getAttribute("data-url").replace("{channel_id}", encodeURIComponent(channelId));
    window.htmx.ajax("GET", url, { target: el, swap: "innerHTML" }).then(shade);
  }

  document.addEventListener("calendar:range", function (event) {
    show(event.detail && event.detail.channelId);
  });

  // The calendar may have announced its first range before this script ran.
  function initial() {
    var select = document.querySelector("#calendar-filters [name=channel_id]");
    if (select && select.value) show(select.value);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initial);
  } else {
    initial();
  }
})();
