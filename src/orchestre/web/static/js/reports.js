// The reports page's guided block editor: the blocks of the JSON field #r-blocks shown as
// rows (kind, its options, move up / down, remove) and an "Add a block" menu. Every change is
// written back into the JSON field, which is what the form sends; editing the JSON by hand
// redraws the rows. The choices and limits come from the server (#report-builder-data), so
// they are the ones `orchestre.analytics.reports.check_blocks` applies.
(function () {
  "use strict";
  var dataEl = document.getElementById("report-builder-data");
  var area = document.getElementById("r-blocks");
  var box = document.getElementById("report-builder");
  if (!dataEl || !area || !box) return;
  var D = JSON.parse(dataEl.textContent);
  var W = D.words;
  var list = box.querySelector("[data-builder=blocks]");
  var adder = box.querySelector("[data-builder=add]");
  var unreadable = document.querySelector("[data-builder=unreadable]");
  var details = document.getElementById("report-blocks-json");
  var blocks = [];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { node.append(child); });
    return node;
  }

  var uid = 0;
  function labelled(text, control) {
    uid += 1;
    control.id = "rb-" + uid;
    return el("div", { "class": "report-block-field" }, [el("label", { "for": control.id, text: text }), control]);
  }

  function select(values, labels, current, onchange) {
    var node = el("select");
    values.forEach(function (value) {
      var option = el("option", { value: value, text: labels[value] || value });
      if (value === current) option.selected = true;
      node.append(option);
    });
    node.addEventListener("change", function () { onchange(node.value); });
    return node;
  }

  function number(value, onchange) {
    var node = el("input", { type: "number", min: "1", max: String(D.max_limit), value: String(value) });
    node.addEventListener("change", function () {
      var n = parseInt(node.value, 10);
      onchange(isNaN(n) ? 5 : Math.min(Math.max(n, 1), D.max_limit));
    });
    return node;
  }

  function fresh(kind) {
    if (kind === "kpis") return { kind: kind, kpis: ["reach", "impressions", "engagement_rate_reach", "posts"] };
    if (kind === "chart") return { kind: kind, chart: "series", kpi: "reach" };
    if (kind === "top_posts") return { kind: kind, kpi: "engagement_rate_reach", order: "top", limit: 5 };
    if (kind === "comments") return { kind: kind, limit: 5 };
    if (kind === "text") return { kind: kind, markdown: "" };
    return { kind: kind };
  }

  function kpiBoxes(block) {
    var chosen = Array.isArray(block.kpis) ? block.kpis : [];
    var group = el("fieldset", { "class": "report-kpis" }, [el("legend", { text: W.kpis })]);
    var inputs = [];
    function limit() {
      inputs.forEach(function (input) { input.disabled = !input.checked && chosen.length >= D.max_kpis; });
    }
    D.kpis.forEach(function (name) {
      var input = el("input", { type: "checkbox", value: name });
      input.checked = chosen.indexOf(name) >= 0;
      input.addEventListener("change", function () {
        // The catalogue's order, whatever the order of the clicks.
        chosen = D.kpis.filter(function (n) {
          return n === name ? input.checked : chosen.indexOf(n) >= 0;
        });
        block.kpis = chosen;
        limit();
        write();
      });
      inputs.push(input);
      group.append(el("label", { "class": "report-kpi" }, [input, " " + D.kpi_labels[name]]));
    });
    limit();
    return group;
  }

  function options(block) {
    var kind = block.kind;
    if (kind === "kpis") return [kpiBoxes(block)];
    if (kind === "chart") {
      var kpiSlot = el("span");
      var drawKpis = function () {
        var allowed = D.chart_kpis[block.chart] || [];
        if (allowed.indexOf(block.kpi) < 0) block.kpi = allowed[0];
        kpiSlot.replaceChildren(labelled(W.kpi, select(allowed, D.kpi_labels, block.kpi, function (v) { block.kpi = v; write(); })));
      };
      var chart = select(Object.keys(D.charts), D.charts, block.chart, function (v) {
        block.chart = v;
        drawKpis();
        write();
      });
      drawKpis();
      return [labelled(W.chart, chart), kpiSlot];
    }
    if (kind === "top_posts") {
      return [
        labelled(W.kpi, select(D.rankable, D.kpi_labels, block.kpi, function (v) { block.kpi = v; write(); })),
        labelled(W.order, select(["top", "bottom"], { top: W.top, bottom: W.bottom }, block.order || "top", function (v) { block.order = v; write(); })),
        labelled(W.limit, number(block.limit || 5, function (v) { block.limit = v; write(); }))
      ];
    }
    if (kind === "comments") {
      return [labelled(W.limit, number(block.limit || 5, function (v) { block.limit = v; write(); }))];
    }
    if (kind === "text") {
      var key = "markdown" in block ? "markdown" : "text";
      var text = el("textarea", { rows: "4", maxlength: "10000" });
      text.value = block[key] || "";
      text.addEventListener("input", function () { block[key] = text.value; write(); });
      return [labelled(W.text, text)];
    }
    if (kind === "goals") return [el("p", { "class": "muted small", text: W.goals })];
    if (kind === "explanation") return [el("p", { "class": "muted small", text: W.explanation })];
    return [];
  }

  function button(text, label, onclick, disabled) {
    var node = el("button", { type: "button", "class": "btn btn-sm btn-ghost", "aria-label": label, title: label, text: text });
    node.disabled = !!disabled;
    node.addEventListener("click", onclick);
    return node;
  }

  function move(index, by) {
    var moved = blocks.splice(index, 1)[0];
    blocks.splice(index + by, 0, moved);
    draw();
  }

  function row(block, index) {
    var name = D.kinds[block.kind] || block.kind;
    var tools = el("span", { "class": "report-block-tools" }, [
      button("↑", W.up + " — " + name, function () { move(index, -1); }, index === 0),
      button("↓", W.down + " — " + name, function () { move(index, 1); }, index === blocks.length - 1),
      button("✕", W.remove + " — " + name, function () { blocks.splice(index, 1); draw(); })
    ]);
    var head = el("div", { "class": "report-block-head" }, [el("strong", { text: (index + 1) + ". " + name }), tools]);
    return el("li", { "class": "report-block", "data-testid": "report-block", "data-kind": block.kind }, [
      head,
      el("div", { "class": "report-block-options" }, options(block))
    ]);
  }

  function write() {
    area.value = JSON.stringify(blocks, null, 2);
  }

  function draw() {
    list.replaceChildren();
    blocks.forEach(function (block, index) { list.append(row(block, index)); });
    adder.disabled = blocks.length >= D.max_blocks;
    write();
  }

  function read() {
    // Blocks the editor cannot show (not JSON, not a list, an unknown kind) stay JSON only.
    var found;
    try { found = JSON.parse(area.value || "[]"); } catch (e) { found = null; }
    var shown = Array.isArray(found) && found.every(function (b) { return b && typeof b === "object" && D.kinds[b.kind]; });
    box.hidden = !shown;
    if (unreadable) unreadable.hidden = shown;
    if (!shown) return false;
    blocks = found;
    draw();
    return true;
  }

  adder.addEventListener("change", function () {
    if (!adder.value) return;
    blocks.push(fresh(adder.value));
    adder.value = "";
    draw();
  });
  area.addEventListener("change", read);
  if (read() && details) details.open = false;
})();
