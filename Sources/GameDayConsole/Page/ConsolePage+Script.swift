extension ConsolePage {
    /// Folds the journal's server-sent events into the page; posts operator actions with the link's token.
    static let javascript = #"""
    'use strict';
    (function () {
      const params = new URLSearchParams(location.hash.slice(1));
      const token = params.get('k') || '';
      const query = token ? '?k=' + encodeURIComponent(token) : '';
      const $ = (id) => document.getElementById(id);
      const SVGNS = 'http://www.w3.org/2000/svg';
      const state = {
        start: null, startWall: null, phase: 'waiting', lastSeq: 0, faults: new Map(), checks: new Map(),
        tripped: new Map(), log: [], probes: 0, ended: null, done: new Set(), offset: 0, runbookLoaded: false,
        blind: false, diagnoses: []
      };
      let session = { role: 'observer', canMark: false, canAbort: false, readOnly: true };

      function el(tag, text, cls) {
        const node = document.createElement(tag);
        if (text !== undefined && text !== null) node.textContent = text;
        if (cls) node.className = cls;
        return node;
      }
      function svg(tag, attrs) {
        const node = document.createElementNS(SVGNS, tag);
        for (const k in attrs) node.setAttribute(k, attrs[k]);
        return node;
      }
      function span(ms) {
        const s = Math.max(0, Math.round(ms / 1000));
        const m = Math.floor(s / 60), r = s % 60;
        return m > 0 ? m + 'm' + String(r).padStart(2, '0') + 's' : r + 's';
      }
      function offset(ms) { return 'T+' + span(ms); }
      function schedule() { return state.start ? state.start.schedule : null; }
      function total() { if (state.start && state.start.plannedDuration) return state.start.plannedDuration; const s = schedule(); if (!s) return 1; let end = s.baseline; for (const st of s.steps) end = Math.max(end, st.revertAt); return end + s.recovery; }
      function nowT() {
        if (state.ended) return state.ended.t;
        if (state.startWall === null) return 0;
        return Math.max(0, Date.now() + state.offset - state.startWall);
      }
      function check(name) {
        if (!state.checks.has(name)) state.checks.set(name, { name: name, state: 'unknown', samples: [], failures: 0 });
        return state.checks.get(name);
      }
      function guardrailText(g) {
        const c = g.condition || {};
        if (c.unhealthyFor) return g.check + ' unhealthy for ' + span(c.unhealthyFor._0);
        if (c.availabilityBelow) return g.check + ' availability below ' + c.availabilityBelow.percent + '% over ' + span(c.availabilityBelow.window);
        return g.check + ' ' + JSON.stringify(c);
      }
      function who(ev) { return ev.by ? ' (by ' + ev.by + (ev.role ? ', ' + ev.role : '') + ')' : ''; }

      function describe(ev) {
        switch (ev.type) {
          case 'run.start': return ['run.start', ev.planName + (ev.dryRun ? ' (dry run)' : '')];
          case 'phase': return ['phase', ev.phase];
          case 'inject.begin': return ['inject.begin', ev.faultID + ': step ' + ev.step + ', ' + ev.fault + ' on ' + ev.target];
          case 'inject.end': return ['inject.end', ev.ok ? ev.faultID + ' applied' : ev.faultID + ' inject failed: ' + (ev.error || '')];
          case 'revert.begin': return ['revert.begin', ev.faultID + ' (' + ev.reason + ')'];
          case 'revert.end': return ['revert.end', ev.ok ? ev.faultID + ' reverted' : ev.faultID + ' REVERT FAILED: ' + (ev.error || '')];
          case 'health': return ['health', ev.check + ' ' + ev.from + ' → ' + ev.to + (ev.reason ? ' (' + ev.reason + ')' : '')];
          case 'guardrail': return ['guardrail', 'TRIPPED: ' + ev.guardrail + ' — ' + ev.reason];
          case 'mark':
            if (ev.kind === 'correct') return ['mark', 'diagnosis #' + ev.ref + ' marked correct' + who(ev)];
            return ['mark', ev.kind + (ev.text ? ' — ' + ev.text : '') + who(ev)];
          case 'signal': return ['signal', ev.name + ' received'];
          case 'error': return ['error', ev.message];
          case 'run.end': return ['run.end', ev.status + (ev.reason ? ': ' + ev.reason : '')];
          default: return [ev.type, ''];
        }
      }

      function apply(ev) {
        if (typeof ev.seq !== 'number' || ev.seq <= state.lastSeq) return;
        state.lastSeq = ev.seq;
        switch (ev.type) {
          case 'run.start':
            state.start = ev;
            state.startWall = ev.wall - ev.t;
            state.blind = !!ev.blind;
            for (const c of ev.checks || []) check(c.name);
            loadRunbook();
            break;
          case 'phase': state.phase = ev.phase; break;
          case 'inject.begin':
            state.faults.set(ev.faultID, { id: ev.faultID, step: ev.step, stepIndex: ev.stepIndex, fault: ev.fault, target: ev.target, begin: ev.t, applied: null, reverted: null, failed: false });
            break;
          case 'inject.end': { const f = state.faults.get(ev.faultID); if (f) { if (ev.ok) f.applied = ev.t; else f.failed = true; } break; }
          case 'revert.end': { const f = state.faults.get(ev.faultID); if (f) { if (ev.ok) f.reverted = ev.t; else f.revertFailed = true; } break; }
          case 'probe': {
            const c = check(ev.check);
            c.samples.push([ev.t, typeof ev.ms === 'number' ? ev.ms : null, !!ev.ok]);
            if (!ev.ok) c.failures++;
            state.probes++;
            return;
          }
          case 'health': check(ev.check).state = ev.to; break;
          case 'guardrail': state.tripped.set(ev.guardrail, ev.reason); break;
          case 'mark':
            if (ev.kind === 'done' && ev.text) state.done.add(ev.text);
            if (ev.kind === 'diagnosis') state.diagnoses.push({ seq: ev.seq, t: ev.t, text: ev.text || '', by: ev.by || '', correct: false });
            if (ev.kind === 'correct') { const d = state.diagnoses.find((x) => x.seq === ev.ref); if (d) d.correct = true; }
            break;
          case 'run.end': state.ended = ev; state.phase = 'ended'; break;
        }
        const [kind, text] = describe(ev);
        state.log.push({ t: ev.t, kind: kind, text: text, bad: (kind === 'guardrail' || kind === 'error' || (kind === 'revert.end' && !ev.ok) || (kind === 'health' && ev.to === 'unhealthy')) });
      }

      // Rendering, at most a few times a second.
      let pending = false;
      function later() { if (!pending) { pending = true; setTimeout(() => { pending = false; render(); }, 150); } }

      function render() {
        const now = nowT();
        const s = schedule();
        if (state.start) {
          $('plan').textContent = state.start.planName;
          $('run').textContent = state.start.runID;
          document.title = state.start.planName + ' — gameday console';
        }
        // A blind viewer is not told the phases (they would tell when the fault starts): only that the drill runs.
        const hidden = state.blind && !s;
        const phase = hidden && !state.ended ? 'blind drill' : state.phase;
        $('phase').textContent = phase;
        $('phase').dataset.phase = hidden && !state.ended ? 'blind' : state.phase;
        $('elapsed').textContent = offset(now);
        $('countdown').textContent = state.ended ? 'ended: ' + state.ended.status : (s || hidden ? span(Math.max(0, total() - now)) + ' left' : '');
        $('timeline').closest('section').hidden = hidden;
        $('faults').closest('section').hidden = hidden;
        if (hidden && !state.runbookLoaded) $('runbook').textContent = 'hidden in a blind drill (it would tell what broke)';
        renderTimeline(now);
        renderFaults(now);
        renderGuardrails();
        renderChecks(now);
        renderLog();
        renderRunbookTicks();
        renderActions();
        renderDiagnoses();
      }

      function renderDiagnoses() {
        $('blind-box').hidden = !state.blind;
        if (!state.blind) return;
        $('diagnosis-form').hidden = session.role !== 'participant' || !session.canMark;
        $('diagnosis-form').querySelector('button').disabled = !!state.ended;
        $('blind-hint').textContent = session.role === 'facilitator'
          ? 'A blind drill: participants do not see the faults. Mark the diagnosis that names what broke.'
          : 'A blind drill: what broke is hidden. Say what you think it is; the facilitator marks the right diagnosis.';
        const list = $('diagnoses');
        // Rebuilt only when something changed, so a button is never swapped out from under the facilitator's pointer.
        const key = JSON.stringify([session.role, !!state.ended, state.diagnoses]);
        if (list.dataset.key === key) return;
        list.dataset.key = key;
        list.replaceChildren();
        for (const d of state.diagnoses) {
          const li = el('li', offset(d.t) + ' ' + d.by + ': ' + d.text + (d.correct ? ' ✓ correct' : ''), d.correct ? 'correct' : '');
          li.dataset.seq = d.seq;
          if (session.role === 'facilitator' && session.canMark && !d.correct && !state.ended) {
            const button = el('button', 'correct');
            button.type = 'button';
            button.addEventListener('click', () => act('/api/mark', { kind: 'correct', ref: d.seq, text: d.text }));
            li.appendChild(document.createTextNode(' '));
            li.appendChild(button);
          }
          list.appendChild(li);
        }
      }

      function renderTimeline(now) {
        const box = $('timeline');
        const s = schedule();
        box.replaceChildren();
        if (!s) return;
        // Drawn in the element's own pixels, so step names are never stretched.
        const rowH = 24, rows = Math.max(1, s.steps.length);
        const H = rows * rowH + 16, W = Math.max(200, box.clientWidth || 1000);
        box.style.height = H + 'px';
        box.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
        const T = total(), x = (t) => (t / T) * W;
        let chaosEnd = s.baseline; for (const st of s.steps) chaosEnd = Math.max(chaosEnd, st.revertAt);
        box.appendChild(svg('rect', { x: 0, y: 0, width: x(s.baseline), height: H, fill: 'rgba(93,173,226,0.10)' }));
        box.appendChild(svg('rect', { x: x(chaosEnd), y: 0, width: W - x(chaosEnd), height: H, fill: 'rgba(93,173,226,0.10)' }));
        s.steps.forEach((st, i) => {
          const y = 4 + i * rowH;
          const active = Array.from(state.faults.values()).some((f) => f.stepIndex === st.index && f.applied !== null && f.reverted === null);
          const r = svg('rect', { x: x(st.injectAt), y: y, width: Math.max(2, x(st.revertAt) - x(st.injectAt)), height: rowH - 4, rx: 3,
                                  fill: active ? '#c0392b' : '#34495e', 'data-step': st.name });
          box.appendChild(r);
          const label = svg('text', { x: x(st.injectAt) + 4, y: y + rowH - 9, fill: '#e8eef2', 'font-size': 14 });
          label.textContent = st.name;
          box.appendChild(label);
        });
        const nx = Math.min(W, x(now));
        box.appendChild(svg('line', { id: 'now-line', x1: nx, x2: nx, y1: 0, y2: H, stroke: '#f5b041', 'stroke-width': 3 }));
      }

      function renderFaults(now) {
        const list = $('faults');
        const s = schedule();
        const active = Array.from(state.faults.values()).filter((f) => f.reverted === null && !(f.failed && f.applied === null && state.ended));
        list.replaceChildren();
        if (active.length === 0) { list.appendChild(el('li', 'none', 'dim')); return; }
        for (const f of active) {
          const st = s ? s.steps.find((x) => x.index === f.stepIndex) : null;
          const left = st ? Math.max(0, st.revertAt - now) : null;
          const li = el('li', f.fault + ' on ' + f.target + ' — step ' + f.step + (f.applied === null ? ' (applying…)' : left !== null ? ' — ' + span(left) + ' left' : ''));
          li.dataset.faultId = f.id;
          if (f.revertFailed) li.className = 'tripped';
          list.appendChild(li);
        }
      }

      function renderGuardrails() {
        const list = $('guardrails');
        list.replaceChildren();
        const gs = state.start ? state.start.guardrails || [] : [];
        if (gs.length === 0) { list.appendChild(el('li', 'none', 'dim')); return; }
        gs.forEach((g) => {
          const text = guardrailText(g);
          let tripped = null;
          for (const [name, reason] of state.tripped) if (name.indexOf(g.check) >= 0) tripped = reason;
          const li = el('li', (tripped ? 'TRIPPED: ' : 'armed: ') + text + (tripped ? ' — ' + tripped : ''), tripped ? 'tripped' : '');
          list.appendChild(li);
        });
      }

      function renderChecks(now) {
        const box = $('checks');
        const T = Math.max(total(), now);
        const W = 1000, H = 100;
        for (const c of state.checks.values()) {
          let row = box.querySelector('[data-check="' + CSS.escape(c.name) + '"]');
          if (!row) {
            row = el('div', null, 'check');
            row.dataset.check = c.name;
            const label = el('div');
            label.appendChild(el('span', null, 'lamp'));
            label.appendChild(el('span', c.name, 'name'));
            label.appendChild(el('div', '', 'figure'));
            row.appendChild(label);
            row.appendChild(svg('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none' }));
            box.appendChild(row);
          }
          row.dataset.state = c.state;
          const chart = row.querySelector('svg');
          chart.replaceChildren();
          const x = (t) => (t / T) * W;
          for (const f of state.faults.values()) {
            if (f.applied === null) continue;
            const end = f.reverted === null ? now : f.reverted;
            chart.appendChild(svg('rect', { x: x(f.applied), y: 0, width: Math.max(1, x(end) - x(f.applied)), height: H, fill: 'rgba(255,92,92,0.18)' }));
          }
          let max = 1;
          for (const sm of c.samples) if (sm[1] !== null && sm[2]) max = Math.max(max, sm[1]);
          const points = [];
          for (const sm of c.samples) if (sm[1] !== null && sm[2]) points.push(x(sm[0]).toFixed(1) + ',' + (H - 6 - (sm[1] / max) * (H - 12)).toFixed(1));
          if (points.length > 0) chart.appendChild(svg('polyline', { points: points.join(' '), fill: 'none', stroke: '#5dade2', 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
          for (const sm of c.samples) if (!sm[2]) chart.appendChild(svg('rect', { x: x(sm[0]), y: H - 10, width: 3, height: 10, fill: '#ff5c5c' }));
          chart.appendChild(svg('line', { x1: x(now), x2: x(now), y1: 0, y2: H, stroke: '#f5b041', 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke' }));
          const last = c.samples.length ? c.samples[c.samples.length - 1] : null;
          const availability = c.samples.length ? (100 * (c.samples.length - c.failures) / c.samples.length).toFixed(1) + '%' : '–';
          row.querySelector('.figure').textContent = c.state + ' · ' + (last && last[1] !== null ? Math.round(last[1]) + ' ms' : '–') + ' · ' + availability + ' ok · max ' + Math.round(max) + ' ms';
        }
      }

      function renderLog() {
        const list = $('log');
        while (list.childElementCount < state.log.length) {
          const e = state.log[list.childElementCount];
          const li = el('li', offset(e.t) + '  ' + e.kind + '  ' + e.text, e.bad ? 'bad' : (e.kind === 'mark' ? 'mark' : ''));
          list.insertBefore(li, list.firstChild);
        }
        $('probe-count').textContent = state.probes ? '(' + state.probes + ' probe results folded into the lamps and charts)' : '';
      }

      function renderActions() {
        const can = session.canMark && !state.ended && state.start !== null;
        for (const id of ['detected', 'mitigated']) $(id).disabled = !can;
        $('note-form').querySelector('button').disabled = !can;
        $('abort-box').hidden = !session.canAbort;
        $('abort').disabled = !session.canAbort || !!state.ended || state.start === null;
        $('actions').hidden = !session.canMark && !session.canAbort;
      }

      // Runbook: a small Markdown subset, built as DOM nodes (never as HTML text).
      function loadRunbook() {
        if (state.runbookLoaded || !state.start || !state.start.runbook) return;
        state.runbookLoaded = true;
        fetch('/api/runbook' + query).then((r) => r.ok ? r.text() : Promise.reject(r.status)).then(renderRunbook, () => {
          $('runbook').textContent = 'runbook: ' + state.start.runbook + ' (not readable from here)';
        });
      }
      // Blocks of the runbook: headings, paragraphs, code, plain list items, and checklist items (`- [ ]` items and
      // numbered steps, the runbook's actions), each item with its indented continuation lines folded in.
      function plain(text) { return text.replace(/\*\*|__|`/g, ''); }
      function parseRunbook(text) {
        const blocks = [];
        let code = null, last = null;
        for (const raw of text.split('\n')) {
          const line = raw.replace(/\s+$/, '');
          if (code) { if (/^```/.test(line)) code = null; else code.text += line + '\n'; continue; }
          if (/^```/.test(line)) { code = { kind: 'code', text: '' }; blocks.push(code); last = null; continue; }
          let m;
          if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) { blocks.push({ kind: m[1].length <= 2 ? 'h3' : 'h4', text: m[2] }); last = null; continue; }
          if ((m = /^\s*[-*]\s+\[( |x|X)\]\s+(.*)$/.exec(line)) || (m = /^()\d+\.\s+(.*)$/.exec(line))) {
            last = { kind: 'check', text: m[2] }; blocks.push(last); continue;
          }
          if ((m = /^\s*[-*]\s+(.*)$/.exec(line))) { last = { kind: 'item', text: m[1] }; blocks.push(last); continue; }
          if (line === '') { last = null; continue; }
          if (last && (/^\s/.test(line) || last.kind === 'p')) { last.text += ' ' + line.trim(); continue; }
          last = { kind: 'p', text: line }; blocks.push(last);
        }
        return blocks;
      }
      function renderRunbook(text) {
        const box = $('runbook');
        box.replaceChildren();
        box.className = '';
        let list = null;
        for (const block of parseRunbook(text)) {
          if (block.kind !== 'check' && block.kind !== 'item') list = null;
          if (block.kind === 'code') { box.appendChild(el('pre', block.text)); continue; }
          if (block.kind === 'h3' || block.kind === 'h4' || block.kind === 'p') { box.appendChild(el(block.kind, plain(block.text))); continue; }
          if (!list || list.dataset.kind !== block.kind) { list = el('ul', null, block.kind === 'check' ? 'plain' : ''); list.dataset.kind = block.kind; box.appendChild(list); }
          if (block.kind === 'item') { list.appendChild(el('li', plain(block.text))); continue; }
          const item = plain(block.text).slice(0, 300);
          const li = el('li');
          li.dataset.item = item;
          const label = el('label');
          const tick = document.createElement('input');
          tick.type = 'checkbox';
          tick.addEventListener('change', () => {
            if (!tick.checked) { tick.checked = state.done.has(item); return; }
            act('/api/mark', { kind: 'done', text: item }, () => { tick.checked = state.done.has(item); });
          });
          label.appendChild(tick);
          label.appendChild(document.createTextNode(' ' + plain(block.text)));
          li.appendChild(label);
          list.appendChild(li);
        }
        renderRunbookTicks();
      }
      function renderRunbookTicks() {
        for (const li of $('runbook').querySelectorAll('li[data-item]')) {
          const done = state.done.has(li.dataset.item);
          li.classList.toggle('done', done);
          const input = li.querySelector('input');
          input.checked = done;
          input.disabled = done || !session.canMark || !!state.ended;
        }
      }

      // Actions: POSTs with the token in a header; what they did shows up when the journal streams it back.
      function act(path, body, onFail) {
        const name = $('name').value.trim();
        if (!name) { $('action-status').textContent = 'type your name at the top first'; $('name').focus(); if (onFail) onFail(); return; }
        body.name = name;
        $('action-status').textContent = 'sending…';
        fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-GameDay-Token': token }, body: JSON.stringify(body) })
          .then((r) => r.json().then((j) => [r, j]))
          .then(([r, j]) => {
            $('action-status').textContent = r.ok ? 'sent' : 'refused: ' + (j.error || r.status);
            if (!r.ok && onFail) onFail();
          }, () => { $('action-status').textContent = 'the console did not answer'; if (onFail) onFail(); });
      }
      $('detected').addEventListener('click', () => act('/api/mark', { kind: 'detected' }));
      $('mitigated').addEventListener('click', () => act('/api/mark', { kind: 'mitigated' }));
      $('note-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const text = $('note').value.trim();
        if (!text) return;
        act('/api/mark', { kind: 'note', text: text }, null);
        $('note').value = '';
      });
      $('diagnosis-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const text = $('diagnosis').value.trim();
        if (!text) return;
        act('/api/mark', { kind: 'diagnosis', text: text }, null);
        $('diagnosis').value = '';
      });
      $('abort').addEventListener('click', () => {
        if (window.confirm('Abort the game day: revert every fault now and end the run (exit 3)?')) act('/api/abort', {});
      });
      $('name').value = localStorage.getItem('gameday.name') || '';
      $('name').addEventListener('change', () => localStorage.setItem('gameday.name', $('name').value.trim()));

      function banner(text) { $('banner').hidden = !text; $('banner').textContent = text || ''; }

      fetch('/api/session' + query).then((r) => r.json().then((j) => [r, j])).then(([r, j]) => {
        if (!r.ok) { banner(j.error || 'not allowed'); return; }
        session = j;
        $('role').textContent = j.role + (j.readOnly ? ' · read-only' : '') + (j.blind ? ' · blind drill' : '');
        render();
        const events = new EventSource('/api/events' + query);
        events.addEventListener('journal', (e) => { apply(JSON.parse(e.data)); later(); });
        events.addEventListener('clock', (e) => { state.offset = JSON.parse(e.data).wall - Date.now(); });
        events.onopen = () => banner('');
        events.onerror = () => {
          if (state.ended) { banner('the run has ended (' + state.ended.status + '); the postmortem is in the run directory'); events.close(); }
          else banner('connection lost; reconnecting…');
        };
      }, () => banner('the console did not answer'));
      // Another link (another role) pasted into the same tab: start over as that role.
      window.addEventListener('hashchange', () => location.reload());
      setInterval(render, 500);
    })();
    """#
}
