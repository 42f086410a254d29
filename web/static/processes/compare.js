/* Two read-only diagrams side by side, added/changed elements marked on the new one and
 * removed/changed ones on the old one. */
(function () {
  'use strict';

  const root = document.getElementById('diff');
  if (!root) return;
  const diff = JSON.parse(root.dataset.diff);

  async function show(container, url, marks) {
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const body = await response.json();
    const viewer = new window.BpmnJS({ container: container });
    await viewer.importXML(body.xml);
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    const registry = viewer.get('elementRegistry');
    marks.forEach(([items, css]) => items.forEach((item) => {
      if (registry.get(item.id)) canvas.addMarker(item.id, css);
    }));
    return viewer;
  }

  Promise.all([
    show('#canvas-old', root.dataset.oldUrl, [[diff.removed, 'diff-removed'], [diff.changed, 'diff-changed']]),
    show('#canvas-new', root.dataset.newUrl, [[diff.added, 'diff-added'], [diff.changed, 'diff-changed']]),
  ]).then(() => { root.dataset.ready = '1'; }).catch((error) => {
    root.insertAdjacentText('afterend', `図を表示できません: ${error.message}`);
  });
})();
