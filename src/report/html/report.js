// Draws the heat map (categories × locations) from the JSON embedded in the
// page, and wires the status cards and the location filter. No network, no
// libraries: the report must open anywhere.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('tizim-data').textContent);
  var hidden = {};
  var query = '';

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  // One heat-map row per location, in the order the cells arrive (by path).
  var locations = [];
  var byLocation = {};
  var maxCount = 1;
  data.cells.forEach(function (cell) {
    var loc = byLocation[cell.location];
    if (!loc) {
      loc = { name: cell.location, anchor: cell.anchor, cells: {} };
      byLocation[cell.location] = loc;
      locations.push(loc);
    }
    loc.cells[cell.category] = cell;
    if (cell.count > maxCount) { maxCount = cell.count; }
  });

  function locationLabel(name) {
    var hash = name.indexOf('#');
    var path = hash < 0 ? name : name.slice(0, hash);
    var slash = path.lastIndexOf('/');
    var parts = [
      el('span', { 'class': 'dir', text: path.slice(0, slash + 1) }),
      el('span', { 'class': 'base', text: path.slice(slash + 1) })
    ];
    if (hash >= 0) { parts.push(el('span', { 'class': 'field', text: name.slice(hash + 1) })); }
    return parts;
  }

  function cellTitle(cell, category) {
    var lines = [
      cell.location, category + ': ' + cell.status,
      cell.count + ' finding' + (cell.count === 1 ? '' : 's') + ', ' + cell.distinct + ' distinct'
    ];
    if (cell.purposes.length) { lines.push('purposes: ' + cell.purposes.join(', ')); }
    if (cell.note) { lines.push(cell.note); }
    return lines.join('\n');
  }

  var head = el('tr', {}, [el('th', { 'class': 'corner', text: 'Location' })]);
  data.categories.forEach(function (c) {
    head.appendChild(el('th', { 'class': 'cat', title: c.describe, scope: 'col' }, [el('span', { text: c.id })]));
  });
  var body = el('tbody');
  var rows = [];
  locations.forEach(function (loc) {
    var link = el('a', { href: '#' + loc.anchor }, locationLabel(loc.name));
    var tr = el('tr', { 'data-location': loc.name }, [el('th', { 'class': 'loc', scope: 'row', title: loc.name }, [link])]);
    data.categories.forEach(function (c) {
      var cell = loc.cells[c.id];
      if (!cell) { tr.appendChild(el('td', { 'class': 'empty' })); return; }
      // Log scale, so one huge dump does not wash out every other cell.
      var k = 0.35 + 0.65 * Math.log(1 + cell.count) / Math.log(1 + maxCount);
      var td = el('td', {
        'class': 'cell s-' + cell.status + (cell.derived ? ' derived' : ''),
        'data-status': cell.status,
        'data-count': String(cell.count)
      }, [el('a', { href: '#' + cell.anchor, title: cellTitle(cell, c.id), text: String(cell.count) })]);
      td.style.setProperty('--k', k.toFixed(2));
      if (k < 0.6) { td.style.setProperty('--fg', '#1d2433'); }
      tr.appendChild(td);
    });
    rows.push(tr);
    body.appendChild(tr);
  });

  var map = document.getElementById('heatmap');
  map.innerHTML = '';
  if (locations.length) {
    map.appendChild(el('table', { id: 'heatmap-table' }, [el('thead', {}, [head]), body]));
  } else {
    map.appendChild(el('p', { 'class': 'muted', text: 'No personal data found.' }));
  }
  var counter = el('p', { id: 'heatmap-count', 'class': 'muted' });
  map.parentNode.insertBefore(counter, map.nextSibling);

  function apply() {
    var shown = 0;
    rows.forEach(function (tr) {
      var any = false;
      tr.querySelectorAll('td.cell').forEach(function (td) {
        var off = !!hidden[td.getAttribute('data-status')];
        td.classList.toggle('off', off);
        if (!off) { any = true; }
      });
      var match = !query || tr.getAttribute('data-location').toLowerCase().indexOf(query) >= 0;
      tr.classList.toggle('filtered', !(any && match));
      if (any && match) { shown += 1; }
    });
    counter.textContent = 'Showing ' + shown + ' of ' + rows.length + ' location' + (rows.length === 1 ? '' : 's') + '.';
    document.querySelectorAll('details.file').forEach(function (details) {
      var visible = 0;
      details.querySelectorAll('tbody tr').forEach(function (tr) {
        var off = !!hidden[tr.getAttribute('data-status')];
        tr.classList.toggle('filtered', off);
        if (!off) { visible += 1; }
      });
      var path = details.querySelector('.path').textContent.toLowerCase();
      var fields = Array.prototype.map.call(details.querySelectorAll('tbody td:first-child'), function (td) {
        return path + '#' + td.textContent.toLowerCase();
      });
      var match = !query || path.indexOf(query) >= 0 || fields.some(function (f) { return f.indexOf(query) >= 0; });
      details.classList.toggle('filtered', !(visible && match));
    });
  }

  document.querySelectorAll('#statuses button.card').forEach(function (card) {
    card.addEventListener('click', function () {
      var status = card.getAttribute('data-status');
      hidden[status] = !hidden[status];
      card.setAttribute('aria-pressed', hidden[status] ? 'false' : 'true');
      apply();
    });
  });
  document.getElementById('location-filter').addEventListener('input', function (e) {
    query = e.target.value.trim().toLowerCase();
    apply();
  });
  // A click in the heat map opens the file's section if it was closed.
  map.addEventListener('click', function (e) {
    var link = e.target.closest('a');
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute('href').slice(1));
    if (target) { target.open = true; }
  });

  apply();
  document.body.setAttribute('data-rendered', 'heatmap');
})();
