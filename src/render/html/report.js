// flinspect's HTML report: renders the JSON document in #flinspect-data. No network access,
// no library: tables (sortable, filterable, paged: only one page of rows is in the DOM) and
// SVG charts are drawn here. The page's kind is D.page: "inspect", "check", "diff", "scan" or
// "audit".
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('flinspect-data').textContent);
  performance.mark('flinspect-parsed');
  const app = document.getElementById('app');
  const SVGNS = 'http://www.w3.org/2000/svg';

  // ---- helpers -------------------------------------------------------------------------
  function put(e, attrs, kids) {
    if (attrs) {
      for (const k of Object.keys(attrs)) {
        const v = attrs[k];
        if (v == null || v === false) continue;
        if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
      }
    }
    for (const c of kids.flat(Infinity)) {
      if (c == null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  function h(tag, attrs, ...kids) { return put(document.createElement(tag), attrs, kids); }
  function s(tag, attrs, ...kids) { return put(document.createElementNS(SVGNS, tag), attrs, kids); }

  // Rounds to one decimal as Rust's `{:.1}` does: exact ties go to the even digit.
  function fixed1(v) {
    const t = v * 10;
    const f = Math.floor(t);
    if (t - f === 0.5) return ((f % 2 === 0 ? f : f + 1) / 10).toFixed(1);
    return v.toFixed(1);
  }
  // The same text as flinspect::units::human_bytes.
  function hb(n) {
    if (n == null) return '–';
    if (n < 0) return 'unknown';
    if (n < 1024) return n + ' B';
    const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let v = n / 1024, i = 0;
    while (v >= 1024 && i + 1 < units.length) { v /= 1024; i++; }
    return fixed1(v) + ' ' + units[i];
  }
  function num(n) { return n == null ? '–' : Number(n).toLocaleString('en-US'); }
  function plural(n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); }
  function short(str, n) { return str.length > n ? str.slice(0, n - 1) + '…' : str; }
  function opLabel(o) { return o.uid || o.name || o.id || o.operator_id; }
  function median(xs) {
    if (!xs.length) return 0;
    const v = xs.slice().sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
  function fact(label, value, opts) {
    const o = opts || {};
    return h('div', { className: 'fact' },
      h('dt', null, label),
      h('dd', { 'data-fact': o.key, 'data-value': o.value }, value,
        o.evidence && o.evidence.length ? h('div', { className: 'ev' }, o.evidence.join('; ')) : null));
  }
  function bytesCell(n) { return { text: hb(n), value: n, title: n == null ? null : num(n) + ' bytes' }; }

  // A table over `rows`: columns [{key, label, num, get(row) -> value to sort by,
  // cell(row) -> string | Node | {text, value, title}}]. Only the current page is in the DOM.
  function table(o) {
    const size = o.pageSize || 50;
    const st = { key: o.sortKey || null, dir: o.sortDir || 1, q: '', page: 0, view: o.rows };
    const cols = o.columns;
    const count = h('span', { className: 'muted' });
    let input = null;
    const tools = h('div', { className: 'tools' });
    if (o.filter) {
      input = h('input', {
        type: 'search', id: o.id + '-filter', placeholder: o.filter.placeholder,
        oninput: () => { st.q = input.value.trim().toLowerCase(); st.page = 0; update(); },
      });
      tools.append(input);
    }
    tools.append(count);
    const ths = cols.map(c => h('th', {
      className: (c.num ? 'num ' : '') + (c.nosort ? '' : 'sortable'), 'data-key': c.key, title: c.title,
      onclick: c.nosort ? null : () => {
        if (st.key === c.key) st.dir = -st.dir;
        else { st.key = c.key; st.dir = c.num ? -1 : 1; }
        st.page = 0; update();
      },
    }, c.label));
    const tbody = h('tbody');
    const tbl = h('table', { id: o.id }, h('thead', null, h('tr', null, ths)), tbody);
    const prev = h('button', { type: 'button', className: 'prev', onclick: () => { st.page--; update(); } }, '‹ previous');
    const next = h('button', { type: 'button', className: 'next', onclick: () => { st.page++; update(); } }, 'next ›');
    const where = h('span', { className: 'where' });
    const pager = h('div', { className: 'pager' }, prev, where, next);
    const el = h('div', { className: 'tablewrap' }, tools, tbl, pager);

    function cmp(a, b) {
      if (a == null && b == null) return 0;
      if (a == null) return 1;
      if (b == null) return -1;
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      return String(a).localeCompare(String(b));
    }
    function row(r) {
      const attrs = o.rowAttrs ? o.rowAttrs(r) : {};
      if (o.onClick) {
        attrs.className = ((attrs.className || '') + ' clickable').trim();
        attrs.onclick = () => o.onClick(r);
      }
      return h('tr', attrs, cols.map(c => {
        let v = c.cell ? c.cell(r) : c.get(r);
        const a = { className: c.num ? 'num' : (c.mono ? 'mono' : null), 'data-col': c.key };
        if (v && typeof v === 'object' && !(v instanceof Node)) {
          a['data-value'] = v.value; a.title = v.title; v = v.text;
        }
        return h('td', a, v == null ? '–' : v);
      }));
    }
    function update() {
      let rows = o.rows;
      if (st.pred) rows = rows.filter(st.pred);
      if (st.q) rows = rows.filter(r => o.filter.match(r, st.q));
      if (st.key) {
        const c = cols.find(x => x.key === st.key);
        const idx = new Map(o.rows.map((r, i) => [r, i]));
        rows = rows.slice().sort((a, b) => {
          const ga = c.get(a), gb = c.get(b);
          if (ga == null || gb == null) return cmp(ga, gb) || idx.get(a) - idx.get(b);
          return cmp(ga, gb) * st.dir || idx.get(a) - idx.get(b);
        });
      }
      st.view = rows;
      const pages = Math.max(1, Math.ceil(rows.length / size));
      st.page = Math.min(Math.max(0, st.page), pages - 1);
      const from = st.page * size, to = Math.min(rows.length, from + size);
      tbody.replaceChildren(...rows.slice(from, to).map(row));
      for (const th of ths) {
        if (th.dataset.key === st.key) th.setAttribute('aria-sort', st.dir > 0 ? 'ascending' : 'descending');
        else th.removeAttribute('aria-sort');
      }
      count.textContent = st.q || st.pred ? rows.length + ' of ' + o.rows.length + ' ' + o.noun + ' match' : plural(o.rows.length, o.noun);
      where.textContent = rows.length ? 'rows ' + (from + 1) + '–' + to + ' of ' + rows.length : 'no rows';
      prev.disabled = st.page === 0;
      next.disabled = st.page >= pages - 1;
      pager.style.display = pages > 1 ? '' : 'none';
    }
    // Shows the page that holds `r` (clearing a filter that hides it).
    function reveal(r) {
      if (!st.view.includes(r)) { if (input) input.value = ''; st.q = ''; st.pred = null; update(); }
      const i = st.view.indexOf(r);
      if (i >= 0) { st.page = Math.floor(i / size); update(); }
    }
    // Shows only the rows `pred` accepts (null: all), besides the text filter.
    function only(pred) { st.pred = pred; st.page = 0; update(); }
    update();
    return { el, update, reveal, only };
  }

  // Horizontal bars: items [{label, value, id, title}], the largest first.
  function hbars(id, items, onClick) {
    const W = 1100, rowH = 17, labelW = 260, valueW = 90;
    const max = Math.max(1, ...items.map(x => x.value));
    const svg = s('svg', { id, width: W, height: items.length * rowH + 4, viewBox: '0 0 ' + W + ' ' + (items.length * rowH + 4), role: 'img' });
    items.forEach((x, i) => {
      const y = i * rowH + 2;
      const w = Math.max(x.value > 0 ? 1 : 0, (W - labelW - valueW) * x.value / max);
      svg.append(
        s('text', { x: labelW - 6, y: y + 12, 'text-anchor': 'end' }, short(x.label, 40)),
        s('rect', { className: 'bar', x: labelW, y, width: w, height: rowH - 4, 'data-id': x.id, 'data-value': x.value,
          onclick: onClick ? () => onClick(x) : null, style: onClick ? 'cursor:pointer' : null },
          s('title', null, x.title || x.label)),
        s('text', { x: labelW + w + 5, y: y + 12 }, hb(x.value)));
    });
    return svg;
  }

  function header(title, sub) {
    return [h('h1', null, title), h('div', { className: 'sub' }, sub)];
  }
  function footer() {
    return h('footer', null, 'Written by ' + D.generator + '. The data in this file is the same as the command\u2019s JSON output; it needs no network access.');
  }

  // ---- inspect ---------------------------------------------------------------------------
  const HANDLE_HINTS = {
    KeyGroupsSavepointStateHandle: 'keyed state in the canonical savepoint layout (every backend restores it)',
    KeyGroupsStateHandle: 'keyed state in a backend\u2019s full-snapshot layout (hashmap, or RocksDB full)',
    IncrementalRemoteKeyedStateHandle: 'RocksDB/ForSt native files (incremental: shared + private files)',
    IncrementalLocalKeyedStateHandle: 'RocksDB/ForSt native files in local recovery',
    ChangelogStateBackendHandleImpl: 'changelog state backend: materialized state and changelog',
    ChangelogStateHandleStreamImpl: 'changelog (DSTL) segments',
    InMemoryChangelogStateHandle: 'changelog kept in memory',
    OperatorStreamStateHandle: 'operator state (list, union or broadcast)',
    InputChannelStateHandle: 'in-flight input data of an unaligned checkpoint',
    ResultSubpartitionStateHandle: 'in-flight output data of an unaligned checkpoint',
    MergedInputChannelStateHandle: 'in-flight input data of an unaligned checkpoint (merged)',
    MergedResultSubpartitionStateHandle: 'in-flight output data of an unaligned checkpoint (merged)',
  };

  function inspectPage() {
    const sn = D.snapshot, ops = sn.operators, sub = D.subtasks, files = D.files;
    const inf = sn.inferred;
    const rows = ops.map((op, i) => ({ i, op, sub: sub[i], files: files.operators[i] }));
    const subtaskCount = sub.reduce((n, c) => n + c.index.length, 0);
    app.append(...header('flinspect inspect', sn.path));
    if (sn.damage) {
      app.append(h('div', { className: 'callout bad' }, 'Damaged file: decoding stopped at byte ' + num(sn.damage.offset) + ': ' + sn.damage.message +
        '. The ' + sn.damage.operators_decoded + ' operator(s) below were decoded before it.'));
    }
    const recordedOr = (rec, f) => rec ? [rec, ['recorded in the file']] : f ? [f.value + ' (inferred)', f.evidence] : ['not recorded', []];
    const [kind, kindEv] = recordedOr(sn.snapshot.kind, inf.kind);
    const [fmt, fmtEv] = recordedOr(sn.snapshot.format, inf.format);
    app.append(h('dl', { className: 'grid' },
      fact('Metadata version', 'V' + sn.metadata_version + (sn.flink_releases ? ' (Flink ' + sn.flink_releases + ')' : ''), { key: 'metadata_version', value: sn.metadata_version }),
      fact('Checkpoint id', String(sn.checkpoint_id), { key: 'checkpoint_id', value: sn.checkpoint_id }),
      fact('Kind', kind, { key: 'kind', evidence: kindEv }),
      fact('Format', fmt, { key: 'format', evidence: fmtEv }),
      fact('State backend', inf.backend ? inf.backend.value : 'no keyed state', { key: 'backend', evidence: inf.backend ? inf.backend.evidence : [] }),
      fact('Snapshot mode', inf.mode ? inf.mode.value : '–', { key: 'mode', evidence: inf.mode ? inf.mode.evidence : [] }),
      fact('State size', hb(sn.state_size), { key: 'state_size', value: sn.state_size, evidence: [num(sn.state_size) + ' bytes'] }),
      fact('Operators', num(ops.length), { key: 'operators', value: ops.length }),
      fact('Subtask states', num(subtaskCount), { key: 'subtasks', value: subtaskCount }),
      fact('_metadata size', hb(sn.file_size), { key: 'file_size', value: sn.file_size }),
      fact('In-flight data (unaligned)', inf.unaligned_channel_state ? 'yes' : 'no', { key: 'unaligned' }),
      fact('Keyed layouts', inf.keyed_layouts.length ? inf.keyed_layouts.join(', ') : '–', { key: 'keyed_layouts' }),
    ));

    // Referenced files.
    const st = files.by_storage;
    const cb = k => st[k] || { count: 0, bytes: 0 };
    const fileKinds = ['absolute', 'relative', 'segment'];
    const fileRefs = fileKinds.reduce((n, k) => n + cb(k).count, 0);
    const fileBytes = fileKinds.reduce((n, k) => n + cb(k).bytes, 0);
    app.append(h('h2', null, 'State files referenced'));
    app.append(h('dl', { className: 'grid' },
      fact('References', num(files.references), { key: 'files-references', value: files.references }),
      fact('Distinct files', num(files.distinct_files), { key: 'files-distinct', value: files.distinct_files }),
      fact('In files', plural(fileRefs, 'reference') + ', ' + hb(fileBytes), { key: 'files-in-files', value: fileBytes }),
      fact('Inline in _metadata', plural(cb('inline').count, 'reference') + ', ' + hb(cb('inline').bytes), { key: 'files-inline', value: cb('inline').bytes }),
      files.unknown_size ? fact('Size not recorded', num(files.unknown_size), { key: 'files-unknown' }) : null,
    ));
    const kv = (obj, id, what) => table({
      id, noun: what, pageSize: 20,
      rows: Object.keys(obj).map(k => ({ k, v: obj[k] })),
      columns: [
        { key: 'k', label: what, get: r => r.k },
        { key: 'count', label: 'references', num: true, get: r => r.v.count, cell: r => num(r.v.count) },
        { key: 'bytes', label: 'bytes', num: true, get: r => r.v.bytes, cell: r => bytesCell(r.v.bytes) },
      ],
    }).el;
    app.append(h('div', { className: 'cols' },
      h('div', null, h('h3', null, 'By storage'), kv(st, 'files-by-storage', 'storage')),
      h('div', null, h('h3', null, 'By role'), kv(files.by_role, 'files-by-role', 'role'))));

    // Handle kinds.
    const kinds = new Map();
    for (const op of ops) for (const k of op.handle_kinds) kinds.set(k, (kinds.get(k) || 0) + 1);
    if (ops.some(o => o.coordinator_state)) kinds.set('coordinator state', ops.filter(o => o.coordinator_state).length);
    app.append(h('h2', null, 'Handle kinds'));
    app.append(table({
      id: 'handle-kinds', noun: 'handle kind', pageSize: 30,
      rows: [...kinds.keys()].sort().map(k => ({ k, n: kinds.get(k) })),
      columns: [
        { key: 'k', label: 'handle', mono: true, get: r => r.k },
        { key: 'n', label: 'operators', num: true, get: r => r.n },
        { key: 'hint', label: 'what it means', get: r => HANDLE_HINTS[r.k] || '' },
      ],
    }).el);

    // State size per operator.
    const bySize = rows.filter(r => r.op.state_size > 0).sort((a, b) => b.op.state_size - a.op.state_size || a.i - b.i);
    const TOP = 40;
    app.append(h('h2', null, 'State size per operator'));
    if (bySize.length) {
      const top = bySize.slice(0, TOP);
      app.append(h('div', { className: 'chart' }, hbars('state-chart', top.map(r => ({
        label: opLabel(r.op), value: r.op.state_size, id: r.op.id, title: opLabel(r.op) + ' (' + r.op.id + '): ' + num(r.op.state_size) + ' bytes',
      })), x => select(rows.find(r => r.op.id === x.id)))));
      if (bySize.length > TOP) {
        const rest = bySize.slice(TOP).reduce((n, r) => n + r.op.state_size, 0);
        app.append(h('p', { className: 'muted' }, 'The ' + TOP + ' largest of ' + bySize.length + ' operators with state; the other ' +
          (bySize.length - TOP) + ' hold ' + hb(rest) + ' (all are in the table below).'));
      }
    } else {
      app.append(h('p', { className: 'muted' }, 'No operator holds state.'));
    }

    // Operator table.
    let selected = null;
    app.append(h('h2', null, 'Operators'));
    const opTable = table({
      id: 'operators', noun: 'operator', pageSize: 50,
      rows,
      filter: { placeholder: 'filter by uid, name or id', match: (r, q) => [r.op.uid, r.op.name, r.op.id].some(x => x && x.toLowerCase().includes(q)) },
      onClick: r => select(r),
      rowAttrs: r => ({ 'data-id': r.op.id, className: r === selected ? 'selected' : null }),
      columns: [
        { key: 'i', label: '#', num: true, get: r => r.i },
        { key: 'uid', label: 'uid', get: r => r.op.uid },
        { key: 'name', label: 'name', get: r => r.op.name },
        { key: 'id', label: 'OperatorID', mono: true, get: r => r.op.id },
        { key: 'parallelism', label: 'parallelism', num: true, get: r => r.op.parallelism },
        { key: 'max_parallelism', label: 'max par.', num: true, get: r => r.op.max_parallelism },
        { key: 'state_size', label: 'state size', num: true, get: r => r.op.state_size, cell: r => bytesCell(r.op.state_size) },
        { key: 'files', label: 'file refs', num: true, get: r => r.files[0], title: 'references to state files (not inline)' },
        { key: 'inline', label: 'inline', num: true, get: r => r.files[3], cell: r => bytesCell(r.files[3]), title: 'bytes inline in _metadata' },
        { key: 'handles', label: 'handle kinds', get: r => r.op.handle_kinds.join(', ') },
      ],
    });
    app.append(opTable.el);
    const detail = h('section', { id: 'operator-detail' });
    app.append(detail);

    function select(r) {
      if (!r) return;
      selected = r;
      opTable.reveal(r);
      opTable.update();
      for (const b of document.querySelectorAll('#state-chart rect.bar')) b.classList.toggle('sel', b.dataset.id === r.op.id);
      renderDetail(r);
    }

    function renderDetail(r) {
      const op = r.op, c = r.sub;
      detail.replaceChildren();
      detail.setAttribute('data-id', op.id);
      detail.append(h('h2', null, 'Operator ' + opLabel(op)), h('div', { className: 'sub mono' }, op.id));
      const cov = op.key_group_coverage;
      const covText = !cov ? 'no keyed state' : cov.complete ? 'complete (0–' + (op.max_parallelism - 1) + ')' :
        ['missing', 'overlapping', 'out_of_range'].filter(k => cov[k].length).map(k => k.replace(/_/g, ' ') + ' ' + cov[k].map(x => x[0] + '–' + x[1]).join(', ')).join('; ');
      detail.append(h('dl', { className: 'grid' },
        fact('Parallelism', String(op.parallelism), { key: 'op-parallelism', value: op.parallelism }),
        fact('Max parallelism', String(op.max_parallelism), { key: 'op-max-parallelism', value: op.max_parallelism }),
        fact('State size', hb(op.state_size), { key: 'op-state-size', value: op.state_size }),
        fact('Coordinator state', op.coordinator_state ? hb(op.coordinator_state.state_size) : 'none', { key: 'op-coordinator' }),
        fact('Operator states', op.operator_states.length ? op.operator_states.map(x => x.name + ' (' + x.mode + ')').join(', ') : 'none', { key: 'op-states' }),
        fact('Key groups', covText, { key: 'op-coverage' }),
      ));
      const n = c.state_size.length;
      if (!n) { detail.append(h('p', { className: 'muted' }, 'No subtask states.')); return; }
      // Skew: the largest subtask against the median.
      let maxI = 0;
      for (let i = 1; i < n; i++) if (c.state_size[i] > c.state_size[maxI]) maxI = i;
      const max = c.state_size[maxI], med = median(c.state_size);
      const ratio = med > 0 ? max / med : null;
      const skewText = ratio == null ? (max > 0 ? 'skew (max/median): unbounded: the median subtask holds nothing, subtask ' + c.index[maxI] + ' holds ' + hb(max) : 'no subtask holds state')
        : 'skew (max/median) ' + ratio.toFixed(2) + '×: subtask ' + c.index[maxI] + ' holds ' + hb(max) + ', the median is ' + hb(Math.round(med));
      detail.append(h('h3', null, 'State size per subtask'));
      detail.append(h('div', {
        className: 'callout' + (ratio == null ? (max > 0 ? ' bad' : '') : ratio >= 2 ? ' bad' : ''), 'data-fact': 'skew',
        'data-max': max, 'data-median': med, 'data-ratio': ratio == null ? '' : ratio.toFixed(2), 'data-max-subtask': c.index[maxI],
      }, skewText));
      detail.append(h('div', { className: 'chart' }, subtaskChart(c, maxI, med)));
      if (c.key_groups.some(x => x)) {
        detail.append(h('h3', null, 'Key-group ranges per subtask'));
        detail.append(h('div', { className: 'chart' }, keyGroupChart(op, c)));
      }
      detail.append(h('h3', null, 'Subtasks'));
      const fin = new Set(c.finished);
      detail.append(table({
        id: 'subtasks', noun: 'subtask', pageSize: 64,
        rows: c.index.map((idx, j) => ({ idx, size: c.state_size[j], kg: c.key_groups[j] })),
        rowAttrs: x => ({ 'data-index': x.idx }),
        columns: [
          { key: 'idx', label: 'subtask', num: true, get: x => x.idx },
          { key: 'size', label: 'state size', num: true, get: x => x.size, cell: x => bytesCell(x.size) },
          { key: 'kg', label: 'key groups', get: x => x.kg ? x.kg[0] : null, cell: x => x.kg ? x.kg[0] + '–' + x.kg[1] + ' (' + (x.kg[1] - x.kg[0] + 1) + ')' : null },
          { key: 'finished', label: 'finished', get: x => fin.has(x.idx) ? 'yes' : '' },
        ],
      }).el);
    }

    function subtaskChart(c, maxI, med) {
      const n = c.state_size.length, H = 160, left = 56, bottom = 18;
      const bw = Math.max(1, Math.min(40, Math.floor(1040 / n)));
      const W = Math.max(420, left + n * bw + 10);
      const max = Math.max(1, c.state_size[maxI]);
      const svg = s('svg', { id: 'subtask-chart', width: W, height: H + bottom, role: 'img' });
      svg.append(s('line', { className: 'axis', x1: left, y1: H, x2: W - 4, y2: H }),
        s('text', { x: left - 4, y: 12, 'text-anchor': 'end' }, hb(c.state_size[maxI])),
        s('text', { x: left - 4, y: H, 'text-anchor': 'end' }, '0'));
      for (let i = 0; i < n; i++) {
        const v = c.state_size[i];
        const bh = Math.max(v > 0 ? 1 : 0, (H - 16) * v / max);
        svg.append(s('rect', { className: i === maxI ? 'maxbar' : 'bar', x: left + i * bw, y: H - bh, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: bh, 'data-subtask': c.index[i], 'data-value': v },
          s('title', null, 'subtask ' + c.index[i] + ': ' + hb(v) + ' (' + num(v) + ' bytes)')));
      }
      const my = H - (H - 16) * med / max;
      svg.append(s('line', { x1: left, y1: my, x2: W - 4, y2: my, stroke: '#333', 'stroke-dasharray': '4 3' }),
        s('text', { x: W - 6, y: my - 3, 'text-anchor': 'end' }, 'median ' + hb(Math.round(med))));
      const step = Math.ceil(n / 16);
      for (let i = 0; i < n; i += step) svg.append(s('text', { x: left + i * bw + bw / 2, y: H + 13, 'text-anchor': 'middle' }, c.index[i]));
      return svg;
    }

    function keyGroupChart(op, c) {
      const n = c.index.length, mp = Math.max(1, op.max_parallelism);
      const left = 56, W = 1080, plotW = W - left - 10;
      const rh = Math.max(2, Math.min(12, Math.floor(320 / n)));
      const top = 16, H = top + n * rh + 20;
      const x = k => left + plotW * k / mp;
      const svg = s('svg', { id: 'keygroups', width: W, height: H, role: 'img' });
      svg.append(s('text', { x: left, y: 11 }, 'key group 0'), s('text', { x: W - 10, y: 11, 'text-anchor': 'end' }, String(mp - 1)));
      for (let i = 0; i < n; i++) {
        const kg = c.key_groups[i];
        if (!kg) continue;
        svg.append(s('rect', { className: 'kg' + (i % 2 ? ' alt' : ''), x: x(kg[0]), y: top + i * rh, width: Math.max(1, x(kg[1] + 1) - x(kg[0])), height: Math.max(1, rh - 1),
          'data-subtask': c.index[i], 'data-start': kg[0], 'data-end': kg[1] },
          s('title', null, 'subtask ' + c.index[i] + ': key groups ' + kg[0] + '–' + kg[1])));
      }
      const cov = op.key_group_coverage;
      if (cov) {
        for (const [k, cls] of [['missing', 'gap'], ['overlapping', 'gap'], ['out_of_range', 'gap']]) {
          for (const r of cov[k]) {
            svg.append(s('rect', { className: cls, x: x(Math.min(r[0], mp - 1)), y: top + n * rh + 4, width: Math.max(2, x(Math.min(r[1], mp - 1) + 1) - x(Math.min(r[0], mp - 1))), height: 8, 'data-problem': k },
              s('title', null, k.replace(/_/g, ' ') + ': ' + r[0] + '–' + r[1])));
          }
        }
      }
      for (const i of [0, n - 1]) svg.append(s('text', { x: left - 4, y: top + i * rh + rh, 'text-anchor': 'end' }, 'subtask ' + c.index[i]));
      return svg;
    }

    app.append(footer());
    // The operator with the most state is shown first.
    select(bySize[0] || rows[0]);
  }

  // ---- check -----------------------------------------------------------------------------
  const SEV_RANK = { info: 1, warning: 2, error: 3 };

  function checkPage() {
    const rep = D.report, ops = D.operators, isDiff = D.page === 'diff';
    const from = D.operators_from;
    const c = rep.counts;
    const countText = plural(c.error, 'error') + ', ' + plural(c.warning, 'warning') + ', ' + plural(c.info, 'info') + (c.allowed ? ', ' + c.allowed + ' allowed' : '');
    const restored = isDiff
      ? (rep.old.kind === 'snapshot' ? 'this snapshot of the old job' : { canonical: 'a canonical savepoint of the old job', native: 'a native savepoint of the old job', checkpoint: 'a checkpoint of the old job' }[rep.snapshot_kind] || 'a snapshot of the old job')
      : 'this snapshot';
    const what = {
      incompatible: rep.fail_on === 'error' ? 'Flink will not restore ' + (isDiff ? 'the new job from ' + restored : 'this job from this snapshot') : 'findings at or above --fail-on warning',
      compatible: 'Flink\u2019s restore checks pass (state schemas and serializers are not checked)',
      unknown: 'nothing blocks the restore, but some checks could not run',
    }[rep.verdict];
    if (isDiff) {
      app.append(...header('flinspect diff', rep.old.path + ' (' + rep.old.kind + ')  \u2192  ' + rep.new.path + ' (' + rep.new.kind + ')'));
    } else {
      app.append(...header('flinspect check', rep.snapshot.path + '  \u2192  ' + rep.job.path + ' (' + rep.job.kind + ')'));
    }
    app.append(h('div', { className: 'verdict ' + rep.verdict, id: 'verdict', 'data-verdict': rep.verdict },
      h('div', { className: 'v' }, rep.verdict), h('div', null, what + ' (' + countText + ')')));
    const OLD_KIND = { graph: 'a flinspect graph document', file: 'a job file', snapshot: 'a snapshot' };
    app.append(h('dl', { className: 'grid' },
      isDiff
        ? [fact('Old job', OLD_KIND[rep.old.kind] + (rep.old.kind === 'snapshot' ? ': checkpoint ' + rep.old.checkpoint_id + ', metadata V' + rep.old.metadata_version : ''), { key: 'old', evidence: [rep.old.path] }),
          fact('New job', OLD_KIND[rep.new.kind], { key: 'new', evidence: [rep.new.path] }),
          fact('Restored from', restored, { key: 'snapshot_kind', value: rep.snapshot_kind }),
          fact('Restore path', rep.restore_path === 'ha' ? 'the HA store (every operator required)' : 'a savepoint path (-s)', { key: 'restore_path' })]
        : fact('Snapshot', (rep.snapshot.kind || 'snapshot') + ' ' + rep.snapshot.checkpoint_id + ', metadata V' + rep.snapshot.metadata_version, { key: 'snapshot' }),
      fact('allowNonRestoredState', rep.allow_non_restored_state ? 'true' : 'false', { key: 'allow_non_restored_state' }),
      fact('Fails on', rep.fail_on, { key: 'fail_on' }),
      fact('Findings', countText, { key: 'counts', value: rep.findings.length }),
    ));

    // Which operators the findings are about.
    const affected = new Map();
    const idsOf = f => f.operator_id ? [f.operator_id] : f.operators.map(o => o.operator_id);
    for (const f of rep.findings) {
      for (const id of idsOf(f)) {
        const a = affected.get(id) || { rules: [], sev: 'info' };
        if (!a.rules.includes(f.rule)) a.rules.push(f.rule);
        if (SEV_RANK[f.severity] > SEV_RANK[a.sev]) a.sev = f.severity;
        affected.set(id, a);
      }
    }
    const rows = ops.map((op, i) => ({ i, op }));
    const byId = new Map(rows.map(r => [r.op.id, r]));

    app.append(h('h2', null, 'Findings'));
    if (!rep.findings.length) app.append(h('p', { className: 'muted', id: 'no-findings' }, 'No findings.'));
    const list = h('div', { id: 'findings' });
    rep.findings.forEach((f, n) => {
      const who = f.operator_id ? [f.uid ? 'uid "' + f.uid + '"' : null, f.name && f.name !== f.uid ? 'name "' + f.name + '"' : null, 'id ' + f.operator_id].filter(Boolean).join(' ')
        : f.operators.length ? 'job (' + f.operators.length + ' operators)' : 'job';
      const ids = idsOf(f);
      list.append(h('div', { className: 'finding ' + f.severity, 'data-rule': f.rule, 'data-index': n, 'data-operators': ids.join(' ') },
        h('div', { className: 'head' },
          h('span', { className: 'badge ' + f.severity }, f.severity),
          f.allowed ? h('span', { className: 'badge allowed' }, 'allowed') : null,
          h('span', { className: 'rule mono' }, f.rule),
          h('span', { className: 'who' }, who),
          ids.some(id => byId.has(id)) ? h('button', { type: 'button', className: 'show', onclick: () => { const r = byId.get(ids.find(id => byId.has(id))); opTable.reveal(r); document.getElementById('operators').scrollIntoView(); } }, 'show in table') : null),
        h('div', { className: 'msg' }, f.message),
        f.flink_error ? [h('div', { className: 'label' }, 'Flink\u2019s message'), h('pre', { className: 'flink' }, f.flink_error)] : null,
        f.notes.length ? h('ul', { className: 'notes' }, f.notes.map(x => h('li', null, x))) : null,
        f.help ? h('div', { className: 'help' }, h('span', { className: 'label' }, 'fix: '), f.help) : null,
        f.allowed ? h('div', { className: 'allowed' }, h('span', { className: 'label' }, 'allowed: '), f.allowed) : null));
    });
    app.append(list);

    // What allowNonRestoredState drops: the state of every operator no operator of the new
    // job claims (the unmapped_state findings).
    const dropIds = [];
    for (const f of rep.findings.filter(x => x.rule === 'unmapped_state')) for (const id of idsOf(f)) if (!dropIds.includes(id)) dropIds.push(id);
    const dropped = dropIds.map(id => byId.get(id) || { op: { id, uid: null, name: null, state_size: null, operator_states: [], file_states: null, handle_kinds: [] } });
    app.append(h('h2', null, 'What allowNonRestoredState drops'));
    const known = dropped.filter(r => r.op.state_size != null);
    const dropTotal = known.reduce((n, r) => n + Math.max(0, r.op.state_size), 0);
    if (!dropped.length) {
      app.append(h('p', { id: 'drop-none', 'data-fact': 'drop-total', 'data-value': 0 }, 'Nothing: every operator ' + (isDiff ? 'of the old job' : 'of the snapshot') + ' that holds state is claimed by an operator of the new job.'));
    } else {
      const size = known.length === dropped.length ? hb(dropTotal) + ' in total'
        : known.length ? 'at least ' + hb(dropTotal) + ' (the size of ' + plural(dropped.length - known.length, 'operator') + '\u2019s state is not known)'
        : 'of unknown size (' + (from === 'graph' ? 'the old graph was written without graph --snapshot' : 'the old job says nothing of its state') + ')';
      app.append(h('p', { 'data-fact': 'drop-total', 'data-value': known.length === dropped.length ? dropTotal : null },
        (rep.allow_non_restored_state ? 'This restore runs with allowNonRestoredState: it drops ' : 'With allowNonRestoredState the restore would go on and drop ') +
        'the state of ' + plural(dropped.length, 'operator') + ', ' + size + ', for good.'));
      app.append(table({
        id: 'dropped', noun: 'operator', pageSize: 50, rows: dropped,
        rowAttrs: r => ({ 'data-id': r.op.id }),
        columns: [
          { key: 'uid', label: 'uid', get: r => r.op.uid },
          { key: 'name', label: 'name', get: r => r.op.name },
          { key: 'id', label: 'OperatorID', mono: true, get: r => r.op.id },
          { key: 'state_size', label: 'state size', num: true, get: r => r.op.state_size, cell: r => bytesCell(r.op.state_size) },
          { key: 'states', label: 'operator states', title: 'operator (non-keyed) state names and modes as ' + (from === 'graph' ? 'the old graph\u2019s recorded snapshot' : '_metadata') + ' records them', get: r => r.op.operator_states.join(', ') || (r.op.state_size == null ? null : '') },
          // A job side (graph, job file) knows neither: only a snapshot's page shows them.
          from === 'snapshot' ? { key: 'file_states', label: 'states in the state files', title: 'every state the operator\u2019s state files declare in their headers', get: r => r.op.file_states == null ? null : r.op.file_states.join(', ') } : null,
          from === 'snapshot' ? { key: 'handles', label: 'handle kinds', get: r => r.op.handle_kinds.join(', ') || null } : null,
        ].filter(Boolean),
      }).el);
    }

    const FROM = { snapshot: 'Operators of the snapshot', graph: 'Operators of the old job (its graph)', file: 'Operators of the old job (its job file)' };
    app.append(h('h2', null, FROM[from] || 'Operators'));
    app.append(h('div', { className: 'legend' }, h('span', null, h('i', { style: 'background:var(--hl);box-shadow:inset 3px 0 var(--bad)' }), 'named by a finding (the bar: its worst severity)'),
      from !== 'snapshot' && !ops.some(o => o.state_size != null) ? h('span', null, 'state size: not known without a snapshot recorded in the old graph (graph --snapshot)') : null));
    const opTable = table({
      id: 'operators', noun: 'operator', pageSize: 50, rows,
      filter: { placeholder: 'filter by uid, name or id', match: (r, q) => [r.op.uid, r.op.name, r.op.id].some(x => x && x.toLowerCase().includes(q)) },
      rowAttrs: r => {
        const a = affected.get(r.op.id);
        return { 'data-id': r.op.id, className: a ? 'affected sev-' + a.sev : null };
      },
      columns: [
        { key: 'i', label: '#', num: true, get: r => r.i },
        { key: 'uid', label: 'uid', get: r => r.op.uid },
        { key: 'name', label: 'name', get: r => r.op.name },
        { key: 'id', label: 'OperatorID', mono: true, get: r => r.op.id },
        from === 'graph' ? { key: 'chain', label: 'chain', get: r => r.op.chain } : null,
        { key: 'parallelism', label: 'parallelism', num: true, get: r => r.op.parallelism },
        { key: 'max_parallelism', label: 'max par.', num: true, get: r => r.op.max_parallelism, title: from === 'snapshot' ? null : 'explicit max parallelism (–: Flink derives it)' },
        { key: 'state_size', label: 'state size', num: true, get: r => r.op.state_size, cell: r => bytesCell(r.op.state_size) },
        { key: 'findings', label: 'findings', get: r => (affected.get(r.op.id) || { rules: [] }).rules.join(', ') || null },
      ].filter(Boolean),
    });
    app.append(opTable.el);

    app.append(h('h2', null, 'Not checked'));
    app.append(h('ul', { id: 'not-checked' }, rep.not_checked.map(x => h('li', null, x))));
    app.append(footer());
  }

  // ---- audit -----------------------------------------------------------------------------
  const STATUS_TEXT = { finding: 'finding', passed: 'passed', not_checked: 'not checked' };
  const STATUS_RANK = { finding: 1, not_checked: 2, passed: 3 };

  function auditPage() {
    const rep = D.report, inp = rep.inputs, c = rep.counts;
    const given = [inp.job ? 'job ' + inp.job.path : null, inp.config ? 'config ' + inp.config.path : null].concat(inp.snapshots.map(x => 'snapshots ' + x)).filter(Boolean);
    app.append(...header('flinspect audit', given.length ? given.join('  ') : 'nothing given'));
    const countText = plural(c.error, 'error') + ', ' + plural(c.warning, 'warning') + ', ' + plural(c.info, 'info') + (c.allowed ? ', ' + c.allowed + ' allowed' : '') +
      '; ' + c.passed + ' passed, ' + c.not_checked + ' not checked';
    const what = {
      ready: 'the checklist passes for what was given',
      'not-ready': rep.fail_on === 'error' ? 'items that lose state or availability' : 'findings at or above --fail-on warning',
      unknown: 'no finding blocks, but items that could were not checked',
    }[rep.verdict];
    app.append(h('div', { className: 'verdict ' + rep.verdict, id: 'verdict', 'data-verdict': rep.verdict },
      h('div', { className: 'v' }, rep.verdict), h('div', null, what + ' (' + countText + ')')));
    const JOB_KIND = { program: 'the job\u2019s program (--jar/--sql)', graph: 'a flinspect graph document', file: 'a job file' };
    app.append(h('dl', { className: 'grid' },
      fact('Job', inp.job ? JOB_KIND[inp.job.kind] || inp.job.kind : 'not given', { key: 'input-job', evidence: inp.job ? [inp.job.path] : [] }),
      fact('Configuration', inp.config ? inp.config.format : 'not given', { key: 'input-config', evidence: inp.config ? [inp.config.path] : [] }),
      fact('Snapshots', inp.snapshots.length ? plural(inp.snapshots.length, 'path') : 'not given', { key: 'input-snapshots', value: inp.snapshots.length, evidence: inp.snapshots }),
      fact('Fails on', rep.fail_on, { key: 'fail_on' }),
      fact('Findings', plural(c.error, 'error') + ', ' + plural(c.warning, 'warning') + ', ' + plural(c.info, 'info') + (c.allowed ? ', ' + c.allowed + ' allowed' : ''), { key: 'findings', value: c.error + c.warning + c.info }),
      fact('Passed', num(c.passed), { key: 'passed', value: c.passed }),
      fact('Not checked', num(c.not_checked), { key: 'not_checked', value: c.not_checked }),
    ));
    const bar = h('div', { className: 'stack', id: 'status-bar' });
    const total = Math.max(1, rep.items.length);
    for (const [k, n] of [['finding', c.error + c.warning + c.info], ['passed', c.passed], ['not_checked', c.not_checked]]) {
      if (n) bar.append(h('span', { className: 'seg s-' + k, style: 'flex:' + n, title: n + ' ' + STATUS_TEXT[k], 'data-status': k, 'data-count': n }, k === 'finding' ? plural(n, 'finding') : n + ' ' + STATUS_TEXT[k]));
    }
    app.append(bar);

    const source = e => e.source + ': ' + e.detail + (e.file ? ' (' + e.file + (e.line ? ':' + e.line : '') + ')' : '');
    const decided = it => it.status === 'not_checked' ? 'needs ' + (it.needs || '?') : it.decided_by.map(source).join('; ');
    const rows = rep.items.map((it, i) => ({ i, it }));

    // The findings first, as cards.
    const findings = rows.filter(r => r.it.status === 'finding');
    app.append(h('h2', null, 'Findings'));
    if (!findings.length) app.append(h('p', { className: 'muted', id: 'no-findings' }, 'No findings.'));
    app.append(h('div', { id: 'findings' }, findings.map(({ i, it }) =>
      h('div', { className: 'finding ' + it.severity, 'data-rule': it.rule, 'data-index': i },
        h('div', { className: 'head' },
          h('span', { className: 'badge ' + it.severity }, it.severity),
          it.allowed != null ? h('span', { className: 'badge allowed' }, 'allowed') : null,
          h('span', { className: 'rule mono' }, it.rule),
          h('span', { className: 'title' }, D.titles[it.rule] || ''),
          it.subject ? h('span', { className: 'who' }, it.subject) : null),
        h('div', { className: 'msg' }, it.message),
        it.decided_by.length ? h('ul', { className: 'evidence' }, it.decided_by.map(e => h('li', null, h('span', { className: 'label' }, 'decided by '), source(e)))) : null,
        it.notes.length ? h('ul', { className: 'notes' }, it.notes.map(x => h('li', null, x))) : null,
        it.fix ? h('div', { className: 'help' }, h('span', { className: 'label' }, 'fix: '), it.fix) : null,
        it.allowed != null ? h('div', { className: 'allowed' }, h('span', { className: 'label' }, 'allowed: '), it.allowed) : null))));

    // The whole checklist.
    app.append(h('h2', null, 'Checklist'));
    const checklist = table({
      id: 'checklist', noun: 'item', pageSize: 100, rows,
      filter: { placeholder: 'filter by rule, status, severity, subject or text', match: (r, q) => [r.it.rule, STATUS_TEXT[r.it.status], r.it.severity, r.it.subject, r.it.message, D.titles[r.it.rule], decided(r.it)].some(x => x && x.toLowerCase().includes(q)) },
      rowAttrs: r => ({ 'data-index': r.i, 'data-rule': r.it.rule, 'data-status': r.it.status, className: 'st-' + r.it.status }),
      columns: [
        { key: 'status', label: 'status', get: r => STATUS_RANK[r.it.status], cell: r => ({ text: h('span', { className: 'badge s-' + r.it.status }, STATUS_TEXT[r.it.status]), value: r.it.status }) },
        { key: 'severity', label: 'severity', get: r => SEV_RANK[r.it.severity], cell: r => ({ text: r.it.severity + (r.it.allowed != null ? ' (allowed)' : ''), value: r.it.severity }) },
        { key: 'rule', label: 'rule', get: r => r.it.rule, cell: r => h('div', null, h('div', { className: 'mono' }, r.it.rule), h('div', { className: 'muted rtitle' }, D.titles[r.it.rule] || '')) },
        { key: 'subject', label: 'subject', get: r => r.it.subject },
        { key: 'message', label: 'result', get: r => r.it.message },
        { key: 'decided', label: 'decided by (or: would be)', get: r => decided(r.it) },
      ],
    });
    // Buttons that show one status only.
    const tools = checklist.el.querySelector('.tools');
    const input = checklist.el.querySelector('input[type=search]');
    const buttons = [['all', null], ['finding', 'findings'], ['passed', 'passed'], ['not_checked', 'not checked']].map(([k, label]) =>
      h('button', { type: 'button', className: k === 'all' ? 'on' : null, 'data-show': k, onclick: () => {
        for (const b of buttons) b.classList.toggle('on', b.dataset.show === k);
        checklist.only(k === 'all' ? null : r => r.it.status === k);
      } }, label || k));
    for (const b of buttons) tools.insertBefore(b, input);
    app.append(checklist.el);
    app.append(footer());
  }

  // ---- scan ------------------------------------------------------------------------------
  function scanPage() {
    const sm = D.summary;
    app.append(...header('flinspect scan', sm.roots.join('  ')));
    app.append(h('dl', { className: 'grid' },
      fact('Jobs', num(sm.jobs), { key: 'jobs', value: sm.jobs }),
      fact('Snapshots', num(sm.snapshots), { key: 'snapshots', value: sm.snapshots }),
      fact('Restorable', num(sm.restorable), { key: 'restorable', value: sm.restorable }),
      fact('Broken', num(sm.broken), { key: 'broken', value: sm.broken }),
      fact('Unverified', num(sm.unverified), { key: 'unverified', value: sm.unverified }),
      fact('Unreadable', num(sm.metadata_errors), { key: 'metadata_errors', value: sm.metadata_errors }),
      fact('Incomplete checkpoints', num(sm.incomplete_checkpoints), { key: 'incomplete_checkpoints', value: sm.incomplete_checkpoints }),
      fact('Reclaimable', plural(sm.reclaimable_files, 'file') + ', ' + hb(sm.reclaimable_bytes), { key: 'reclaimable_bytes', value: sm.reclaimable_bytes }),
    ));
    for (const m of sm.inferred_maps) {
      app.append(h('div', { className: 'callout' }, m.snapshots + ' snapshot(s) record paths under ' + m.prefix + '; they were read under ' + m.dir + ' (--map ' + m.prefix + '=' + m.dir + ').'));
    }
    const byJob = new Map();
    for (const sn of D.snapshots) { if (!byJob.has(sn.job)) byJob.set(sn.job, []); byJob.get(sn.job).push(sn); }
    for (const job of D.jobs) app.append(jobSection(job, byJob.get(job.job) || []));
    if (D.errors.length) {
      app.append(h('h2', null, 'Errors'));
      app.append(h('ul', { id: 'errors' }, D.errors.map(e => h('li', null, h('span', { className: 'mono' }, e.path), ': ' + e.message))));
    }
    app.append(footer());
  }

  function jobSection(job, snaps) {
    const sec = h('section', { className: 'job', 'data-job': job.job });
    const title = job.job_id ? (job.layout === 'job-dir' ? 'Job ' + job.job_id : 'Savepoints of job ' + job.job_id + '…') : 'Snapshots';
    sec.append(h('h2', null, title), h('div', { className: 'sub' }, job.job));
    const ref = r => r ? 'id ' + r.checkpoint_id + ': ' + r.path : 'none';
    sec.append(h('dl', { className: 'grid' },
      fact('Snapshots', snaps.length + ': ' + job.restorable + ' restorable, ' + job.broken + ' broken, ' + job.unverified + ' unverified, ' + job.errors + ' unreadable', { key: 'job-snapshots', value: job.snapshots }),
      fact('Newest restorable checkpoint', ref(job.newest_restorable_checkpoint), { key: 'newest-checkpoint', value: job.newest_restorable_checkpoint ? job.newest_restorable_checkpoint.checkpoint_id : null }),
      fact('Newest restorable savepoint', ref(job.newest_restorable_savepoint), { key: 'newest-savepoint', value: job.newest_restorable_savepoint ? job.newest_restorable_savepoint.checkpoint_id : null }),
      job.reclaimable_withheld
        ? fact('Reclaimable', 'withheld', { key: 'reclaimable', evidence: [job.reclaimable_withheld] })
        : fact('Reclaimable', plural(job.reclaimable_files, 'file') + ', ' + hb(job.reclaimable_bytes), { key: 'reclaimable', value: job.reclaimable_bytes }),
    ));
    const order = snaps.slice().sort((a, b) => (a.checkpoint_id ?? -1) - (b.checkpoint_id ?? -1) || String(a.modified).localeCompare(String(b.modified)) || a.path.localeCompare(b.path));
    const newest = new Set([job.newest_restorable_checkpoint, job.newest_restorable_savepoint].filter(Boolean).map(r => r.path));
    sec.append(h('h3', null, 'Timeline'));
    sec.append(h('div', { className: 'legend' },
      h('span', null, h('i', { className: 'lg', style: 'background:var(--good)' }), 'restorable'),
      h('span', null, h('i', { style: 'background:var(--bad)' }), 'broken'),
      h('span', null, h('i', { style: 'background:var(--caution)' }), 'unverified'),
      h('span', null, h('i', { style: 'background:#8a919c' }), 'unreadable'),
      h('span', null, h('i', { style: 'background:#fff;border:1px solid #333;opacity:.5' }), 'lighter part: incremental shared files'),
      h('span', null, '\u25C6 savepoint'), h('span', null, '\u2605 newest restorable')));
    sec.append(h('div', { className: 'chart' }, timeline(order, newest)));
    sec.append(h('h3', null, 'Snapshots'));
    sec.append(table({
      id: 'snapshots-' + D.jobs.indexOf(job), noun: 'snapshot', pageSize: 50, rows: order, sortKey: 'id', sortDir: -1,
      filter: { placeholder: 'filter by path, kind or status', match: (r, q) => [r.path, r.kind, r.status, r.format].some(x => x && x.toLowerCase().includes(q)) },
      rowAttrs: r => ({ 'data-path': r.path, className: newest.has(r.path) ? 'selected' : null }),
      columns: [
        { key: 'kind', label: 'kind', get: r => r.kind },
        { key: 'format', label: 'format', get: r => r.format },
        { key: 'id', label: 'id', num: true, get: r => r.checkpoint_id },
        { key: 'status', label: 'status', get: r => r.status, cell: r => h('span', { className: 'badge ' + r.status }, r.status) },
        { key: 'modified', label: 'modified', get: r => r.modified },
        { key: 'state_size', label: 'state size', num: true, get: r => r.state_size, cell: r => bytesCell(r.state_size) },
        { key: 'shared', label: 'shared', num: true, get: r => r.shared_state_size, cell: r => bytesCell(r.shared_state_size), title: 'incremental shared files' },
        { key: 'files', label: 'files', num: true, get: r => r.referenced_files },
        { key: 'problems', label: 'problems', get: r => r.error || (r.problems.length ? r.problems.slice(0, 3).map(p => p.problem + ' ' + (p.path || p.recorded)).join('; ') + (r.problems.length > 3 ? '; …' : '') : null) },
        { key: 'path', label: 'path', mono: true, get: r => r.path },
      ],
    }).el);
    if (job.incomplete_checkpoints.length) {
      sec.append(h('h3', null, 'Checkpoints without _metadata'));
      sec.append(h('ul', null, job.incomplete_checkpoints.map(i => h('li', null, h('span', { className: 'mono' }, i.dir), ': ' + plural(i.files, 'file') + ', ' + hb(i.bytes) + (i.last_modified ? ', last modified ' + i.last_modified : '')))));
    }
    if (job.reclaimable_withheld) {
      sec.append(h('div', { className: 'callout' }, 'Reclaimable files are not listed: ' + job.reclaimable_withheld));
    } else if (job.reclaimable.length) {
      sec.append(h('h3', null, 'Reclaimable files (' + hb(job.reclaimable_bytes) + '; flinspect deletes nothing)'));
      sec.append(table({
        id: 'reclaimable-' + D.jobs.indexOf(job), noun: 'file', pageSize: 25, rows: job.reclaimable, sortKey: 'size', sortDir: -1,
        filter: { placeholder: 'filter by path', match: (r, q) => r.path.toLowerCase().includes(q) },
        columns: [
          { key: 'path', label: 'path', mono: true, get: r => r.path },
          { key: 'size', label: 'size', num: true, get: r => r.size, cell: r => bytesCell(r.size) },
          { key: 'area', label: 'area', get: r => r.area },
          { key: 'modified', label: 'modified', get: r => r.modified },
        ],
      }).el);
    }
    return sec;
  }

  function timeline(order, newest) {
    const n = order.length, H = 170, left = 64, top = 22, bottom = 34;
    const slot = Math.max(6, Math.min(48, Math.floor(1000 / Math.max(1, n))));
    const W = left + n * slot + 16;
    const max = Math.max(1, ...order.map(x => x.state_size || 0));
    const svg = s('svg', { className: 'timeline', width: W, height: top + H + bottom, role: 'img' });
    svg.append(s('line', { className: 'axis', x1: left, y1: top + H, x2: W - 6, y2: top + H }),
      s('text', { x: left - 4, y: top + 8, 'text-anchor': 'end' }, hb(max)),
      s('text', { x: left - 4, y: top + H, 'text-anchor': 'end' }, '0'));
    const labelEvery = Math.ceil(n / 25);
    order.forEach((sn, i) => {
      const x = left + i * slot + 2, w = Math.max(2, slot - 4);
      const size = sn.state_size || 0, shared = Math.min(size, sn.shared_state_size || 0);
      const bh = sn.state_size == null ? 6 : Math.max(size > 0 ? 2 : 1, H * size / max);
      const sh = size > 0 ? bh * shared / size : 0;
      const g = s('g', { className: 'snap', 'data-path': sn.path, 'data-status': sn.status, 'data-size': sn.state_size, 'data-shared': sn.shared_state_size, 'data-kind': sn.kind });
      g.append(s('rect', { className: 'st-' + sn.status, x, y: top + H - bh, width: w, height: bh }),
        sh > 0 ? s('rect', { className: 'st-' + sn.status, x, y: top + H - sh, width: w, height: sh, fill: '#fff', 'fill-opacity': 0.45, style: 'fill:#fff;fill-opacity:.45' }) : null,
        sn.kind === 'savepoint' ? s('text', { x: x + w / 2, y: top + H - bh - 3, 'text-anchor': 'middle' }, '\u25C6') : null,
        newest.has(sn.path) ? s('text', { x: x + w / 2, y: top + H - bh - (sn.kind === 'savepoint' ? 15 : 3), 'text-anchor': 'middle', fill: '#b7791f' }, '\u2605') : null,
        s('title', null, (sn.kind || 'snapshot') + ' ' + (sn.checkpoint_id ?? '?') + ' (' + sn.status + '): ' + hb(sn.state_size) +
          (sn.shared_state_size ? ', ' + hb(sn.shared_state_size) + ' in shared files' : '') + (sn.modified ? ', ' + sn.modified : '') + '\n' + sn.path));
      if (i % labelEvery === 0) g.append(s('text', { x: x + w / 2, y: top + H + 13, 'text-anchor': 'middle' }, (sn.kind === 'savepoint' ? 'sp ' : '') + (sn.checkpoint_id ?? '?')));
      svg.append(g);
    });
    svg.append(s('text', { x: left, y: top + H + 28 }, 'by checkpoint id \u2192'));
    return svg;
  }

  // ---- start -----------------------------------------------------------------------------
  const pages = { inspect: inspectPage, check: checkPage, diff: checkPage, scan: scanPage, audit: auditPage };
  pages[D.page]();
  performance.mark('flinspect-ready');
  document.body.setAttribute('data-ready', String(Math.round(performance.now())));
  window.flinspectReady = true;
})();
