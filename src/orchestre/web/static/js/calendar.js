// The calendar page: FullCalendar in the workspace's zone, events from the JSON API,
// drag-and-drop through the posts' schedule route (the one door), reverted when refused.
(function () {
  "use strict";

  var NETWORK_COLORS = {
    x: "#111827", bluesky: "#1185fe", mastodon: "#6364ff", threads: "#101010",
    linkedin: "#0a66c2", instagram: "#e1306c", facebook: "#1877f2", tiktok: "#25f4ee",
    youtube: "#ff0000", sandbox: "#667085"
  };

  function toast(message, kind) {
    document.dispatchEvent(new CustomEvent("toast", { detail: { message: message, kind: kind } }));
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "YYYY-MM-DDTHH:MM" plus a FullCalendar delta, in wall-clock arithmetic: a move of one day
  // keeps 09:00 at 09:00 across a change of daylight saving time.
  function shiftWallTime(local, delta) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
    if (!m) return null;
    var carrier = new Date(Date.UTC(
      +m[1] + (delta.years || 0), +m[2] - 1 + (delta.months || 0), +m[3] + (delta.days || 0),
      +m[4], +m[5]
    ) + (delta.milliseconds || 0));
    return carrier.getUTCFullYear() + "-" + pad(carrier.getUTCMonth() + 1) + "-" +
      pad(carrier.getUTCDate()) + "T" + pad(carrier.getUTCHours()) + ":" + pad(carrier.getUTCMinutes());
  }

  function filters() {
    var form = document.getElementById("calendar-filters");
    var params = {};
    if (!form) return params;
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      if (select.value) params[select.name] = select.value;
    });
    return params;
  }

  function query(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function toEvent(item, postUrl) {
    var classes = ["cal-event", "status-" + item.status, "net-" + item.network];
    if (item.attention) classes.push("cal-attention");
    return {
      id: item.id,
      title: item.title,
      start: item.start,
      allDay: false,
      startEditable: item.movable,
      durationEditable: false,
      className: classes.join(" "),
      // A link: reachable with the keyboard, opens the post (also in a new tab).
      url: postUrl.replace("{post_id}", item.post_id),
      extendedProps: item
    };
  }

  function toPlanEvent(item, label) {
    var text = item.text.replace(/\s+/g, " ");
    return {
      id: "plan-" + item.id,
      title: label + " · " + item.handle + " · " + (text.length > 60 ? text.slice(0, 60) + "…" : text),
      start: item.slot_at,
      allDay: false,
      startEditable: false,
      durationEditable: false,
      className: "cal-event cal-ai-draft net-" + item.network + " plan-" + item.status,
      extendedProps: { kind: "plan", plan_item_id: item.id, network: item.network, status: item.status, local_start: item.local_slot, variant_id: "", occurrence: 0 }
    };
  }

  function openPlanItem(config, itemId) {
    var dialog = document.getElementById("plan-item-dialog");
    if (!dialog || !window.htmx) return;
    window.htmx.ajax("GET", config.planItemUrl.replace("{item_id}", itemId), { target: "#plan-item-panel", swap: "innerHTML" })
      .then(function () { if (!dialog.open) dialog.showModal(); });
  }

  function updateExportLinks(start, end) {
    var range = "from=" + encodeURIComponent(start.toISOString()) + "&to=" + encodeURIComponent(end.toISOString());
    ["csv-export", "csv-export-semicolon"].forEach(function (id) {
      var link = document.getElementById(id);
      if (!link) return;
      var base = link.getAttribute("href").split("?")[0];
      var extra = id === "csv-export-semicolon" ? "&delimiter=semicolon" : "";
      link.setAttribute("href", base + "?" + range + extra);
    });
  }

  function start() {
    var el = document.getElementById("calendar");
    if (!el || !window.FullCalendar) return;
    var config = JSON.parse(el.getAttribute("data-config"));
    var messages = config.messages;
    var calendar = new FullCalendar.Calendar(el, {
      timeZone: config.timeZone,
      locale: config.locale,
      initialView: config.initialView,
      initialDate: config.initialDate || undefined,
      headerToolbar: { start: "prev,next today", center: "title", end: "dayGridMonth,timeGridWeek,listMonth" },
      height: "auto",
      nowIndicator: true,
      dayMaxEvents: 4,
      editable: true,
      eventDurationEditable: false,
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      eventSources: [
        function (info, success, failure) {
          var params = filters();
          params.from = info.start.toISOString();
          params.to = info.end.toISOString();
          updateExportLinks(info.start, info.end);
          document.dispatchEvent(new CustomEvent("calendar:range", {
            detail: { start: info.start, end: info.end, channelId: params.channel_id || null }
          }));
          fetch(config.eventsUrl + "?" + query(params), { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (response) {
              if (!response.ok) throw new Error(String(response.status));
              return response.json();
            })
            .then(function (body) {
              success(body.events.map(function (item) { return toEvent(item, config.postUrl); }));
            })
            .catch(function (error) { toast(messages.loadFailed, "error"); failure(error); });
        },
        // The assistant's proposed drafts: shown apart ("AI draft"), never dragged.
        function (info, success, failure) {
          var params = filters();
          if (!config.planItemsUrl || params.status) { success([]); return; }
          var range = "from=" + encodeURIComponent(info.start.toISOString()) + "&to=" + encodeURIComponent(info.end.toISOString());
          fetch(config.planItemsUrl + "?" + range, { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (response) {
              if (!response.ok) throw new Error(String(response.status));
              return response.json();
            })
            .then(function (body) {
              success(body.events.filter(function (item) {
                return (!params.channel_id || item.channel_id === params.channel_id) &&
                  (!params.pillar_id || item.pillar_id === params.pillar_id);
              }).map(function (item) { return toPlanEvent(item, messages.aiDraft); }));
            })
            .catch(function (error) { toast(messages.loadFailed, "error"); failure(error); });
        }
      ],
      eventDidMount: function (info) {
        var item = info.event.extendedProps;
        if (item.kind === "plan") {
          info.el.setAttribute("data-plan-item", item.plan_item_id);
          info.el.setAttribute("data-status", "ai-draft");
          info.el.setAttribute("data-local-start", item.local_start);
          info.el.setAttribute("tabindex", "0");
          info.el.setAttribute("role", "button");
          info.el.addEventListener("keydown", function (e) {
            if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openPlanItem(config, item.plan_item_id); }
          });
          return;
        }
        info.el.setAttribute("data-variant", item.variant_id);
        info.el.setAttribute("data-occurrence", item.occurrence);
        info.el.setAttribute("data-status", item.status);
        info.el.setAttribute("data-local-start", item.local_start);
        info.el.style.borderLeftColor = NETWORK_COLORS[item.network] || "#667085";
        // The list has room for the whole excerpt: let it wrap instead of cutting it.
        if (info.view && info.view.type.indexOf("list") === 0) info.el.classList.add("cal-wrap");
        if (item.attention) info.el.setAttribute("title", messages.attention + " · " + item.title);
      },
      eventClick: function (info) {
        if (info.jsEvent) info.jsEvent.preventDefault();
        if (info.event.extendedProps.kind === "plan") { openPlanItem(config, info.event.extendedProps.plan_item_id); return; }
        window.location.href = config.postUrl.replace("{post_id}", info.event.extendedProps.post_id);
      },
      eventDrop: function (info) {
        var item = info.event.extendedProps;
        var target = shiftWallTime(item.local_start, info.delta);
        if (!target) { info.revert(); return; }
        fetch(config.scheduleUrl.replace("{post_id}", item.post_id), {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken() },
          body: JSON.stringify({ local_time: target, variant_ids: [item.variant_id] })
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            if (!response.ok) {
              info.revert();
              var code = String(body.type || "").split("/").pop();
              var reason = (messages.reasons || {})[code];
              var words = reason ? reason.replace("{value}", target.replace("T", " ")) : (body.detail || response.status);
              toast(messages.refused + " " + words, "error");
              return;
            }
            toast(messages.moved, "success");
            calendar.refetchEvents();
          });
        }).catch(function () {
          info.revert();
          toast(document.body.dataset.offlineMessage || messages.loadFailed, "error");
        });
      }
    });
    calendar.render();
    window.orchestreCalendar = calendar;
    var form = document.getElementById("calendar-filters");
    if (form) form.addEventListener("change", function () { calendar.refetchEvents(); });
    // A plan was proposed, or a draft accepted or discarded: show the calendar as it is now.
    document.body.addEventListener("plan:changed", function () { calendar.refetchEvents(); });
    // An import's report arrived: show the posts it scheduled.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.id === "import-report") calendar.refetchEvents();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
