// The startup timeline (a Gantt chart) of a Steadfast startup report: one bar per step from its real start to its
// end, coloured by status, dependencies drawn as arrows (dashed when optional), the critical path outlined,
// bypasses and degradations labelled. One renderer for StartupReport.toHtml() and the reference service's page.
// Input: the report's JSON (StartupReport.toJson(): steps carry dependsOn and dependsOnOptionally).
//   SteadfastTimeline.draw(document.getElementById('timeline'), report);
'use strict';

const SteadfastTimeline = (() => {
  const SVG = 'http://www.w3.org/2000/svg';

  function el(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A step that never began (skipped, or never taken by a thread) has startOffsetMillis -1: drawn as a mark at 0.
  const begin = (s) => Math.max(0, s.startOffsetMillis);
  const end = (s) => begin(s) + s.durationMillis;

  // The chain of steps that decided when startup finished: from the step that ended last, back through the
  // dependency that ended last before it started.
  function criticalPath(steps) {
    const byName = new Map(steps.map((s) => [s.name, s]));
    let current = steps.reduce((a, b) => (end(b) > end(a) ? b : a), steps[0]);
    const path = new Set();
    while (current && !path.has(current.name)) {
      path.add(current.name);
      const deps = (current.dependsOn || []).concat(current.dependsOnOptionally || [])
          .map((d) => byName.get(d)).filter(Boolean);
      current = deps.length ? deps.reduce((a, b) => (end(b) > end(a) ? b : a)) : null;
    }
    return path;
  }

  function legend() {
    const p = document.createElement('p');
    p.className = 'timeline-legend';
    [['UP', 'up'], ['FAILED', 'failed'], ['TIMED_OUT', 'timed out'], ['SKIPPED', 'skipped'],
      ['CANCELLED', 'cancelled/abandoned'], ['critical', 'critical path']].forEach(([kind, text]) => {
      const swatch = document.createElement('span');
      swatch.className = 'swatch ' + kind;
      p.append(swatch, text + ' ');
    });
    p.append('· arrows: dependencies (dashed: optional)');
    return p;
  }

  // Draws into container (replacing what it holds) and returns a one-line summary of the startup.
  function draw(container, report) {
    const steps = report.steps;
    const critical = steps.length ? criticalPath(steps) : new Set();
    const bypassed = new Map((report.bypasses || []).map((b) => [b.step, b]));
    const rowHeight = 28;
    const labelWidth = 150;
    const chartWidth = 620;
    const noteWidth = 260;
    const top = 24;
    const total = Math.max(report.durationMillis, ...steps.map(end), 1);
    const x = (ms) => labelWidth + (ms / total) * chartWidth;
    const height = top + steps.length * rowHeight + 10;
    const svg = el('svg', { viewBox: '0 0 ' + (labelWidth + chartWidth + noteWidth) + ' ' + height,
      role: 'img', 'aria-label': 'startup timeline', class: 'steadfast-timeline' });
    const marker = el('marker', { id: 'steadfast-arrow', viewBox: '0 0 6 6', refX: 6, refY: 3, markerWidth: 6,
      markerHeight: 6, orient: 'auto' });
    marker.append(el('path', { d: 'M0,0 L6,3 L0,6 z', fill: '#546e7a' }));
    const defs = el('defs');
    defs.append(marker);
    svg.append(defs);
    for (let i = 0; i <= 4; i++) {
      const ms = (total * i) / 4;
      svg.append(el('line', { class: 'axis', x1: x(ms), x2: x(ms), y1: top - 6, y2: height - 6 }));
      svg.append(el('text', { x: x(ms), y: 12, 'text-anchor': 'middle', fill: '#607d8b' }, ms.toFixed(0) + ' ms'));
    }
    const row = new Map(steps.map((s, i) => [s.name, i]));
    const middle = (i) => top + i * rowHeight + rowHeight / 2;
    steps.forEach((step, i) => {
      const group = el('g', { class: 'bar' + (critical.has(step.name) ? ' critical' : ''),
        'data-step': step.name, 'data-status': step.status });
      const start = x(begin(step));
      const width = Math.max(2, x(end(step)) - start);
      group.append(el('text', { x: 4, y: middle(i) }, step.name + (step.criticality === 'OPTIONAL' ? ' (opt)' : '')));
      const body = el('rect', { class: 'body fill-' + step.status, x: start, y: middle(i) - 9, width, height: 18,
        rx: 3 });
      body.append(el('title', {}, step.name + ': ' + step.status + ', +' + begin(step).toFixed(1) + ' ms, '
          + step.durationMillis.toFixed(1) + ' ms' + (step.thread ? ', ' + step.thread : '')));
      group.append(body);
      const notes = [step.durationMillis.toFixed(1) + ' ms'];
      if (critical.has(step.name)) notes.push('critical');
      if (bypassed.has(step.name)) notes.push('bypassed: ' + bypassed.get(step.name).kind);
      if (step.status !== 'UP' && step.criticality === 'OPTIONAL') notes.push('degraded: ' + step.status);
      else if (step.status !== 'UP') notes.push(step.status);
      if (step.error) notes.push(step.error.rootCauseMessage || step.error.message || '');
      const note = el('text', { x: start + width + 6, y: middle(i) }, notes.join(' · '));
      if (notes.length > 1) note.setAttribute('class', 'note');
      group.append(note);
      svg.append(group);
    });
    // Arrows last, above the bars: from the end of each dependency to the start of its dependant.
    steps.forEach((step, i) => {
      const arrow = (dep, optional) => {
        if (!row.has(dep)) return;
        const from = steps[row.get(dep)];
        const x1 = x(end(from));
        const x2 = x(begin(step));
        const y1 = middle(row.get(dep)) + 9;
        const y2 = middle(i) - 9;
        svg.append(el('path', { class: 'dep' + (optional ? ' optional' : ''), 'data-from': dep,
          'data-to': step.name, d: 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + (y1 + 12) + ' ' + x2 + ','
            + (y2 - 12) + ' ' + x2 + ',' + y2, 'marker-end': 'url(#steadfast-arrow)' }));
      };
      (step.dependsOn || []).forEach((d) => arrow(d, false));
      (step.dependsOnOptionally || []).forEach((d) => arrow(d, true));
    });
    container.replaceChildren(svg, legend());
    return report.outcome + ' in ' + report.durationMillis.toFixed(0) + ' ms, ' + steps.length + ' steps, '
        + report.mode;
  }

  return { draw, criticalPath };
})();
