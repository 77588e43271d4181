// The live view (docs/web.md): the server pushes a snapshot of the pool whenever it changes, and
// log lines for what changed, as Server-Sent Events; this page only draws them. Ids are strings.
'use strict';
window.rdcPageLoadedAt = Date.now(); // a reload would reset it (the browser test checks it survives)

const STATE_COLOURS = { EXECUTING: '#c8e6c9', FROZEN: '#bbdefb', FAULTING: '#ffcc80', MIGRATING: '#fff59d',
  UNREACHABLE: '#ef9a9a', INCHOATE: '#e0e0e0', DEAD: '#e0e0e0' };

const cy = cytoscape({
  container: document.getElementById('graph'),
  wheelSensitivity: 0.3,
  style: [
    { selector: 'node', style: { 'font-size': 11, 'text-wrap': 'wrap' } },
    { selector: 'node.pool-node', style: { shape: 'round-rectangle', 'background-color': '#eef1f5', 'border-width': 2, 'border-color': '#90a4ae',
        label: 'data(label)', 'text-valign': 'top', 'text-halign': 'center', 'font-weight': 'bold', padding: 14, 'min-width': 130, 'min-height': 50, 'text-margin-y': -2 } },
    { selector: 'node.pool-node:childless', style: { width: 130, height: 50 } },
    { selector: 'node.pool-node.unreachable', style: { 'background-color': '#ffebee', 'border-color': '#d32f2f', 'border-width': 4, color: '#d32f2f' } },
    { selector: 'node.incarnation', style: { shape: 'round-rectangle', width: 'label', height: 'label', padding: 8, label: 'data(label)',
        'text-valign': 'center', 'background-color': 'data(colour)', 'border-width': 1, 'border-color': '#607d8b' } },
    { selector: 'node.incarnation:selected', style: { 'border-width': 3, 'border-color': '#1565c0' } },
    { selector: 'node.channel', style: { shape: 'ellipse', width: 'label', height: 'label', padding: 6, label: 'data(label)', 'font-size': 10,
        'text-valign': 'center', 'background-color': '#fff', 'border-width': 1, 'border-style': 'dashed', 'border-color': '#78909c' } },
    { selector: 'edge', style: { width: 1.5, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', label: 'data(label)', 'font-size': 9,
        'line-color': '#90a4ae', 'target-arrow-color': '#90a4ae', 'text-background-color': '#fff', 'text-background-opacity': 0.8 } },
    { selector: 'edge.stream', style: { 'line-color': '#5c6bc0', 'target-arrow-color': '#5c6bc0' } },
  ],
  layout: { name: 'preset' },
});
window.rdcCy = cy;
window.rdcRenders = 0;

let model = null;
let selected = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function nodeLabel(n) {
  return `node ${n.id} (${n.name})\n` + (n.reachable ? `load ${n.load.toFixed(1)}` : 'UNREACHABLE');
}

function incLabel(i) {
  return `${i.name}\n${i.module} · ${i.state}${i.queued ? ' · queued ' + i.queued : ''}`;
}

function renderLists(m) {
  const box = document.getElementById('nodes');
  box.replaceChildren();
  for (const n of m.nodes) {
    const list = el('ul');
    for (const i of m.incarnations.filter((x) => x.node === n.id)) {
      const li = el('li', { class: 'inc' + (i.id === selected ? ' selected' : ''), 'data-inc-id': i.id, 'data-inc-name': i.name, 'data-state': i.state, title: i.id },
        el('span', { class: 'name' }, i.name), el('span', { class: 'module' }, i.module),
        el('span', { class: 'state ' + i.state.toLowerCase() }, i.state), el('span', { class: 'queue' }, 'queued ' + i.queued));
      li.addEventListener('click', () => select(i.id));
      list.append(li);
    }
    const here = list.children.length;
    const meta = n.reachable ? `load ${n.load.toFixed(1)} · ${here} incarnation${here === 1 ? '' : 's'}` : 'UNREACHABLE';
    box.append(el('div', { class: 'node' + (n.reachable ? '' : ' unreachable'), 'data-node-id': n.id, 'data-reachable': String(n.reachable) },
      el('div', { class: 'title' }, `node ${n.id} (${n.name})`, el('span', { class: 'meta' }, meta)), list));
  }
  const incs = m.incarnations.length, lost = m.nodes.filter((n) => !n.reachable).length;
  document.getElementById('summary').textContent =
    `${m.nodes.length} nodes${lost ? ` (${lost} unreachable)` : ''} · ${incs} incarnations · ${m.channels.length} channels`;
}

/** Brings the graph to the model: adds, removes and re-parents elements; lays out again only when its shape changed. */
function renderGraph(m) {
  const want = new Map();
  for (const n of m.nodes) want.set('n' + n.id, { group: 'nodes', classes: 'pool-node' + (n.reachable ? '' : ' unreachable'),
    data: { id: 'n' + n.id, label: nodeLabel(n), reachable: n.reachable } });
  for (const i of m.incarnations) want.set('i' + i.id, { group: 'nodes', classes: 'incarnation',
    data: { id: 'i' + i.id, parent: 'n' + i.node, label: incLabel(i), colour: STATE_COLOURS[i.state] || '#e0e0e0', state: i.state, inc: i.id, name: i.name } });
  for (const c of m.channels) want.set('c' + c.id, { group: 'nodes', classes: 'channel',
    data: { id: 'c' + c.id, label: (c.label ? c.label + '\n' : '') + c.id + (c.multicast ? ' (multicast)' : '') } });
  for (const e of m.edges) want.set(e.id, { group: 'edges', classes: e.kind, data: { id: e.id, source: e.source, target: e.target, label: e.label } });
  let reshaped = false;
  cy.batch(() => {
    cy.elements().forEach((ele) => { if (!want.has(ele.id())) { ele.remove(); reshaped = true; } });
    const edges = [];
    for (const [id, w] of want) {
      const have = cy.getElementById(id);
      if (have.empty()) {
        if (w.group === 'edges') edges.push(w); else { cy.add(w); reshaped = true; }
        continue;
      }
      if (w.group === 'nodes' && (w.data.parent || null) !== (have.data('parent') || null)) {
        // a migration: the box moves into its new node's box, below what is there (no new layout: the picture stays put)
        const parent = cy.getElementById(w.data.parent);
        const box = parent.boundingBox();
        have.move({ parent: w.data.parent });
        have.position({ x: (box.x1 + box.x2) / 2, y: parent.isParent() ? box.y2 + 10 : (box.y1 + box.y2) / 2 });
      }
      const data = Object.assign({}, w.data); delete data.parent;
      have.data(data);
      have.classes(w.classes);
    }
    if (edges.length) { cy.add(edges); reshaped = true; }
  });
  if (reshaped) cy.layout({ name: 'cose', animate: false, randomize: false, nodeDimensionsIncludeLabels: true,
    idealEdgeLength: 60, nodeRepulsion: 9000, componentSpacing: 60, padding: 20 }).run();
}

function render(m) {
  if (!m.nodes) return; // the server has not looked at the pool yet
  const started = performance.now();
  const before = model;
  model = m;
  window.rdcModel = m;
  renderLists(m);
  renderGraph(m);
  window.rdcRenders++;
  window.rdcRenderMillis = performance.now() - started; // how long drawing took (layout included)
  if (selected) {
    const now = m.incarnations.find((i) => i.id === selected);
    const then = before && before.incarnations.find((i) => i.id === selected);
    if (!now) showDetail(selected, '(gone)');
    else if (JSON.stringify(now) !== JSON.stringify(then)) select(selected); // it changed: inspect it again
  }
}

function showDetail(id, text) {
  document.getElementById('detail-name').textContent = id;
  document.getElementById('detail').textContent = text;
}

async function select(id) {
  selected = id;
  document.querySelectorAll('.inc').forEach((li) => li.classList.toggle('selected', li.dataset.incId === id));
  cy.$(':selected').unselect();
  cy.getElementById('i' + id).select();
  try {
    const r = await fetch('/api/incarnation/' + encodeURIComponent(id));
    const body = await r.json();
    if (selected === id) showDetail(body.name ? `${body.name} (${id})` : id, r.ok ? body.text : body.error);
  } catch (e) {
    if (selected === id) showDetail(id, 'cannot inspect: ' + e);
  }
}

cy.on('tap', 'node.incarnation', (evt) => select(evt.target.data('inc')));

function addLog(entries) {
  const log = document.getElementById('log');
  for (const e of entries) {
    const t = new Date(e.at).toISOString().substring(11, 23);
    log.prepend(el('li', {}, el('time', {}, t), e.text));
  }
  while (log.children.length > 500) log.lastChild.remove();
}

const events = new EventSource('/api/events');
const connection = document.getElementById('connection');
events.addEventListener('model', (e) => render(JSON.parse(e.data)));
events.addEventListener('log', (e) => addLog(JSON.parse(e.data)));
events.onopen = () => { connection.textContent = 'live'; connection.className = 'up'; };
events.onerror = () => { connection.textContent = 'disconnected, retrying…'; connection.className = 'down'; };
