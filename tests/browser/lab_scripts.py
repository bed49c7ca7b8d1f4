"""JavaScript the browser suite runs in the JupyterLab page (through Playwright's ``evaluate``).

``window.jupyterapp`` is exposed by the server flag ``--LabApp.expose_app_in_browser``;
everything here goes through JupyterLab's public API (commands, the notebook panel, its
session context and output models), so a notebook's state is read, not guessed from pixels.
"""

# One notebook is open at a time; its state lives in ``window.__cs229llm``.
JS_OPEN = """
async (path) => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  const state = {panel, iopubErrors: [], runResult: null, runError: null,
                 imageHistory: {}, hashes: new WeakMap()};
  panel.sessionContext.iopubMessage.connect((_, msg) => {
    const kind = msg.header.msg_type;
    if (kind === 'error') {
      state.iopubErrors.push(`${msg.content.ename}: ${msg.content.evalue}`);
    } else if (kind === 'stream' && msg.content.name === 'stderr'
               && /Traceback \\(most recent call last\\)|Exception in comm_msg/.test(msg.content.text)) {
      state.iopubErrors.push(msg.content.text.slice(0, 400));
    }
  });
  // Image history per cell: a new entry each time the set of images a cell shows changes,
  // so a figure redrawn in place and a figure added per step can be told apart.
  const hashOf = (img) => {
    const src = img.getAttribute('src') || '';
    const known = state.hashes.get(img);
    if (known && known.src === src) return known.hash;
    let h = 5381;
    for (let i = 0; i < src.length; i += 7) h = ((h * 33) ^ src.charCodeAt(i)) >>> 0;
    const hash = `${src.length}:${h.toString(16)}`;
    state.hashes.set(img, {src, hash});
    return hash;
  };
  const record = () => {
    panel.content.widgets.forEach((cell, index) => {
      if (cell.model.type !== 'code') return;
      const imgs = Array.from(cell.node.querySelectorAll('.jp-OutputArea-output img'));
      const signature = imgs.map(hashOf).join(',');
      const history = state.imageHistory[index] || (state.imageHistory[index] = []);
      const last = history[history.length - 1];
      if (imgs.length === 0 && last === undefined) return;
      if (last === undefined || last.signature !== signature) {
        if (history.length < 500) history.push({signature, count: imgs.length});
      }
    });
  };
  state.observer = new MutationObserver(record);
  state.observer.observe(panel.content.node, {subtree: true, childList: true,
                                              attributes: true, attributeFilter: ['src']});
  window.__cs229llm = state;
  return panel.id;
}
"""

JS_CLOSE = """
async () => {
  const state = window.__cs229llm;
  if (!state) return false;
  window.__cs229llm = null;
  state.observer.disconnect();
  try { await state.panel.sessionContext.shutdown(); } catch (e) {}
  state.panel.dispose();
  return true;
}
"""

JS_KERNEL_STATUS = """
() => {
  const s = window.__cs229llm && window.__cs229llm.panel.sessionContext;
  if (!s || !s.session || !s.session.kernel) return 'none';
  return s.session.kernel.connectionStatus === 'connected' ? s.session.kernel.status : 'connecting';
}
"""

JS_RUN_ALL = """
() => {
  const state = window.__cs229llm;
  state.runResult = null;
  state.imageHistory = {};
  window.jupyterapp.shell.activateById(state.panel.id);
  window.jupyterapp.commands.execute('notebook:run-all-cells')
    .then(ok => { state.runResult = ok === false ? 'stopped' : 'done'; })
    .catch(err => { state.runResult = 'failed'; state.runError = String(err); });
  return true;
}
"""

JS_PROGRESS = """
() => {
  const state = window.__cs229llm;
  const cells = state.panel.content.widgets.filter(c => c.model.type === 'code');
  const done = cells.filter(c => c.model.executionCount !== null).length;
  const s = state.panel.sessionContext;
  const status = s.session && s.session.kernel ? s.session.kernel.status : 'none';
  return {runResult: state.runResult, runError: state.runError, done, total: cells.length, status};
}
"""

JS_IMAGE_HISTORY = """
() => {
  const history = window.__cs229llm.imageHistory;
  const result = {};
  for (const [index, entries] of Object.entries(history)) {
    result[index] = entries.map(e => ({count: e.count, signature: e.signature}));
  }
  return result;
}
"""

JS_INSPECT = """
([widgetMime, brokenTexts]) => {
  const state = window.__cs229llm;
  const cells = state.panel.content.widgets;
  const result = {codeCells: 0, executed: 0, unexecuted: [], modelErrors: [], domTracebacks: [],
                  appErrors: [], widgetViews: 0, brokenWidgets: [], images: 0,
                  iopubErrors: state.iopubErrors.slice()};
  cells.forEach((cell, index) => {
    cell.node.setAttribute('data-cs229llm-cell', String(index));
    if (cell.model.type !== 'code') return;
    result.codeCells += 1;
    const source = cell.model.sharedModel.getSource().trim();
    if (cell.model.executionCount !== null) result.executed += 1;
    else if (source) result.unexecuted.push(index);
    // outputs as the model holds them, and the nodes that show them (same order)
    const outputs = cell.model.outputs;
    const children = Array.from(cell.outputArea.node.children)
      .filter(n => n.classList.contains('jp-OutputArea-child'));
    for (let i = 0; i < outputs.length; i++) {
      const output = outputs.get(i).toJSON();
      if (output.output_type === 'error') {
        result.modelErrors.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
      }
      if (output.data && output.data[widgetMime]) {
        result.widgetViews += 1;
        const node = children[i];
        const text = node ? (node.innerText || '') : '';
        const broken = brokenTexts.find(t => text.includes(t));
        const rendered = node && node.querySelector('.jupyter-widgets');
        if (broken || !rendered) {
          result.brokenWidgets.push(`cell ${index}: ${broken ? text.trim().slice(0, 200) : 'nothing rendered'}`);
        }
      }
    }
    cell.node.querySelectorAll('.jp-OutputArea-output').forEach(out => {
      const mime = out.getAttribute('data-mime-type') || '';
      const text = out.innerText || '';
      if (mime === 'application/vnd.jupyter.stderr' && /Traceback/.test(text)) {
        const lines = text.trim().split('\\n').filter(l => l.trim());
        result.domTracebacks.push(`cell ${index}: ${lines.slice(-1)[0].slice(0, 300)}`);
      }
    });
    cell.node.querySelectorAll('.cs229llm-error').forEach(el => {
      result.appErrors.push(`cell ${index}: ${(el.innerText || '').trim().slice(0, 300)}`);
    });
    result.images += cell.node.querySelectorAll('.jp-OutputArea-output img').length;
  });
  return result;
}
"""
