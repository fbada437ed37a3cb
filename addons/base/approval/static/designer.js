/* The approval flow designer: boxes (start, steps, ends) and arrows in SVG, vanilla JS.
 *
 * The page embeds the flow, the fields conditions may use, roles and users as JSON
 * (#zg-approval-data) and the interface texts (#zg-approval-texts). Save posts the flow
 * as JSON with the CSRF header; the server checks it and answers per-box errors.
 * Every text from data goes through textContent or an attribute, never innerHTML.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 150, H = 56;
  var data = JSON.parse(document.getElementById("zg-approval-data").textContent);
  var T = JSON.parse(document.getElementById("zg-approval-texts").textContent);
  var design = data.design;
  var fields = data.fields || {header: [], line: [], operators: {}};
  var svg = document.getElementById("zg-designer-canvas");
  var panel = document.getElementById("zg-designer-panel");
  var statusBox = document.getElementById("zg-designer-status");
  var errorList = document.getElementById("zg-designer-errors");
  var connectButton = document.getElementById("zg-connect");
  var deleteButton = document.getElementById("zg-delete");
  var selection = null;      // {type: "node", key} or {type: "edge", index}
  var connecting = null;     // false/true, or the key of the box an arrow leaves
  var errors = {};           // "nodes.<key>" / "edges.<i>" / "graph" -> message
  var drag = null;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function html(tag, attrs, text, parent) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function nodeByKey(key) {
    return design.nodes.filter(function (n) { return n.key === key; })[0];
  }

  function center(node) { return {x: node.x + W / 2, y: node.y + H / 2}; }

  // Where the line from a box's centre towards (tx, ty) leaves the box.
  function border(node, tx, ty) {
    var c = center(node), dx = tx - c.x, dy = ty - c.y;
    if (!dx && !dy) { return c; }
    var sx = dx ? (W / 2) / Math.abs(dx) : Infinity, sy = dy ? (H / 2) / Math.abs(dy) : Infinity;
    var s = Math.min(sx, sy);
    return {x: c.x + dx * s, y: c.y + dy * s};
  }

  function fieldTitle(name) { return (T.fields && T.fields[name]) || name; }

  function clauseText(c) {
    var scope = c.scope === "any_line" ? T.any_line + ": " : c.scope === "every_line" ? T.every_line + ": " : "";
    var value = c.value === true ? T.yes : c.value === false ? T.no : String(c.value);
    return scope + fieldTitle(c.field) + " " + c.op + " " + value;
  }

  function edgeLabel(edge) {
    if (!edge.conditions || !edge.conditions.length) { return T.otherwise; }
    return edge.conditions.map(clauseText).join(" " + T.and + " ");
  }

  function nodeTitle(node) {
    if (node.kind === "start") { return T.start; }
    if (node.kind === "end") { return node.name || T.end; }
    return node.name || T.step;
  }

  function approverText(node) {
    if (node.kind !== "step") { return ""; }
    var who = node.approver_kind === "role" ? (data.roles.filter(function (r) { return r.id === node.role_id; })[0] || {}).name
      : node.approver_kind === "manager" ? T.manager_short
      : node.approver_kind === "users" ? (node.user_ids || []).length + " " + T.users_count : T.no_approvers;
    return (who || T.no_approvers) + " · " + (node.mode === "all" ? T.mode_all : T.mode_any);
  }

  function resize() {
    var maxX = 900, maxY = 420;
    design.nodes.forEach(function (n) { maxX = Math.max(maxX, n.x + W + 40); maxY = Math.max(maxY, n.y + H + 60); });
    svg.setAttribute("width", maxX);
    svg.setAttribute("height", maxY);
  }

  function render() {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    resize();
    var defs = el("defs", {}, svg);
    [["zg-arrow", "#4b5563"], ["zg-arrow-on", "#2563eb"], ["zg-arrow-bad", "#dc2626"]].forEach(function (m) {
      var marker = el("marker", {id: m[0], viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "10",
                                 markerHeight: "10", markerUnits: "userSpaceOnUse", orient: "auto-start-reverse"}, defs);
      el("path", {d: "M 0 0 L 10 5 L 0 10 z", fill: m[1]}, marker);
    });
    design.edges.forEach(function (edge, index) {
      var a = nodeByKey(edge.source), b = nodeByKey(edge.target);
      if (!a || !b) { return; }
      var cb = center(b), ca = center(a);
      var p = border(a, cb.x, cb.y), q = border(b, ca.x, ca.y);
      var selected = selection && selection.type === "edge" && selection.index === index;
      var bad = errors["edges." + index];
      var g = el("g", {"class": "zg-edge" + (selected ? " zg-selected" : "") + (bad ? " zg-invalid" : ""),
                       "data-index": index}, svg);
      el("line", {x1: p.x, y1: p.y, x2: q.x, y2: q.y, "class": "zg-edge-hit"}, g);
      el("line", {x1: p.x, y1: p.y, x2: q.x, y2: q.y, "class": "zg-edge-line",
                  "marker-end": "url(#" + (bad ? "zg-arrow-bad" : selected ? "zg-arrow-on" : "zg-arrow") + ")"}, g);
      var label = el("text", {x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 - 6, "class": "zg-edge-label",
                              "text-anchor": "middle"}, g);
      var text = edgeLabel(edge);
      label.textContent = (edge.priority !== 10 ? "[" + edge.priority + "] " : "") +
        (text.length > 40 ? text.slice(0, 39) + "…" : text);
      var title = el("title", {}, g);
      title.textContent = text;
      g.addEventListener("click", function (ev) { ev.stopPropagation(); select({type: "edge", index: index}); });
    });
    design.nodes.forEach(function (node) {
      var selected = selection && selection.type === "node" && selection.key === node.key;
      var g = el("g", {"class": "zg-node zg-node-" + node.kind + (selected ? " zg-selected" : "") +
                       (errors["nodes." + node.key] ? " zg-invalid" : "") + (connecting === node.key ? " zg-from" : ""),
                       transform: "translate(" + node.x + "," + node.y + ")", "data-key": node.key}, svg);
      el("rect", {width: W, height: H, rx: node.kind === "step" ? 6 : 28, ry: node.kind === "step" ? 6 : 28}, g);
      var name = el("text", {x: W / 2, y: node.kind === "step" ? 23 : 33, "text-anchor": "middle",
                             "class": "zg-node-name"}, g);
      var t = nodeTitle(node);
      name.textContent = t.length > 14 ? t.slice(0, 13) + "…" : t;
      if (node.kind === "step") {
        var who = el("text", {x: W / 2, y: 42, "text-anchor": "middle", "class": "zg-node-who"}, g);
        var w = approverText(node);
        who.textContent = w.length > 22 ? w.slice(0, 21) + "…" : w;
      }
      g.addEventListener("mousedown", function (ev) { startDrag(ev, node); });
      g.addEventListener("click", function (ev) { ev.stopPropagation(); clickNode(node); });
    });
    deleteButton.disabled = !selection || (selection.type === "node" && nodeByKey(selection.key) &&
                                           nodeByKey(selection.key).kind === "start");
  }

  function point(ev) {
    var box = svg.getBoundingClientRect();
    return {x: ev.clientX - box.left, y: ev.clientY - box.top};
  }

  function startDrag(ev, node) {
    if (connecting) { return; }
    var p = point(ev);
    drag = {node: node, dx: p.x - node.x, dy: p.y - node.y, moved: false};
    ev.preventDefault();
  }

  document.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var p = point(ev);
    drag.node.x = Math.max(0, Math.round(p.x - drag.dx));
    drag.node.y = Math.max(0, Math.round(p.y - drag.dy));
    drag.moved = true;
    render();
  });
  document.addEventListener("mouseup", function () {
    if (drag && drag.moved) { drag.justMoved = true; }
    setTimeout(function () { drag = null; }, 0);
  });

  function clickNode(node) {
    if (drag && drag.justMoved) { return; }
    if (connecting === true) {
      connecting = node.key;
      setStatus(T.connect_target);
      render();
      return;
    }
    if (typeof connecting === "string") {
      if (connecting !== node.key) {
        design.edges.push({source: connecting, target: node.key, priority: 10, conditions: []});
        connecting = false;
        connectButton.setAttribute("aria-pressed", "false");
        setStatus("");
        select({type: "edge", index: design.edges.length - 1});
        return;
      }
    }
    select({type: "node", key: node.key});
  }

  svg.addEventListener("click", function () { if (!connecting) { select(null); } });

  function setStatus(text) { statusBox.textContent = text || ""; }

  function select(what) {
    selection = what;
    render();
    renderPanel();
  }

  // -- the side panel ------------------------------------------------------------------------

  function labelled(text, control, parent) {
    var id = "zg-f-" + Math.random().toString(36).slice(2);
    control.id = id;
    var wrap = html("div", {"class": "zg-panel-field"}, null, parent);
    html("label", {"for": id}, text, wrap);
    wrap.appendChild(control);
    return control;
  }

  function select_(options, value) {
    var s = html("select", {});
    options.forEach(function (o) {
      var opt = html("option", {value: String(o[0])}, o[1], s);
      if (String(o[0]) === String(value)) { opt.selected = true; }
    });
    return s;
  }

  function renderPanel() {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    if (!selection) {
      html("p", {"class": "zg-muted"}, T.hint, panel);
      return;
    }
    if (selection.type === "node") { nodePanel(nodeByKey(selection.key)); } else { edgePanel(design.edges[selection.index]); }
  }

  function showError(key) {
    if (errors[key]) { html("p", {"class": "zg-panel-error"}, errors[key], panel); }
  }

  function nodePanel(node) {
    html("h2", {}, nodeTitle(node), panel);
    showError("nodes." + node.key);
    if (node.kind === "start") { html("p", {"class": "zg-muted"}, T.start_help, panel); return; }
    var name = labelled(T.name, html("input", {type: "text", maxlength: "100", value: node.name || ""}), panel);
    name.addEventListener("input", function () { node.name = name.value; render(); });
    if (node.kind === "end") { return; }
    var kind = labelled(T.approvers, select_([["manager", T.manager], ["role", T.role], ["users", T.users]],
                                             node.approver_kind || "manager"), panel);
    node.approver_kind = node.approver_kind || "manager";
    kind.addEventListener("change", function () { node.approver_kind = kind.value; render(); renderPanel(); });
    if (node.approver_kind === "role") {
      var roles = labelled(T.role, select_([["", "—"]].concat(data.roles.map(function (r) { return [r.id, r.name]; })),
                                           node.role_id || ""), panel);
      roles.addEventListener("change", function () { node.role_id = roles.value ? parseInt(roles.value, 10) : null; render(); });
    }
    if (node.approver_kind === "users") {
      var box = html("fieldset", {"class": "zg-panel-users"}, null, panel);
      html("legend", {}, T.users, box);
      data.users.forEach(function (u) {
        var row = html("label", {}, null, box);
        var check = html("input", {type: "checkbox", value: String(u.id)}, null, row);
        check.checked = (node.user_ids || []).indexOf(u.id) >= 0;
        row.appendChild(document.createTextNode(" " + u.name));
        check.addEventListener("change", function () {
          var ids = (node.user_ids || []).filter(function (i) { return i !== u.id; });
          if (check.checked) { ids.push(u.id); }
          node.user_ids = ids;
          render();
        });
      });
    }
    var mode = labelled(T.mode, select_([["any", T.mode_any], ["all", T.mode_all]], node.mode || "any"), panel);
    mode.addEventListener("change", function () { node.mode = mode.value; render(); });
    var remind = labelled(T.remind, html("input", {type: "number", min: "0", max: "720", step: "1",
                                                   value: String(node.remind_hours || 0)}), panel);
    remind.addEventListener("input", function () { node.remind_hours = parseInt(remind.value || "0", 10); });
  }

  function fieldsOf(scope) { return scope === "header" ? fields.header : fields.line; }

  function kindOf(scope, name) {
    var f = fieldsOf(scope).filter(function (x) { return x.name === name; })[0];
    return f ? f.kind : "text";
  }

  function edgePanel(edge) {
    var a = nodeByKey(edge.source), b = nodeByKey(edge.target);
    html("h2", {}, nodeTitle(a) + " → " + nodeTitle(b), panel);
    showError("edges." + selection.index);
    var priority = labelled(T.priority, html("input", {type: "number", min: "0", max: "9999",
                                                       value: String(edge.priority)}), panel);
    priority.addEventListener("input", function () { edge.priority = parseInt(priority.value || "10", 10); render(); });
    html("h3", {}, T.conditions, panel);
    if (!edge.conditions.length) { html("p", {"class": "zg-muted"}, T.otherwise_help, panel); }
    edge.conditions.forEach(function (clause, i) {
      var row = html("div", {"class": "zg-clause"}, null, panel);
      var scope = labelled(T.where, select_([["header", T.header], ["any_line", T.any_line], ["every_line", T.every_line]],
                                            clause.scope || "header"), row);
      var names = fieldsOf(clause.scope || "header").map(function (f) { return [f.name, fieldTitle(f.name)]; });
      var field = labelled(T.field, select_(names, clause.field), row);
      var kind = kindOf(clause.scope || "header", clause.field);
      var ops = (fields.operators[kind] || ["="]).map(function (o) { return [o, o]; });
      var op = labelled(T.operator, select_(ops, clause.op), row);
      var value = kind === "bool" ? labelled(T.value, select_([["true", T.yes], ["false", T.no]], String(clause.value)), row)
        : labelled(T.value, html("input", {type: kind === "date" ? "date" : "text", value: String(clause.value)}), row);
      var remove = html("button", {type: "button", "class": "btn btn-sm"}, T.remove, row);
      function sync() {
        clause.scope = scope.value; clause.field = field.value; clause.op = op.value;
        clause.value = kind === "bool" ? value.value === "true" : value.value;
        render();
      }
      scope.addEventListener("change", function () {
        clause.scope = scope.value;
        clause.field = fieldsOf(scope.value)[0].name;
        render(); renderPanel();
      });
      field.addEventListener("change", function () {
        clause.field = field.value;
        var k = kindOf(clause.scope || "header", clause.field);
        clause.op = (fields.operators[k] || ["="])[0];
        clause.value = k === "bool" ? true : "";
        render(); renderPanel();
      });
      op.addEventListener("change", sync);
      value.addEventListener(kind === "bool" ? "change" : "input", sync);
      remove.addEventListener("click", function () { edge.conditions.splice(i, 1); render(); renderPanel(); });
    });
    var add = html("button", {type: "button", "class": "btn", id: "zg-add-condition"}, T.add_condition, panel);
    add.addEventListener("click", function () {
      var first = fields.header.filter(function (f) { return f.name === "amount_total"; })[0] || fields.header[0];
      edge.conditions.push({scope: "header", field: first.name, op: ">", value: ""});
      render(); renderPanel();
    });
  }

  // -- toolbar -------------------------------------------------------------------------------

  document.getElementById("zg-add-step").addEventListener("click", function () {
    var n = 1;
    while (nodeByKey("s" + n)) { n += 1; }
    var maxX = 0;
    design.nodes.forEach(function (x) { maxX = Math.max(maxX, x.x); });
    var node = {key: "s" + n, kind: "step", name: T.step + " " + n, approver_kind: "manager", role_id: null,
                user_ids: [], mode: "any", remind_hours: 0, x: 200 + ((n - 1) % 4) * 190, y: 40 + Math.floor((n - 1) / 4) * 110 + 240 * ((n - 1) % 2)};
    design.nodes.push(node);
    select({type: "node", key: node.key});
  });

  connectButton.addEventListener("click", function () {
    connecting = connecting ? false : true;
    connectButton.setAttribute("aria-pressed", connecting ? "true" : "false");
    setStatus(connecting ? T.connect_source : "");
    render();
  });

  deleteButton.addEventListener("click", function () {
    if (!selection) { return; }
    if (selection.type === "edge") {
      design.edges.splice(selection.index, 1);
    } else {
      var key = selection.key;
      design.nodes = design.nodes.filter(function (n) { return n.key !== key; });
      design.edges = design.edges.filter(function (e) { return e.source !== key && e.target !== key; });
    }
    select(null);
  });

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showErrors() {
    while (errorList.firstChild) { errorList.removeChild(errorList.firstChild); }
    Object.keys(errors).forEach(function (key) {
      var where = "";
      if (key.indexOf("nodes.") === 0) {
        var n = nodeByKey(key.slice(6));
        where = n ? nodeTitle(n) + ": " : "";
      } else if (key.indexOf("edges.") === 0) {
        var e = design.edges[parseInt(key.slice(6), 10)];
        where = e ? nodeTitle(nodeByKey(e.source) || {}) + " → " + nodeTitle(nodeByKey(e.target) || {}) + ": " : "";
      }
      html("li", {}, where + errors[key], errorList);
    });
  }

  document.getElementById("zg-save").addEventListener("click", function () {
    setStatus(T.saving);
    fetch(data.save_url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrfToken(), "Accept": "application/json"},
      body: JSON.stringify({nodes: design.nodes, edges: design.edges})
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      errors = result.ok ? {} : (result.body.errors || {graph: T.failed});
      setStatus(result.ok ? result.body.message : T.fix_errors);
      statusBox.className = "zg-designer-status " + (result.ok ? "zg-ok" : "zg-bad");
      showErrors();
      render();
      renderPanel();
    }).catch(function () {
      setStatus(T.failed);
      statusBox.className = "zg-designer-status zg-bad";
    });
  });

  render();
  renderPanel();
})();
