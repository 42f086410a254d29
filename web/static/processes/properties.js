/* Sesshu properties of the selected BPMN element, edited beside the diagram.
 *
 * Written as SpiffWorkflow extension elements through bpmn-js's modeling service (so every
 * change can be undone): spiffworkflow:properties (form, fields, separate_from, milestone,
 * due) on user tasks, spiffworkflow:serviceTaskOperator on service tasks, the quoted ISO
 * duration of timer events, and the lane name that maps a lane to a role.
 */
(function () {
  'use strict';

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  function field(label, control, hint) {
    return el('label', { class: 'prop' }, [
      el('span', { text: label }), control, hint ? el('small', { class: 'muted', text: hint }) : null,
    ]);
  }

  function SesshuProperties(modeler, catalog, container) {
    const modeling = modeler.get('modeling');
    const moddle = modeler.get('moddle');
    const registry = modeler.get('elementRegistry');
    let current = null;
    let editing = false; // the panel's own changes must not rebuild the panel under the cursor

    function fromPanel(change) {
      return (value) => {
        editing = true;
        try { change(value); } finally { editing = false; }
      };
    }

    function is(element, type) {
      const bo = element && element.businessObject;
      return !!(bo && bo.$instanceOf && bo.$instanceOf(type));
    }

    function extension(element, type) {
      const ext = element.businessObject.extensionElements;
      return ext ? (ext.get('values') || []).find((v) => v.$type === type) : undefined;
    }

    function ensureExtensions(element) {
      let ext = element.businessObject.extensionElements;
      if (!ext) {
        ext = moddle.create('bpmn:ExtensionElements', { values: [] });
        modeling.updateProperties(element, { extensionElements: ext });
      }
      return ext;
    }

    function ensureExtension(element, type, attrs) {
      let found = extension(element, type);
      if (!found) {
        const ext = ensureExtensions(element);
        found = moddle.create(type, attrs);
        modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), found] });
      }
      return found;
    }

    function removeExtension(element, type) {
      const ext = element.businessObject.extensionElements;
      const found = extension(element, type);
      if (ext && found) modeling.updateModdleProperties(element, ext, { values: ext.get('values').filter((v) => v !== found) });
    }

    function getProperty(element, name) {
      const props = extension(element, 'spiffworkflow:Properties');
      const found = props && (props.get('properties') || []).find((p) => p.name === name);
      return found ? found.value || '' : '';
    }

    function setProperty(element, name, value) {
      value = (value || '').trim();
      if (!value && !getProperty(element, name)) return;
      const props = ensureExtension(element, 'spiffworkflow:Properties', { properties: [] });
      const list = props.get('properties');
      const existing = list.find((p) => p.name === name);
      if (!value) {
        modeling.updateModdleProperties(element, props, { properties: list.filter((p) => p !== existing) });
      } else if (existing) {
        modeling.updateModdleProperties(element, existing, { value: value });
      } else {
        const created = moddle.create('spiffworkflow:Property', { name: name, value: value });
        modeling.updateModdleProperties(element, props, { properties: [...list, created] });
      }
    }

    function textInput(id, value, onchange, attrs) {
      const apply = fromPanel(onchange);
      return el('input', Object.assign({ type: 'text', id: id, value: value, onchange: (e) => apply(e.target.value) }, attrs || {}));
    }

    function select(id, options, value, onchange) {
      const apply = fromPanel(onchange);
      const node = el('select', { id: id, onchange: (e) => apply(e.target.value) },
        options.map(([v, label]) => el('option', { value: v, text: label })));
      node.value = value;
      return node;
    }

    function userTasks() {
      return registry.filter((e) => e.type === 'bpmn:UserTask');
    }

    function renderCommon(element, parts) {
      parts.push(el('p', { class: 'muted', text: `ID: ${element.id}（${element.type.replace('bpmn:', '')}）` }));
      if (!element.labelTarget && element.type !== 'bpmn:Process') {
        parts.push(field('名前', textInput('prop-name', element.businessObject.name || '',
          (v) => modeling.updateLabel(element, v))));
      }
    }

    function renderLane(element, parts) {
      const name = element.businessObject.name || '';
      const options = [['', '（役割を選ぶ）'], ...catalog.roles.map((r) => [r.label, r.label])];
      if (name && !catalog.lanes.includes(name)) options.push([name, `${name}（役割に対応していません）`]);
      parts.push(field('役割（このレーンのユーザータスクを担当）', select('prop-role', options, name,
        (v) => modeling.updateLabel(element, v)), 'レーン名が役割名になります。'));
    }

    function renderUserTask(element, parts) {
      const form = getProperty(element, 'form');
      const fields = getProperty(element, 'fields');
      const choice = form || (fields ? '__fields__' : '');
      const options = [['', '（フォームを選ぶ）'], ...catalog.forms.map((f) => [f, f]), ['__fields__', '汎用フォーム（項目一覧で指定）']];
      if (form && !catalog.forms.includes(form)) options.push([form, `${form}（登録されていません）`]);
      parts.push(field('フォーム', select('prop-form', options, choice, (v) => {
        if (v === '__fields__') {
          setProperty(element, 'form', '');
          if (!getProperty(element, 'fields')) setProperty(element, 'fields', '[{"name": "note", "label": "メモ", "type": "textarea"}]');
        } else {
          setProperty(element, 'form', v);
          setProperty(element, 'fields', '');
        }
        render(element);
      })));
      if (choice === '__fields__') {
        const apply = fromPanel((v) => setProperty(element, 'fields', v));
        const area = el('textarea', { id: 'prop-fields', rows: 5, onchange: (e) => apply(e.target.value) });
        area.value = fields;
        parts.push(field('項目一覧（JSON）', area,
          '例: [{"name": "result", "label": "確認結果", "type": "select", "required": true, "choices": [["ok", "問題なし"]]}]。型: text, number, date, select, checkbox, textarea'));
      }
      const separated = getProperty(element, 'separate_from').split(',').map((s) => s.trim()).filter(Boolean);
      const others = userTasks().filter((t) => t.id !== element.id);
      const boxes = others.map((t) => el('label', { class: 'check' }, [
        el('input', { type: 'checkbox', value: t.id, checked: separated.includes(t.id), onchange: fromPanel(() => {
          const chosen = Array.from(container.querySelectorAll('#prop-separate input:checked')).map((c) => c.value);
          setProperty(element, 'separate_from', chosen.join(','));
        }) }),
        el('span', { text: `${t.businessObject.name || t.id}（${t.id}）` }),
      ]));
      parts.push(el('fieldset', { id: 'prop-separate', class: 'prop' }, [
        el('legend', { text: '二者確認: 次の作業を行った職員は担当できない' }),
        ...(boxes.length ? boxes : [el('p', { class: 'muted', text: 'ほかのユーザータスクがありません' })]),
      ]));
      parts.push(field('マイルストーン（申請者に示す段階名）', textInput('prop-milestone', getProperty(element, 'milestone'),
        (v) => setProperty(element, 'milestone', v))));
      parts.push(field('処理期限', textInput('prop-due', getProperty(element, 'due'),
        (v) => setProperty(element, 'due', v), { placeholder: 'P14D' }), 'ISO 8601 の期間（P3D = 3 日、PT4H = 4 時間）。作業が届いてからの期限です。'));
    }

    function renderServiceTask(element, parts) {
      const operator = extension(element, 'spiffworkflow:ServiceTaskOperator');
      const name = operator ? operator.id || '' : '';
      const options = [['', '（処理を選ぶ）'], ...catalog.operators.map((o) => [o.name, o.description ? `${o.name} — ${o.description}` : o.name])];
      if (name && !catalog.operators.some((o) => o.name === name)) options.push([name, `${name}（登録されていません）`]);
      parts.push(field('処理（登録済みの処理から選ぶ）', select('prop-operator', options, name, (v) => {
        if (!v) { removeExtension(element, 'spiffworkflow:ServiceTaskOperator'); render(element); return; }
        const found = ensureExtension(element, 'spiffworkflow:ServiceTaskOperator', { id: v });
        const params = moddle.create('spiffworkflow:Parameters', { parameters: [] });
        modeling.updateModdleProperties(element, found, { id: v, parameterList: params });
        render(element);
      })));
      const declared = (catalog.operators.find((o) => o.name === name) || { parameters: [] }).parameters;
      const list = operator && operator.parameterList ? operator.parameterList.get('parameters') : [];
      declared.forEach((p) => {
        const existing = list.find((x) => x.id === p.name);
        parts.push(field(`引数 ${p.name}${p.required ? '（必須）' : ''}`, textInput(`prop-param-${p.name}`, existing ? existing.value || '' : '', (v) => {
          let params = operator.parameterList;
          if (!params) {
            params = moddle.create('spiffworkflow:Parameters', { parameters: [] });
            modeling.updateModdleProperties(element, operator, { parameterList: params });
          }
          const items = params.get('parameters');
          const found = items.find((x) => x.id === p.name);
          if (!v.trim()) {
            if (found) modeling.updateModdleProperties(element, params, { parameters: items.filter((x) => x !== found) });
          } else if (found) {
            modeling.updateModdleProperties(element, found, { value: v });
          } else {
            const created = moddle.create('spiffworkflow:Parameter', { id: p.name, type: 'any', value: v });
            modeling.updateModdleProperties(element, params, { parameters: [...items, created] });
          }
        }), p.description ? `${p.description}（式: 例 case_id、文字列は '…' で囲む）` : '式で指定します（例 case_id、文字列は \'…\' で囲む）'));
      });
    }

    function timerDefinition(element) {
      const defs = element.businessObject.eventDefinitions || [];
      return defs.find((d) => d.$type === 'bpmn:TimerEventDefinition');
    }

    function renderTimer(element, parts) {
      const timer = timerDefinition(element);
      const expression = timer.timeDuration;
      const raw = expression ? expression.body || '' : '';
      const shown = raw.replace(/^\s*["']|["']\s*$/g, '');
      parts.push(field('待つ期間', textInput('prop-duration', shown, (v) => {
        const value = v.trim();
        const body = value ? `"${value.replace(/"/g, '')}"` : '';
        const formal = moddle.create('bpmn:FormalExpression', { body: body });
        modeling.updateModdleProperties(element, timer, { timeDuration: value ? formal : undefined, timeDate: undefined, timeCycle: undefined });
      }, { placeholder: 'P30D' }), 'ISO 8601 の期間（P30D = 30 日、PT1H = 1 時間）。'));
    }

    function render(element) {
      current = element;
      container.replaceChildren();
      if (!element) {
        container.appendChild(el('p', { class: 'muted', text: '図の要素を選ぶと、ここで Sesshu の設定を編集できます。' }));
        return;
      }
      const parts = [el('h2', { text: '要素の設定' })];
      renderCommon(element, parts);
      if (is(element, 'bpmn:Lane')) renderLane(element, parts);
      if (element.type === 'bpmn:UserTask') renderUserTask(element, parts);
      if (element.type === 'bpmn:ServiceTask') renderServiceTask(element, parts);
      if (is(element, 'bpmn:Event') && timerDefinition(element)) renderTimer(element, parts);
      if (['bpmn:Task', 'bpmn:ManualTask'].includes(element.type)) {
        parts.push(el('p', { class: 'flash flash-error', text: '種類のないタスク・手作業タスクは使えません。レンチのメニューで「ユーザータスク」などに変更してください。' }));
      }
      parts.forEach((p) => container.appendChild(p));
    }

    modeler.get('eventBus').on('selection.changed', (event) => {
      const selected = event.newSelection;
      render(selected.length === 1 ? selected[0] : null);
    });
    modeler.get('eventBus').on('elements.changed', (event) => {
      // Changes from elsewhere (undo, label editing on the canvas) refresh the panel.
      if (!editing && current && event.elements.some((e) => e.id === current.id)) {
        render(registry.get(current.id) || null);
      }
    });
    return { render: render };
  }

  window.SesshuProperties = SesshuProperties;
})();
