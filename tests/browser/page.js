// In-page helpers for the browser test, injected into every page as window.__bt (tests/lab_driver.py).
window.__bt = {
  CONTROLS: '.widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-radio, .widget-checkbox,'
          + ' .widget-text, .widget-textarea, .widget-button, .widget-play',
  WIDGET_ERRORS: ['Error displaying widget', 'Failed to load model class', 'model not found'],
  kernelErrors: [],   // every error the kernel sent, with the phase of the test it came in
  kernelStderr: [],   // every stderr text (and stdout warning) the kernel sent, with its phase
  widgetIdles: 0,     // how many widget messages (comm_msg) the kernel has finished handling
  WARNING: /\b[A-Z]\w*Warning: .*/,
  CONTROLS_SNIPPET: [
    'def _bt_controls():',
    '    import ipywidgets as w',
    '    from ipywidgets.widgets import widget as wm',
    '    instances = wm._instances if hasattr(wm, "_instances") else w.Widget.widgets',
    '    count = {"slider": 0, "dropdown": 0, "text": 0, "disabled": 0, "other": []}',
    '    sliders = (w.IntSlider, w.FloatSlider, w.FloatLogSlider, w.SelectionSlider)',
    '    for x in list(instances.values()):',
    '        if not x.has_trait("disabled"):',
    '            continue',
    '        if x.disabled:',
    '            count["disabled"] += 1',
    '        elif isinstance(x, sliders):',
    '            count["slider"] += 1',
    '        elif isinstance(x, w.Dropdown):',
    '            count["dropdown"] += 1',
    '        elif type(x) is w.Text:',
    '            count["text"] += 1',
    '        else:',
    '            count["other"].append(type(x).__name__ + " " + repr(getattr(x, "description", "")))',
    '    return count',
  ].join('\n'),
  phase: 'opening',

  panel(path) {
    const app = window.jupyterapp;
    if (!app) return null;
    for (const w of app.shell.widgets('main')) if (w.context && w.context.path === path) return w;
    return null;
  },
  kernelStatus(path) {
    const p = this.panel(path);
    const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
    return k ? k.status : 'no kernel';
  },
  // Listen to everything the kernel sends: errors inside an Output that is never displayed
  // (e.g. interactive_output's own Output) are caught here and nowhere else.
  // Also counts the kernel's returns to idle after a message from a widget (a comm_msg: a control moved),
  // so that a move that changed nothing is known as soon as the kernel has handled it.
  watchKernel(path) {
    this.panel(path).sessionContext.iopubMessage.connect((_, msg) => {
      const c = msg.content, type = msg.header.msg_type;
      if (type === 'error') this.kernelErrors.push({phase: this.phase, error: `${c.ename}: ${c.evalue}`});
      if (type === 'stream' && c.name === 'stderr') {
        const warning = c.text.match(this.WARNING);
        this.kernelStderr.push({phase: this.phase, text: warning ? warning[0] : c.text.trim().split('\n').pop()});
      }
      if (type === 'stream' && c.name === 'stdout' && this.WARNING.test(c.text))
        this.kernelStderr.push({phase: this.phase, text: c.text.match(this.WARNING)[0]});
      if (type === 'status' && c.execution_state === 'idle' && msg.parent_header.msg_type === 'comm_msg')
        this.widgetIdles += 1;
    });
  },
  // The controls the kernel created (still open), counted by kind, by a silent execution: any widget
  // with a 'disabled' trait is a control (progress bars, labels, Outputs and boxes have none).
  async kernelControls(path) {
    const kernel = this.panel(path).sessionContext.session.kernel;
    const future = kernel.requestExecute({code: this.CONTROLS_SNIPPET, silent: true, store_history: false,
                                          user_expressions: {controls: '_bt_controls()'}});
    const reply = await future.done;
    const r = reply.content.user_expressions && reply.content.user_expressions.controls;
    if (!r || r.status !== 'ok') return {error: JSON.stringify(reply.content).slice(0, 500)};
    return {repr: r.data['text/plain']};
  },
  startRunAll(path) {
    const app = window.jupyterapp, p = this.panel(path);
    app.shell.activateById(p.id);  // notebook commands act on the current notebook
    this.runAll = undefined;
    app.commands.execute('notebook:run-all-cells').then(
      ok => { this.runAll = {ok: ok !== false}; }, e => { this.runAll = {error: String(e)}; });
  },
  codeCells(path) {
    return this.panel(path).content.widgets.filter(c => c.model.type === 'code');
  },
  prompt(cell) {
    const n = cell.node.querySelector('.jp-InputArea-prompt');
    return n ? n.textContent.trim() : '';
  },
  // Where Run All is, in words: the running code cell and how many have not finished.
  runState(path) {
    const prompts = this.codeCells(path).map(c => this.prompt(c));
    const running = prompts.findIndex(t => t.includes('*'));
    const unfinished = prompts.filter(t => t.includes('*')).length;
    const where = running < 0 ? 'every cell has run' : `code cell ${running + 1} of ${prompts.length} running, `
      + `${unfinished} not finished`;
    return `(${where}, kernel ${this.kernelStatus(path)}; a busy machine may need BROWSER_TEST_RUN_ALL_S)`;
  },
  scrollToRunning(path) {
    const cell = this.codeCells(path).find(c => this.prompt(c).includes('*'));
    if (cell) cell.node.scrollIntoView({block: 'center'});
  },
  runFinished(path) {
    return this.runAll !== undefined && this.kernelStatus(path) === 'idle'
      && !this.codeCells(path).some(c => this.prompt(c).includes('*'));
  },
  // The code cells that did not run, and one line per error output in the cells' models.
  cellProblems(path) {
    const notRun = [], errors = [];
    this.codeCells(path).forEach((cell, i) => {
      if (!/\[\d+\]/.test(this.prompt(cell)) && cell.model.sharedModel.getSource().trim()) notRun.push(i + 1);
      for (const o of cell.model.outputs.toJSON()) {
        if (o.output_type === 'error') errors.push(`code cell ${i + 1} raised ${o.ename}: ${o.evalue}`);
      }
    });
    return {notRun, errors};
  },
  // Tracebacks, exceptions ("ValueError: ...") on stderr, and widget-frontend errors under root.
  errorTexts(root) {
    const found = [];
    for (const o of root.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')) {
      const t = o.textContent.trim();
      const warning = t.match(this.WARNING);
      if (/Traceback|[A-Z]\w*(Error|Exception)\b:/.test(t)) found.push(t);
      else if (warning) found.push(warning[0]);
    }
    for (const o of root.querySelectorAll('[data-mime-type="application/vnd.jupyter.stdout"]')) {
      const m = o.textContent.match(this.WARNING);
      if (m) found.push(m[0]);
    }
    const all = root.textContent;
    for (const m of this.WIDGET_ERRORS) if (all.includes(m)) found.push(m);
    return found;
  },
  domErrors(path) {
    const found = [];
    this.codeCells(path).forEach((cell, i) => {
      for (const t of this.errorTexts(cell.node)) found.push(`code cell ${i + 1}: ${t}`);
    });
    return found;
  },
  // Cells whose model has a widget view that the frontend has not rendered (yet).
  unrenderedWidgets(path) {
    const missing = [];
    this.codeCells(path).forEach((cell, i) => {
      const views = cell.model.outputs.toJSON()
        .filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length;
      const area = cell.node.querySelector('.jp-Cell-outputArea');
      const rendered = area ? area.querySelectorAll(':scope > .jp-OutputArea-child .jupyter-widgets').length : 0;
      const shown = (area ? area.textContent : '').trim().slice(0, 200);
      if (views && !rendered) missing.push(`code cell ${i + 1} shows "${shown}"`);
    });
    return missing;
  },
  // Cells that show a widget's static picture (the image/png in the widget's own bundle, for front ends without
  // widgets) as a figure of its own, outside the live widget: the reader would see two figures.
  staticPicturesShown(path) {
    const shown = [];
    this.codeCells(path).forEach((cell, i) => {
      const pictures = cell.model.outputs.toJSON()
        .filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json'] && o.data['image/png'])
        .map(o => String(o.data['image/png']).replace(/\s/g, ''));
      for (const img of cell.node.querySelectorAll('.jp-Cell-outputArea img'))
        if (!img.closest('.jupyter-widgets') && pictures.some(p => img.src.endsWith(p)))
          shown.push(`code cell ${i + 1}`);
    });
    return shown;
  },
  // A signature of every output, to wait until the notebook stops changing.
  outputSignature(path) {
    const node = this.panel(path).content.node;
    const imgs = Array.from(node.querySelectorAll('.jp-Cell-outputArea img')).map(i => this.hash(i.src));
    return imgs.join(',') + '|' + this.hash(Array.from(node.querySelectorAll('.jp-Cell-outputArea'))
      .map(a => a.textContent).join('\n'));
  },
  // Tag every enabled slider and dropdown with data-bt-control and describe it (a SelectionSlider's element
  // has no .jupyter-widgets class: select by .widget-slider alone).
  markControls(path) {
    const controls = [];
    this.codeCells(path).forEach((cell, i) => {
      for (const el of cell.node.querySelectorAll('.widget-slider, .widget-dropdown, .widget-text')) {
        const handle = el.querySelector('.noUi-handle'), select = el.querySelector('select');
        const box = el.querySelector('input[type="text"]');
        const kind = handle ? 'slider' : select ? 'dropdown' : box ? 'text' : null;
        if (!kind || (select && select.disabled) || (box && box.disabled) ||
            el.querySelector('.noUi-target[disabled]')) continue;
        el.dataset.btControl = String(controls.length);
        const label = el.querySelector('.widget-label');
        // A SelectionSlider (no .jupyter-widgets class) shows a label its readout cannot take back typed.
        const typed = kind === 'slider' && el.classList.contains('jupyter-widgets');
        controls.push({id: controls.length, kind, cell: i + 1, typed,
                       label: (label && label.textContent.trim()) || '(no description)'});
      }
    });
    return controls;
  },
  // What the control's widget group shows: the Output widget(s) of the nearest enclosing box
  // that has one, else the whole cell output without its controls (whose readouts change anyway).
  snapshot(id) {
    const el = document.querySelector(`[data-bt-control="${id}"]`);
    if (!el) return null;
    const cell = el.closest('.jp-Cell');
    let outs = [];
    for (let n = el.parentElement; n && n !== cell && !outs.length; n = n.parentElement)
      outs = Array.from(n.querySelectorAll('.widget-output'));
    const parts = outs.length ? outs : [cell.querySelector('.jp-Cell-outputArea')];
    const snap = {imgs: [], text: '', errors: [], stderr: [],
                  where: outs.length ? 'its Output widget' : 'the cell output'};
    for (const part of parts) {
      for (const img of part.querySelectorAll('img')) snap.imgs.push(this.hash(img.src));
      const clone = part.cloneNode(true);
      clone.querySelectorAll(this.CONTROLS).forEach(c => c.remove());
      snap.text += clone.textContent.trim() + '\n';
      snap.errors.push(...this.errorTexts(part));
      for (const o of part.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]'))
        snap.stderr.push(o.textContent.trim());
    }
    snap.text = snap.text.trim();
    return snap;
  },
  // One round trip per poll while a move is handled: the group's drawing and the kernel's state.
  moveState(path, id) {
    return {snap: this.snapshot(id), status: this.kernelStatus(path), idles: this.widgetIdles};
  },
  hash(s) {  // FNV-1a: compares long data: URIs without shipping them to Python
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
    return (h >>> 0).toString(16) + '/' + s.length;
  },
  async shutdown(path) {
    const p = this.panel(path);
    if (p) await p.sessionContext.shutdown();
  },
};
