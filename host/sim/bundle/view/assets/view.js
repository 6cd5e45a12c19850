// The run viewer's script (host/sim/bundle/view): draws the run held in
// the page's JSON as an SVG sequence diagram. It builds every element with
// createElementNS and sets text with textContent, never by parsing markup,
// and fetches nothing.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('aura-run').textContent);
  var lanes = data.lifelines || [], rows = data.rows || [], msgs = data.messages || [];
  var LANE = 176, ROW = 18, GUT = 92, HEAD = 44, PAD = 10;
  var nl = Math.max(lanes.length, 1);
  var width = GUT + nl * LANE + 110; // room for the last lifeline's labels
  var height = PAD * 2 + Math.max(rows.length, 1) * ROW;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, String(attrs[k])); }
    }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function short(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '\u2026' : s;
  }
  // text adds a label, cut to fit, with its whole text as a tooltip.
  function text(parent, x, y, s, cls, anchor, max) {
    var t = el('text', { x: x, y: y, 'class': cls || 'lbl', 'text-anchor': anchor || 'start' }, parent);
    t.textContent = short(s, max || 30);
    var tip = el('title', {}, t);
    tip.textContent = s;
    return t;
  }
  function lx(l) { return GUT + l * LANE + LANE / 2; }
  function ry(r) { return PAD + r * ROW + ROW / 2; }
  function ms(t) { return t < 0 ? '' : t + ' ms'; }
  function sizeText(n) { return n + ' B'; }

  document.getElementById('title').textContent = data.title + (data.file ? ' \u2014 ' + data.file : '');
  document.title = data.title;
  var summary = document.getElementById('summary');
  (data.runs || []).forEach(function (r, i) {
    var span = document.createElement('span');
    var what = 'run ' + r.name + (r.protocol && r.protocol !== r.name ? ' (' + r.protocol + ')' : '') + ': ' + r.status;
    if (r.finished_ms >= 0) { what += ', finished at ' + r.finished_ms + ' ms'; }
    if (r.steps) { what += ', ' + r.steps + ' machine steps'; }
    if (r.fault) { what += ' \u2014 ' + r.fault; }
    span.textContent = (i ? '; ' : '') + what;
    if (r.status !== 'ok' && r.status !== 'recorded') { span.className = 'bad'; }
    summary.appendChild(span);
  });
  var counts = document.createElement('span');
  counts.textContent = ' \u00b7 ' + lanes.length + ' lifelines, ' + msgs.length + ' messages, ' + rows.length + ' diagram steps \u00b7 time: ' + data.time_note;
  summary.appendChild(counts);
  var notes = document.getElementById('notes');
  (data.notes || []).forEach(function (n) {
    var p = document.createElement('p');
    p.textContent = n;
    notes.appendChild(p);
  });

  // Lifeline headers: their own SVG, sticky at the top of the scroller.
  var diagram = document.getElementById('diagram');
  var heads = el('svg', { id: 'heads', width: width, height: HEAD }, diagram);
  lanes.forEach(function (l, i) {
    var g = el('g', { 'class': 'lane-head' }, heads);
    el('rect', { x: lx(i) - LANE / 2 + 6, y: 4, width: LANE - 12, height: HEAD - 8, rx: 4 }, g);
    text(g, lx(i), 20, l.name, 'name', 'middle', 24);
    if (l.roles && l.roles.length) { text(g, lx(i), 34, l.roles.join(', '), 'roles', 'middle', 30); }
  });
  text(heads, 8, 26, 'time', 'time', 'start', 10);

  var body = el('svg', { id: 'body', width: width, height: height }, diagram);
  var defs = el('defs', {}, body);
  var mk = el('marker', { id: 'head', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z', 'class': 'marker' }, mk);
  var cursor = el('rect', { 'class': 'cursor', x: 0, y: 0, width: width, height: ROW }, body);
  var gTicks = el('g', {}, body), gLanes = el('g', {}, body), gSpans = el('g', {}, body);
  var gRows = el('g', {}, body), gMsgs = el('g', {}, body);

  lanes.forEach(function (l, i) {
    el('line', { 'class': 'lifeline', x1: lx(i), y1: 0, x2: lx(i), y2: height }, gLanes);
  });

  // The time axis: a row's time where it changes (exact: a clock reading,
  // a fault or an outcome; "≥": the least it can be).
  var lastTime = null;
  rows.forEach(function (r, i) {
    var label = r.time_ms < 0 ? '' : (r.exact ? '' : '\u2265 ') + ms(r.time_ms);
    if (label !== lastTime) {
      if (label) {
        el('line', { 'class': 'tick', x1: 0, y1: ry(i) - ROW / 2, x2: width, y2: ry(i) - ROW / 2 }, gTicks);
        text(gTicks, GUT - 10, ry(i) + 4, label, r.exact ? 'time' : 'time bound', 'end', 14);
      }
      lastTime = label;
    }
  });

  function laneSpan(r) {
    var ls = r.lanes && r.lanes.length ? r.lanes : null;
    if (!ls) { return [0, nl - 1]; }
    return [Math.min.apply(null, ls), Math.max.apply(null, ls)];
  }

  // Crashed agents and partitioned lifelines: a mark along the lifeline
  // from the fault's start to its end (or the end of the run).
  var spans = [];
  var open = {};
  rows.forEach(function (r, i) {
    if (r.kind !== 'fault' || (r.effect !== 'crash' && r.effect !== 'partition') || !r.lanes) { return; }
    r.lanes.forEach(function (l) {
      var key = r.effect + ':' + l;
      if (r.phase === 'start') {
        open[key] = { start: i, lane: l, cls: r.effect === 'crash' ? 'down' : 'partitioned' };
      } else if (open[key]) {
        open[key].end = i;
        spans.push(open[key]);
        delete open[key];
      }
    });
  });
  Object.keys(open).forEach(function (k) { open[k].end = rows.length; spans.push(open[k]); });
  spans.forEach(function (s) {
    var off = s.cls === 'down' ? 0 : 4;
    s.el = el('line', { 'class': s.cls, x1: lx(s.lane) + off, y1: ry(s.start), x2: lx(s.lane) + off, y2: s.end >= rows.length ? height : ry(s.end) }, gSpans);
  });

  var rowEls = rows.map(function (r, i) {
    var g = el('g', { 'class': 'row ' + r.kind + (r.bad ? ' bad' : '') + (r.phase === 'end' ? ' end' : ''), 'data-row': i }, gRows);
    el('rect', { 'class': 'hit', x: 0, y: ry(i) - ROW / 2, width: width, height: ROW }, g);
    var y = ry(i);
    if (r.kind === 'effect') {
      el('rect', { 'class': 'effect k-' + r.effect + (r.bad ? ' bad' : ''), x: lx(r.lane) - 5, y: y - 5, width: 10, height: 10, rx: 2 }, g);
      text(g, lx(r.lane) + 9, y + 4, r.label + (r.error ? ' \u2716 ' + r.error : ''), 'lbl', 'start', 26);
    } else if (r.kind === 'send' || r.kind === 'arrive') {
      el('circle', { 'class': 'end-dot', cx: lx(r.lane), cy: y, r: 2.5 }, g);
    } else if (r.kind === 'fault') {
      var s = laneSpan(r);
      el('rect', { 'class': 'band', x: lx(s[0]) - LANE / 2 + 4, y: y - ROW / 2 + 2, width: (s[1] - s[0] + 1) * LANE - 8, height: ROW - 4, rx: 3 }, g);
      text(g, lx(s[0]) - LANE / 2 + 10, y + 4, '\u26a1 ' + r.label, 'lbl', 'start', 28 + (s[1] - s[0]) * 28);
    } else {
      el('line', { x1: GUT, y1: y, x2: width - PAD, y2: y }, g);
      var t = text(g, GUT + 6, y - 3, r.label + (r.error ? ' \u2014 ' + r.error : ''), 'lbl', 'start', 90);
      t.setAttribute('y', y - 3);
    }
    g.addEventListener('click', function () { show(i, false); });
    return g;
  });

  // Messages: an arrow from the send row to the arrival row, labelled
  // at the sender; one never delivered ends in a cross.
  var msgEls = msgs.map(function (m) {
    var g = el('g', { 'class': 'arrow' }, gMsgs);
    var x1 = lx(m.from), x2 = lx(m.to);
    var dir = x2 >= x1 ? 1 : -1;
    var label = m.label + ' \u00b7 ' + sizeText(m.size);
    if (m.send >= 0 && m.arrive >= 0) {
      el('line', { x1: x1, y1: ry(m.send), x2: x2 - dir * 3, y2: ry(m.arrive), 'marker-end': 'url(#head)' }, g);
    } else if (m.send >= 0) {
      g.setAttribute('class', 'arrow lost');
      var xm = x1 + (x2 - x1) * 0.55, ym = ry(m.send) + ROW * 0.6;
      el('line', { x1: x1, y1: ry(m.send), x2: xm, y2: ym }, g);
      el('path', { 'class': 'cross', d: 'M' + (xm - 4) + ',' + (ym - 4) + ' l8,8 m0,-8 l-8,8' }, g);
      label += ' (not delivered)';
    } else if (m.arrive >= 0) {
      el('line', { x1: x1, y1: ry(m.arrive) - ROW, x2: x2 - dir * 3, y2: ry(m.arrive), 'marker-end': 'url(#head)' }, g);
    }
    var at = m.send >= 0 ? m.send : m.arrive;
    text(g, x1 + dir * 8, ry(at) - 3, label, 'lbl', dir > 0 ? 'start' : 'end', 28);
    return g;
  });

  var stepInput = document.getElementById('step');
  var stepInfo = document.getElementById('stepinfo');
  var fields = document.getElementById('fields');
  var scroller = document.getElementById('scroller');
  stepInput.max = String(Math.max(rows.length - 1, 0));
  var current = -1;

  function field(name, value) {
    if (value === undefined || value === null || value === '') { return; }
    var dt = document.createElement('dt'), dd = document.createElement('dd');
    dt.textContent = name;
    dd.textContent = String(value);
    fields.appendChild(dt);
    fields.appendChild(dd);
  }

  // show reveals the run up to step i: rows after it and messages not yet
  // sent are hidden, messages sent and not yet arrived drawn dashed.
  function show(i, scroll) {
    if (!rows.length) { stepInfo.textContent = 'the record has no steps'; return; }
    i = Math.max(0, Math.min(rows.length - 1, i));
    current = i;
    stepInput.value = String(i);
    rowEls.forEach(function (g, j) { g.classList.toggle('future', j > i); });
    msgEls.forEach(function (g, j) {
      var m = msgs[j];
      var from = m.send >= 0 ? m.send : m.arrive;
      g.classList.toggle('future', from > i);
      g.classList.toggle('inflight', m.arrive > i);
      g.classList.toggle('current', m.send === i || m.arrive === i);
    });
    spans.forEach(function (s) { s.el.classList.toggle('future', s.start > i); });
    cursor.setAttribute('y', ry(i) - ROW / 2);
    var r = rows[i];
    stepInfo.textContent = 'step ' + (i + 1) + ' of ' + rows.length + (r.time_ms >= 0 ? ' \u00b7 ' + (r.exact ? '' : '\u2265 ') + ms(r.time_ms) : '');
    while (fields.firstChild) { fields.removeChild(fields.firstChild); }
    field('step', (i + 1) + ' of ' + rows.length);
    field('time', r.time_ms >= 0 ? (r.exact ? '' : 'at least ') + ms(r.time_ms) : 'not known (before the first clock reading)');
    field('what', r.kind + (r.effect ? ' (' + r.effect + ')' : '') + (r.phase ? ' ' + r.phase : ''));
    field('label', r.label);
    if (r.lane >= 0 && lanes[r.lane]) { field('lifeline', lanes[r.lane].name); }
    field('run', r.run);
    field('role', r.role);
    if (r.msg >= 0 && msgs[r.msg]) {
      var m = msgs[r.msg];
      field('message', lanes[m.from].name + ' \u2192 ' + lanes[m.to].name + ': ' + m.label);
      field(r.kind === 'send' ? 'arrives at' : 'sent at', r.kind === 'send' ? (m.arrive >= 0 ? 'step ' + (m.arrive + 1) : 'never (not delivered in this record)') : (m.send >= 0 ? 'step ' + (m.send + 1) : 'not in the record'));
    } else {
      field('peer', r.peer);
    }
    (r.detail || []).forEach(function (f) { field(f.name, f.value); });
    field('error', r.error);
    if (scroll) {
      var y = ry(i) + HEAD;
      if (y < scroller.scrollTop + HEAD + ROW || y > scroller.scrollTop + scroller.clientHeight - ROW) {
        scroller.scrollTop = Math.max(0, y - scroller.clientHeight / 2);
      }
    }
  }

  stepInput.addEventListener('input', function () { show(parseInt(stepInput.value, 10) || 0, true); });
  document.getElementById('prev').addEventListener('click', function () { show(current - 1, true); });
  document.getElementById('next').addEventListener('click', function () { show(current + 1, true); });
  document.addEventListener('keydown', function (ev) {
    if (ev.target === stepInput) { return; } // the slider moves itself
    var to = null;
    switch (ev.key) {
      case 'ArrowLeft': case 'ArrowUp': to = current - 1; break;
      case 'ArrowRight': case 'ArrowDown': to = current + 1; break;
      case 'PageUp': to = current - 10; break;
      case 'PageDown': to = current + 10; break;
      case 'Home': to = 0; break;
      case 'End': to = rows.length - 1; break;
    }
    if (to !== null) {
      ev.preventDefault();
      show(to, true);
    }
  });
  show(rows.length - 1, false);
})();
