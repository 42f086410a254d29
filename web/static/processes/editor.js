/* The process editor page: bpmn-js Modeler, drafts, validation with highlighted elements,
 * import and download. Server URLs come from data-* attributes (no inline script). */
(function () {
  'use strict';

  const root = document.getElementById('editor');
  if (!root) return;
  const data = root.dataset;
  const statusBox = document.getElementById('status');
  const problemsList = document.getElementById('problems');
  const problemsSummary = document.getElementById('problems-summary');
  let modeler = null;
  let baseVersion = null;
  let dirty = false;
  let marked = [];

  function status(text, error) {
    statusBox.textContent = text;
    statusBox.classList.toggle('status-error', !!error);
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`${response.status}`);
    return response.json();
  }

  async function postXML(url, xml) {
    const response = await fetch(url, {
      method: 'POST', credentials: 'same-origin', body: xml,
      headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': data.csrf, Accept: 'application/json' },
    });
    const body = await response.json().catch(() => ({ problems: [{ element_id: '', message: `サーバーの応答を読めません（${response.status}）` }] }));
    return { ok: response.ok, body: body };
  }

  async function currentXML() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  async function open(xml, source) {
    clearMarks();
    try {
      const result = await modeler.importXML(xml);
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      document.getElementById('source').textContent = source;
      if (result.warnings && result.warnings.length) {
        status(`読み込み時の注意 ${result.warnings.length} 件: ${result.warnings.map((w) => w.message).slice(0, 3).join(' / ')}`, true);
      }
      return true;
    } catch (error) {
      status(`図を読み込めません: ${error.message}`, true);
      return false;
    }
  }

  async function saveDraft() {
    status('保存中…');
    const url = data.saveUrl + (baseVersion ? `?base_version=${baseVersion}` : '');
    const { ok, body } = await postXML(url, await currentXML());
    if (ok) {
      dirty = false;
      status(body.message);
      document.getElementById('source').textContent = '下書き（保存済み）';
    } else {
      status('保存できません。', true);
      showProblems(body.problems || []);
    }
    return ok;
  }

  function clearMarks() {
    if (!modeler) return;
    const canvas = modeler.get('canvas');
    marked.forEach((id) => { try { canvas.removeMarker(id, 'sesshu-problem'); } catch (e) { /* element removed */ } });
    marked = [];
    modeler.get('overlays').remove({ type: 'sesshu-problem' });
  }

  function findElement(id) {
    if (!id) return null;
    const registry = modeler.get('elementRegistry');
    return registry.get(id) || registry.find((e) => e.businessObject && e.businessObject.processRef && e.businessObject.processRef.id === id) || null;
  }

  function focusElement(id) {
    const element = findElement(id);
    if (!element) return;
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element);
  }

  function showProblems(problems) {
    clearMarks();
    problemsList.replaceChildren();
    const canvas = modeler.get('canvas');
    const overlays = modeler.get('overlays');
    problems.forEach((problem) => {
      const item = document.createElement('li');
      const element = findElement(problem.element_id);
      if (element) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'link-button';
        button.textContent = problem.element_id;
        button.dataset.elementId = problem.element_id;
        button.addEventListener('click', () => focusElement(problem.element_id));
        item.appendChild(button);
        item.appendChild(document.createTextNode(`: ${problem.message}`));
        if (!marked.includes(element.id)) {
          canvas.addMarker(element, 'sesshu-problem');
          marked.push(element.id);
          const badge = document.createElement('span');
          badge.className = 'problem-badge';
          badge.textContent = '!';
          badge.title = problem.message;
          overlays.add(element, 'sesshu-problem', { position: { top: -10, right: 10 }, html: badge });
        }
      } else {
        item.textContent = `${problem.element_id || 'ファイル全体'}: ${problem.message}`;
      }
      problemsList.appendChild(item);
    });
  }

  async function validate() {
    status('検証中…');
    const { ok, body } = await postXML(data.validateUrl, await currentXML());
    const problems = body.problems || [];
    showProblems(problems);
    if (ok && body.ok) {
      problemsSummary.textContent = '問題は見つかりませんでした。公開できます。';
      status('検証: 問題なし');
    } else {
      problemsSummary.textContent = `問題が ${problems.length} 件あります。項目を押すと図の該当要素を選びます。`;
      status(`検証: 問題 ${problems.length} 件`, true);
    }
  }

  function download(name, text, type) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: type }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  function bind() {
    document.getElementById('save-draft').addEventListener('click', saveDraft);
    document.getElementById('validate').addEventListener('click', validate);
    document.getElementById('download-xml').addEventListener('click', async () => download(`${data.key}.bpmn`, await currentXML(), 'application/xml'));
    document.getElementById('download-svg').addEventListener('click', async () => {
      const { svg } = await modeler.saveSVG();
      download(`${data.key}.svg`, svg, 'image/svg+xml');
    });
    document.getElementById('import-file').addEventListener('change', async (event) => {
      const file = event.target.files[0];
      event.target.value = '';
      if (!file) return;
      if (file.size > 5 * 1024 * 1024) { status('ファイルが大きすぎます（上限 5 MB）', true); return; }
      const { ok, body } = await postXML(data.prepareUrl, await file.text());
      if (!ok) {
        status(`ファイル ${file.name} は読み込めません。`, true);
        showProblems(body.problems || []);
        return;
      }
      const note = body.laid_out ? '、図がないため自動で配置' : '';
      if (await open(body.xml, `読み込んだファイル ${file.name}（未保存${note}）`)) {
        dirty = true;
        status('読み込みました。内容を確かめて「下書きを保存」を押してください。');
      }
    });
    const publishForm = document.getElementById('publish-form');
    if (publishForm) {
      publishForm.addEventListener('submit', async (event) => {
        if (publishForm.dataset.saved === '1') return;
        event.preventDefault();
        if (await saveDraft()) {
          publishForm.dataset.saved = '1';
          publishForm.requestSubmit();
        }
      });
    }
    modeler.on('commandStack.changed', () => { dirty = true; status('未保存の変更があります'); });
    window.addEventListener('beforeunload', (event) => {
      if (dirty && !(publishForm && publishForm.dataset.saved === '1')) event.preventDefault();
    });
  }

  async function start() {
    try {
      const [moddle, catalog, doc] = await Promise.all([getJSON(data.moddleUrl), getJSON(data.catalogUrl), getJSON(data.documentUrl)]);
      modeler = new window.BpmnJS({ container: '#canvas', moddleExtensions: { spiffworkflow: moddle } });
      window.sesshuModeler = modeler;
      window.SesshuProperties(modeler, catalog, document.getElementById('properties'));
      baseVersion = doc.base_version;
      bind();
      await open(doc.xml, doc.source + (doc.laid_out ? '（図がないため自動で配置）' : ''));
      dirty = false;
      root.dataset.ready = '1';
    } catch (error) {
      status(`エディタを開けません: ${error.message}`, true);
    }
  }

  start();
})();
