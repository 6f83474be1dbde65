// MstGad live page: renders /api/state, then applies the server-sent events of /api/events.
(function () {
  'use strict';
  const token = new URLSearchParams(location.search).get('token');
  const query = token ? '?token=' + encodeURIComponent(token) : '';
  const svgNs = 'http://www.w3.org/2000/svg';
  let state = null;
  let pending = false;

  function el(tag, attrs, text) {
    const node = tag.startsWith('svg:') ? document.createElementNS(svgNs, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function time(value) {
    if (value === null || value === undefined) return '—';
    const d = new Date(value);
    return d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  }

  function fmt(x) { return x === null || x === undefined ? '—' : (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2)); }

  function renderHealth(h, connected) {
    const box = document.getElementById('health');
    box.replaceChildren();
    if (!h) { box.textContent = connected ? 'waiting…' : 'disconnected'; return; }
    const st = el('span', { class: 'state ' + (connected ? h.state : 'disconnected') }, connected ? h.state : 'disconnected');
    box.append(st,
      el('span', {}, 'watermark ' + time(h.watermark)),
      el('span', {}, 'queue ' + h.queuedRecords),
      el('span', {}, 'received ' + h.recordsReceived + (h.recordsRejected ? ' (refused ' + h.recordsRejected + ')' : '')),
      el('span', {}, 'steps ' + h.stepsClosed),
      el('span', {}, 'checkpoint ' + (h.checkpointAgeSeconds === null ? 'none' : Math.round(h.checkpointAgeSeconds) + ' s ago')));
  }

  function renderIncidents() {
    const box = document.getElementById('incidents');
    const list = state.incidents;
    document.getElementById('incident-count').textContent = list.length ? '(' + list.filter(i => i.open).length + ' open, ' + list.length + ' shown)' : '';
    box.replaceChildren();
    if (!list.length) { box.append(el('p', { class: 'empty' }, 'No incident yet.')); return; }
    for (const i of list) {
      const card = el('div', { class: 'incident' + (i.open ? ' open' : ''), 'data-instance': i.instance, 'data-id': String(i.id) });
      card.append(el('div', { class: 'title' }, (i.open ? 'OPEN · ' : '') + i.instance));
      card.append(el('div', { class: 'meta' }, 'since ' + time(i.start) + (i.end ? ' until ' + time(i.end) : '') + ' · ' + i.flaggedSteps + ' flagged steps · peak score ' + fmt(i.peakScore) + ' · group ' + i.group));
      if (i.rootCauses && i.rootCauses.length) {
        card.append(el('div', { class: 'meta' }, 'Root-cause candidates:'));
        const ol = el('ol');
        for (const c of i.rootCauses) {
          const li = el('li', {}, c.instance + ' (score ' + fmt(c.score) + ')');
          if (c.path && c.path.length) li.append(el('div', { class: 'path' }, c.path.join('\n')));
          ol.append(li);
        }
        card.append(ol);
      }
      if (i.evidence && i.evidence.length) {
        const ul = el('ul', { class: 'evidence' });
        for (const e of i.evidence) ul.append(el('li', {}, e));
        card.append(ul);
      }
      box.append(card);
    }
  }

  function renderStrips() {
    const box = document.getElementById('strips');
    const th = state.threshold;
    document.getElementById('strip-hint').textContent = 'score (up to ' + Math.round(state.historySeconds / 3600) + ' h back; scale 0 to 3× the threshold); dashed: threshold ' + fmt(th) + '; red dots: flagged steps';
    if (!state.instances.length) { box.replaceChildren(el('p', { class: 'empty' }, 'Waiting for the first scored step…')); return; }
    const end = state.lastStep ? new Date(state.lastStep).getTime() : Date.now();
    const first = Math.min(...state.instances.filter(i => i.points.length).map(i => i.points[0][0]));
    const start = Math.max(end - state.historySeconds * 1000, Number.isFinite(first) ? first : end - 1) ;
    const span = Math.max(end - start, 1);
    const open = new Set(state.incidents.filter(i => i.open).map(i => i.instance));
    const rows = state.instances.slice().sort((a, b) => {
      const fa = open.has(a.name) ? 0 : 1, fb = open.has(b.name) ? 0 : 1;
      return fa - fb || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
    box.replaceChildren();
    for (const inst of rows) {
      const width = 600, height = 26;
      // The scale ends at three times the threshold (larger scores are drawn at the top), so every strip reads alike.
      const max = th && th > 0 ? th * 3 : Math.max(1, ...inst.points.map(p => p[1] || 0));
      const x = t => ((t - start) / span) * width;
      const y = v => height - 2 - (Math.max(0, Math.min(v || 0, max)) / max) * (height - 4);
      const svg = el('svg:svg', { viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'none' });
      if (th) svg.append(el('svg:line', { class: 'threshold', x1: 0, x2: width, y1: y(th), y2: y(th) }));
      const pts = inst.points.filter(p => p[1] !== null).map(p => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1));
      if (pts.length) svg.append(el('svg:polyline', { class: 'score', points: pts.join(' ') }));
      for (const p of inst.points) if (p[2]) svg.append(el('svg:circle', { class: 'flag', cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.2 }));
      const last = inst.points.length ? inst.points[inst.points.length - 1] : null;
      const row = el('div', { class: 'strip' + (last && last[2] ? ' flagged' : ''), 'data-instance': inst.name });
      row.append(el('div', { class: 'name', title: inst.name }, inst.name), svg, el('div', { class: 'last' }, last ? fmt(last[1]) : '—'));
      box.append(row);
    }
  }

  function renderGraph() {
    const svg = document.getElementById('graph');
    svg.replaceChildren();
    const defs = el('svg:defs');
    const marker = el('svg:marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 18, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' });
    marker.append(el('svg:path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#90a4ae' }));
    defs.append(marker);
    svg.append(defs);
    const nodes = state.graph.nodes;
    if (!nodes.length) return;
    // A circle with every label written outward along its radius (turned over on the left half), so that labels
    // cover neither the edges nor each other and stay inside the view box.
    const cx = 320, cy = 280, r = Math.min(130, 40 + nodes.length * 6);
    const pos = {}, angle = {};
    nodes.forEach((n, i) => {
      const a = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
      angle[n.name] = a;
      pos[n.name] = [cx + r * Math.cos(a), cy + r * Math.sin(a)];
    });
    for (const [a, b] of state.graph.edges) {
      if (!pos[a] || !pos[b] || a === b) continue;
      svg.append(el('svg:line', { class: 'edge', x1: pos[a][0], y1: pos[a][1], x2: pos[b][0], y2: pos[b][1] }));
    }
    for (const n of nodes) {
      const g = el('svg:g', { class: 'node' + (n.suspected ? ' suspected' : ''), 'data-instance': n.name });
      const [x, y] = pos[n.name], a = angle[n.name];
      g.append(el('svg:circle', { cx: x, cy: y, r: 6 }));
      const label = n.name.length > 22 ? n.name.slice(0, 21) + '…' : n.name;
      const left = Math.cos(a) < -1e-9;
      const degrees = (a * 180) / Math.PI + (left ? 180 : 0);
      g.append(el('svg:text', {
        x: x + (left ? -10 : 10), y: y + 3, 'text-anchor': left ? 'end' : 'start',
        transform: 'rotate(' + degrees.toFixed(2) + ' ' + x.toFixed(2) + ' ' + y.toFixed(2) + ')',
      }, label));
      g.append(el('svg:title', {}, n.name));
      svg.append(g);
    }
  }

  function render() {
    pending = false;
    renderHealth(state.health, true);
    renderIncidents();
    renderStrips();
    renderGraph();
  }

  function schedule() {
    if (!pending) { pending = true; requestAnimationFrame(render); }
  }

  function applyStep(step) {
    const byName = new Map(state.instances.map(i => [i.name, i]));
    for (const [name, score, flagged] of step.verdicts) {
      let inst = byName.get(name);
      if (!inst) { inst = { name: name, points: [] }; state.instances.push(inst); byName.set(name, inst); }
      inst.points.push([step.end, score, flagged]);
      const oldest = step.end - state.historySeconds * 1000;
      while (inst.points.length && inst.points[0][0] < oldest) inst.points.shift();
    }
    state.lastStep = step.end;
    const names = new Set(state.graph.nodes.map(n => n.name));
    const flagged = new Set(step.verdicts.filter(v => v[2]).map(v => v[0]));
    for (const i of state.incidents) if (i.open) flagged.add(i.instance);
    for (const [a, b] of step.calls) {
      for (const n of [a, b]) if (!names.has(n)) { state.graph.nodes.push({ name: n, suspected: false }); names.add(n); }
      if (!state.graph.edges.some(e => e[0] === a && e[1] === b)) state.graph.edges.push([a, b]);
    }
    for (const [name] of step.verdicts) if (!names.has(name)) { state.graph.nodes.push({ name: name, suspected: false }); names.add(name); }
    for (const n of state.graph.nodes) n.suspected = flagged.has(n.name);
    schedule();
  }

  function applyIncident(incident) {
    const at = state.incidents.findIndex(i => i.id === incident.id);
    if (at >= 0) state.incidents[at] = incident; else state.incidents.unshift(incident);
    state.incidents.sort((a, b) => (b.open - a.open) || (a.start < b.start ? 1 : -1));
    const open = new Set(state.incidents.filter(i => i.open).map(i => i.instance));
    for (const n of state.graph.nodes) n.suspected = n.suspected || open.has(n.name);
    schedule();
  }

  function connect() {
    const source = new EventSource('api/events' + query);
    source.addEventListener('step', e => { if (state) applyStep(JSON.parse(e.data)); });
    source.addEventListener('incident', e => { if (state) applyIncident(JSON.parse(e.data)); });
    source.addEventListener('health', e => { if (state) { state.health = JSON.parse(e.data); renderHealth(state.health, true); } });
    source.onerror = () => { if (state) renderHealth(state.health, false); };
    source.onopen = () => load();
  }

  function load() {
    fetch('api/state' + query, { cache: 'no-store' })
      .then(r => { if (!r.ok) throw new Error('api/state: ' + r.status); return r.json(); })
      .then(s => { state = s; render(); })
      .catch(() => renderHealth(null, false));
  }

  connect();
})();
