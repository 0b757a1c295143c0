// A stand-in for the Rust side, for browser tests of the built UI: it answers every IPC command of
// src-tauri/command_names.rs from memory. It is injected before the app loads.
window.__envdeskFake = (() => {
  const state = {
    connections: [{ id: 'local', name: 'Local vault', url: 'local', organization: '' }],
    settings: { theme: 'system', auto_lock_minutes: 15, clipboard_clear_seconds: 30, default_export_format: 'env', expiry_warning_days: 14, expiry_notifications: true },
    // What the Rust side's schema check says (issue 16), as scenarios seed it: the expiry report of the
    // tree's badges, and the key matrix's cell problems by key.
    expiry: { alerts: [], warn_days: 14, locked: [], unreadable: 0 },
    matrixProblems: {},
    projects: [],
    targets: {},
    envs: {},
    levels: {},
    versions: {},
    drafts: {},
    locked: false,
    calls: [],
    // What the native open dialog "chooses": the Rust side reads it and hands the page only a handle.
    chosen: { name: 'import.env', text: 'IMPORTED=1\nDB=from-file\n' },
    imports: {},
    nextHandle: 1,
    // The answer of the native confirmation of destructive operations (remove connection, force
    // delete, purge), which the page cannot give itself.
    confirm: true,
    written: {},
  };
  const key = (p) => [p.project, p.target ?? '', p.environment ?? ''].join('/');
  const confirmed = () => {
    if (!state.confirm) throw { code: 'cancelled', message: 'Cancelled: nothing was changed.' };
  };
  const parse = (text) => {
    const entries = [];
    let comments = [];
    text.split('\n').forEach((line, i) => {
      const t = line.trim();
      if (t.startsWith('#')) return comments.push(t.replace(/^#\s?/, ''));
      const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(t);
      if (m) {
        // The value and the comment after it (single-line values only, as the core reads them).
        const q = /^(['"])(.*)\1\s*(#.*)?$/.exec(m[2]);
        const u = /^(.*?)(?:\s+(#.*))?$/.exec(m[2]);
        const v = q ? q[2] : m[2].startsWith('#') ? '' : u[1];
        const inline = (q ? q[3] : m[2].startsWith('#') ? m[2] : u[2])?.trimEnd() ?? null;
        const tags = comments.filter((c) => c.startsWith('@tags:')).flatMap((c) => c.slice(6).split(',').map((s) => s.trim()));
        entries.push({ key: m[1], value: v, line: i + 1, comments: comments.filter((c) => !c.startsWith('@tags:')), tags, exported: false, quote: q ? (q[1] === '"' ? 'double' : 'single') : 'none', overridden: false, inline_comment: inline, schema: null });
      }
      comments = [];
    });
    return entries;
  };
  const analysis = (text) => {
    const bad = text.split('\n').findIndex((l) => /^[A-Za-z_]+:\s/.test(l));
    if (bad >= 0) return { parse_error: { line: bad + 1, column: 2, message: 'expected `=` between key and value, found `:`' }, lints: [], entries: [], comment_blocks: [] };
    const lints = [];
    text.split('\n').forEach((l, i) => {
      if (/^[A-Za-z_]+=[^'"].* .*/.test(l) && !/\s#/.test(l)) lints.push({ line: i + 1, code: 'whitespace_in_unquoted_value', severity: 'warning', message: 'unquoted whitespace', fix: { title: 'quote the value', start_line: i + 1, end_line: i + 1, replacement: l.replace('=', "='") + "'", delete: false } });
    });
    // Blocks of comment lines as written; above a key, its @tags line is the key's (Document::comment_blocks).
    const comment_blocks = [];
    let block = null;
    const lines = text.split('\n');
    lines.forEach((l, i) => {
      const t = l.trim();
      if (t.startsWith('#')) {
        block ??= { line: i + 1, lines: [] };
        block.lines.push(t);
        return;
      }
      if (block) {
        const headsKey = /^(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=/.test(t);
        const kept = block.lines.filter((c) => !(headsKey && /^#+\s?@tags:/.test(c)));
        if (kept.length) comment_blocks.push({ line: block.line, lines: kept });
        block = null;
      }
    });
    if (block) comment_blocks.push(block);
    return { parse_error: null, lints, entries: parse(text), comment_blocks };
  };
  const vars = (text) => Object.fromEntries(parse(text).map((e) => [e.key, e.value]));
  const chain = (p) => {
    const out = [{ kind: 'project', path: { project: p.project }, source: p.project }];
    if (p.target) out.push({ kind: 'target', path: { project: p.project, target: p.target }, source: p.target });
    if (p.environment) out.push({ kind: 'environment', path: p, source: p.environment });
    return out;
  };
  const level = (path) => state.levels[key(path)] ?? { text: '', revision: 0 };
  const node = (p) => {
    if (state.locked) throw { code: 'locked', message: 'The project is locked; unlock it first.' };
    const levels = chain(p).map((c) => {
      const l = level(c.path);
      return { kind: c.kind, source: c.source, text: l.text, exists: l.revision > 0, revision: l.revision, updated_at: null, parse_error: null };
    });
    const merged = [];
    for (const l of levels) {
      for (const [k, v] of Object.entries(vars(l.text))) {
        const m = merged.find((x) => x.key === k);
        if (m) {
          m.overrides.push({ level: m.source, value: m.value });
          m.value = v;
          m.source = l.kind;
        } else merged.push({ key: k, value: v, source: l.kind, overrides: [], resolved: null, error: null, description: null, value_type: null, sensitive: null, problems: [] });
      }
    }
    return { path: p, levels, merged };
  };
  const store = (path, text, base) => {
    const l = level(path);
    if (l.revision !== base) {
      return { revision: null, conflict: { theirs_revision: l.revision, theirs_text: l.text, merge: { text: text, conflicts: [{ key: 'A', base: '1', ours: 'mine', theirs: 'theirs' }], auto_merged: true } }, schema_problems: [] };
    }
    const rev = l.revision + 1;
    state.levels[key(path)] = { text, revision: rev };
    (state.versions[key(path)] ??= []).unshift({ type: 'secret-versions', id: String(Object.values(state.versions).flat().length + 1), text, attributes: { action: rev === 1 ? 'create' : 'update', size_bytes: text.length, is_client_encrypted: true, encryption_key_version: '1', key_version: '1', created_at: new Date().toISOString(), created_by: { id: 1, name: 'local vault' }, locked: false, locked_reason: null, revision: rev } });
    delete state.drafts[key(path)];
    return { revision: rev, conflict: null, schema_problems: [] };
  };
  const text = (src) => {
    if (src.kind === 'level') return level(src.path).text;
    if (src.kind === 'version') return Object.values(state.versions).flat().find((v) => v.id === src.id).text;
    return node(src.path).merged.map((m) => `${m.key}=${m.value}`).join('\n') + '\n';
  };
  const handlers = {
    ui_ready: () => null,
    list_connections: () => state.connections,
    add_connection: (a) => {
      if (!a.token.startsWith('edk_')) throw { code: 'unauthenticated', message: 'The API token is missing, unknown or revoked.' };
      const c = { id: 'conn-1', name: a.name, url: a.url, organization: a.organization };
      state.connections.push(c);
      return c;
    },
    test_connection: () => ({ id: 'ORG', name: 'Acme', slug: 'acme', status: 'active' }),
    remove_connection: (a) => {
      confirmed();
      state.connections = state.connections.filter((c) => c.id !== a.conn);
    },
    list_projects: () => state.projects,
    list_targets: (a) => state.targets[a.project] ?? [],
    list_environments: (a) => state.envs[`${a.project}/${a.target}`] ?? [],
    create_project: (a) => {
      const p = { id: 'P' + a.name, slug: a.name, name: a.name, managed: a.key.mode === 'server' ? 'server' : 'client', has_secrets: false, children: 0, status: null };
      state.projects.push(p);
      return { project: p, key_to_back_up: a.key.mode === 'generate' ? 'a'.repeat(64) : null };
    },
    create_child: (a) => {
      const slug = a.name.toLowerCase();
      const n = { id: 'N' + slug, slug, name: a.name, managed: null, has_secrets: null, children: 0, status: a.parent.target ? 'development' : null };
      if (a.parent.target) (state.envs[`${a.parent.project}/${a.parent.target}`] ??= []).push(n);
      else (state.targets[a.parent.project] ??= []).push(n);
      return n;
    },
    rename_node: (a) => ({ id: 'x', slug: a.path.project, name: a.name, managed: null, has_secrets: null, children: null, status: null }),
    delete_node: (a) => {
      if (a.confirm !== (a.path.environment ?? a.path.target ?? a.path.project)) throw { code: 'confirmation_required', message: 'Type the name.' };
      confirmed();
      state.projects = state.projects.filter((p) => p.slug !== a.path.project || a.path.target);
    },
    save_key_backup: () => '/tmp/app.envdesk-key.txt',
    dismiss_key_backup: () => null,
    rotate_key: () => ({ blobs: 3, versions: 4, key_version: 2, key_to_back_up: 'b'.repeat(64) }),
    unlock: () => {
      if (state.locked && state.needKey) throw { code: 'key_needed', message: 'The key is not on this computer.' };
      state.locked = false;
      return { managed: 'client', unlocked: true, key_version: 1 };
    },
    unlock_with_key: (a) => {
      if (a.key !== 'a'.repeat(64) && a.key !== state.passphrase) throw { code: 'wrong_key', message: 'That key does not open `app`. Nothing was changed.' };
      state.locked = false;
      state.needKey = false;
      return { managed: 'client', unlocked: true, key_version: 1 };
    },
    key_state: () => ({ managed: 'client', unlocked: !state.locked, key_version: 1 }),
    // What the lock screen asks for: `state.protection[project]` when a test sets it, else the server for
    // a server-managed project, a passphrase when the key must be typed (`needKey`), else the keychain;
    // `state.rememberedPassphrase[project]`: the keychain holds a passphrase (which may be forgotten).
    unlock_methods: (a) => {
      if (!a.project) return [];
      const managed = state.projects.find((p) => p.slug === a.project)?.managed;
      const protection = state.protection?.[a.project] ?? (managed === 'server' ? 'server' : state.needKey ? 'passphrase' : 'keychain');
      return [{ project: a.project, protection, remembered_passphrase: protection === 'keychain' && !!state.rememberedPassphrase?.[a.project] }];
    },
    forget_key: (a) => {
      confirmed();
      (state.protection ??= {})[a.project] = 'passphrase';
      if (state.rememberedPassphrase) delete state.rememberedPassphrase[a.project];
      state.needKey = true;
      return { project: a.project, protection: 'passphrase', remembered_passphrase: false };
    },
    lock_all: () => void (state.locked = true),
    lock_project: (a) => void (state.locked = state.locked || a.project === 'app'),
    read_node: (a) => node(a.path),
    save_level: (a) => store(a.path, a.text, a.base_revision),
    write_level: (a) => store(a.path, a.text, a.base_revision),
    analyze_text: (a) => analysis(a.text),
    analyze_level: (a) => analysis(a.text),
    edit_text: (a) => {
      const op = a.edit;
      const lines = a.text.split('\n');
      // As envdesk-core: a key is [A-Za-z_][A-Za-z0-9_.-]*; a rename onto a key refused; a comment after a value kept.
      const bad = [op.key, op.to].find((k) => k !== undefined && !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k));
      if (bad !== undefined) throw { code: 'invalid', message: `\`${bad}\` is not a valid key: use a letter or \`_\` first, then letters, digits, \`_\`, \`.\` or \`-\`` };
      if (op.op === 'rename') {
        if (op.from !== op.to && lines.some((l) => l.startsWith(op.to + '='))) throw { code: 'invalid', message: `a key \`${op.to}\` already exists` };
        return lines.map((l) => (l.startsWith(op.from + '=') ? op.to + l.slice(op.from.length) : l)).join('\n');
      }
      if (op.op === 'set') {
        const i = lines.findIndex((l) => l.startsWith(op.key + '='));
        if (i >= 0) lines[i] = `${op.key}=${op.value}${/\s#.*$/.exec(lines[i])?.[0] ?? ''}`;
        else lines.splice(lines.length - 1, 0, `${op.key}=${op.value}`);
      }
      if (op.op === 'remove') return lines.filter((l) => !l.startsWith(op.key + '=')).join('\n');
      return lines.join('\n');
    },
    resolve_conflict: (a) => a.text.replace(/^A=.*$/m, `A=${a.choices[0][1]}`),
    save_draft: (a) => void (state.drafts[key(a.path)] = { path: a.path, text: a.text, base_revision: a.base_revision }),
    list_drafts: () => Object.values(state.drafts).map((d) => ({ path: d.path, base_revision: d.base_revision, saved_at: 'now' })),
    get_draft: (a) => state.drafts[key(a.path)] ?? null,
    discard_draft: (a) => void delete state.drafts[key(a.path)],
    diff_sources: (a) => {
      const at = text(a.a), bt = text(a.b), av = vars(at), bv = vars(bt);
      const changes = [];
      for (const [k, v] of Object.entries(av)) changes.push(!(k in bv) ? { kind: 'removed', key: k, value: v } : bv[k] === v ? { kind: 'unchanged', key: k, value: v } : { kind: 'changed', key: k, old: v, new: bv[k] });
      for (const [k, v] of Object.entries(bv)) if (!(k in av)) changes.push({ kind: 'added', key: k, value: v });
      const count = (k) => changes.filter((c) => c.kind === k).length;
      return { a_text: at, b_text: bt, changes, summary: { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged: count('unchanged') } };
    },
    history: (a) => {
      const v = state.versions[key(a.path)] ?? [];
      return { versions: v, meta: { current_page: 1, per_page: 50, total: v.length, last_page: 1 } };
    },
    restore_version: (a) => {
      const v = Object.values(state.versions).flat().find((x) => x.id === a.id);
      return store(a.path, v.text, level(a.path).revision).revision;
    },
    delete_version: (a) => {
      if (a.force) confirmed();
      Object.keys(state.versions).forEach((k) => (state.versions[k] = state.versions[k].filter((v) => v.id !== a.id)));
    },
    purge_history: (a) => {
      confirmed();
      const n = (state.versions[key(a.path)] ?? []).length;
      state.versions[key(a.path)] = [];
      return n;
    },
    choose_import_file: () => {
      const handle = state.nextHandle++;
      state.imports = { [handle]: state.chosen.text };
      return { handle, name: state.chosen.name };
    },
    preview_import: (a) => {
      const file = state.imports[a.handle];
      if (typeof a.handle !== 'number' || file === undefined) throw { code: 'invalid', message: 'No file is chosen for import (or it was forgotten): choose the file again.' };
      const cur = level(a.path).text;
      const incoming = vars(file);
      const merged = cur + Object.entries(incoming).map(([k, v]) => `${k}=${v}\n`).join('');
      const changes = Object.entries(incoming).map(([k, v]) => (k in vars(cur) ? { kind: 'changed', key: k, old: vars(cur)[k], new: v } : { kind: 'added', key: k, value: v }));
      const s = { added: changes.filter((c) => c.kind === 'added').length, changed: changes.filter((c) => c.kind === 'changed').length, removed: 0, unchanged: 0 };
      // As schema::require_keys: keys not assigned are declared at the end, the others marked above.
      const have = vars(cur);
      const added = Object.keys(incoming).filter((k) => !(k in have));
      const annotated = Object.keys(incoming).filter((k) => k in have);
      const marked = cur.split('\n').map((l) => (annotated.some((k) => l.startsWith(k + '=')) ? `# @required\n${l}` : l)).join('\n');
      const schemaText = marked + (added.length ? (marked.trim() ? '\n' : '') + added.map((k) => `# @required\n${k}=\n`).join('') : '');
      const schema = { text: schemaText, added, annotated, unchanged: [], set_above: [] };
      return { incoming: Object.keys(incoming).length, merge_changes: changes, merge_summary: s, replace_changes: changes, replace_summary: s, merged_text: merged, replace_text: file, schema, base_revision: level(a.path).revision, base_text: cur };
    },
    apply_import: (a) => {
      const p = handlers.preview_import(a);
      delete state.imports[a.handle];
      return store(a.path, a.mode === 'merge' ? p.merged_text : a.mode === 'schema' ? p.schema.text : p.replace_text, p.base_revision);
    },
    export_to_file: (a) => {
      state.written['/tmp/export.env'] = { source: a.source, format: a.format, resolve: a.resolve };
      return '/tmp/export.env';
    },
    get_settings: () => state.settings,
    expiry_report: () => (state.locked ? { ...state.expiry, alerts: [], locked: state.projects.map((p) => p.slug) } : state.expiry),
    set_settings: (a) => (state.settings = a),
  };
  return { state, handlers };
})();

window.__TAURI_INTERNALS__ = {
  metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
  transformCallback: (cb) => {
    const id = Math.floor(Math.random() * 1e9);
    window['_' + id] = cb;
    return id;
  },
  convertFileSrc: (p) => p,
  invoke: async (cmd, args) => {
    const fake = window.__envdeskFake;
    // Listeners of events the Rust side sends (`listen`), kept so a test can send one: fake.emit(event, payload).
    if (cmd === 'plugin:event|listen') {
      (fake.listeners[args.event] ??= []).push(args.handler);
      return fake.listeners[args.event].length;
    }
    if (cmd.startsWith('plugin:event|')) return 0;
    // Every command takes one typed request, `{ req }` (or nothing); the fake sees the request.
    const req = args?.req ?? {};
    fake.state.calls.push({ cmd, args: req });
    const h = fake.handlers[cmd];
    if (!h) throw { code: 'internal', message: `no fake for ${cmd}` };
    return h(req);
  },
};

// Levels that do not parse, as on the Rust side (vault/levels.rs): `parse_error` is set on the level
// ("line L, column C: message") and its keys are left out of the merge; a merged diff side leaves them
// out too, and a merged export is refused.
(() => {
  const f = window.__envdeskFake;
  const { read_node, diff_sources, export_to_file, analyze_text } = f.handlers;
  const vars = (text) => {
    const out = {};
    for (const line of text.split('\n')) {
      const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line.trim());
      if (m) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1').replace(/\s+#.*$/, '');
    }
    return out;
  };
  f.handlers.read_node = (a) => {
    const n = read_node(a);
    let broken = false;
    for (const l of n.levels) {
      const e = analyze_text({ text: l.text }).parse_error;
      if (e) {
        l.parse_error = `line ${e.line}, column ${e.column}: ${e.message}`;
        broken = true;
      }
    }
    if (!broken) return n;
    const merged = [];
    for (const l of n.levels.filter((l) => !l.parse_error)) {
      for (const [k, v] of Object.entries(vars(l.text))) {
        const m = merged.find((x) => x.key === k);
        if (m) {
          m.overrides.push({ level: m.source, value: m.value });
          Object.assign(m, { value: v, source: l.kind });
        } else merged.push({ key: k, value: v, source: l.kind, overrides: [], resolved: null, error: null, description: null, value_type: null, sensitive: null, problems: [] });
      }
    }
    return { ...n, merged };
  };
  f.handlers.diff_sources = (a) => {
    const r = diff_sources(a);
    if (a.a.kind !== 'merged' && a.b.kind !== 'merged') return r;
    const merged = (src) => f.fullNode({ path: src.path }).merged.map((m) => `${m.key}=${m.value}`).join('\n') + '\n';
    const at = a.a.kind === 'merged' ? merged(a.a) : r.a_text;
    const bt = a.b.kind === 'merged' ? merged(a.b) : r.b_text;
    const av = vars(at), bv = vars(bt);
    const changes = [];
    for (const [k, v] of Object.entries(av)) changes.push(!(k in bv) ? { kind: 'removed', key: k, value: v } : bv[k] === v ? { kind: 'unchanged', key: k, value: v } : { kind: 'changed', key: k, old: v, new: bv[k] });
    for (const [k, v] of Object.entries(bv)) if (!(k in av)) changes.push({ kind: 'added', key: k, value: v });
    const count = (k) => changes.filter((c) => c.kind === k).length;
    return { a_text: at, b_text: bt, changes, summary: { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged: count('unchanged') } };
  };
  f.handlers.export_to_file = (a) => {
    if (a.source.kind === 'merged') {
      const bad = f.fullNode({ path: a.source.path }).levels.find((l) => l.parse_error);
      if (bad) throw { code: 'parse_error', message: `The ${bad.kind} level does not parse: ${bad.parse_error}` };
    }
    return export_to_file(a);
  };
})();

// Events from the Rust side: `window.__envdeskFake.emit('file-dropped', payload)` calls what the page
// registered with `listen`.
window.__envdeskFake.listeners = {};
window.__envdeskFake.emit = (event, payload) => {
  for (const id of window.__envdeskFake.listeners[event] ?? []) window['_' + id]?.({ event, id, payload });
};
window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };

// The key matrix (issue 14), as crates/core/src/matrix.rs computes it: per key, two characters per
// column (state S/P/T/M/A/., comparison with the environment to the left =/~/-), lines of set cells,
// `# @absent: A, B` lines, unreadable levels left out; no value in the answer.
(() => {
  const f = window.__envdeskFake;
  const s = f.state;
  const levelText = (k) => s.levels[k]?.text ?? '';
  const read = (k) => {
    const text = levelText(k);
    const a = f.handlers.analyze_text({ text });
    const vars = new Map();
    for (const e of a.entries) vars.set(e.key, { value: e.value, line: e.line });
    const absent = text.split('\n').flatMap((l) => /^#+\s?@absent:(.*)$/.exec(l.trim())?.[1].split(',').map((x) => x.trim()).filter(Boolean) ?? []);
    return { vars, absent, error: a.parse_error ? `line ${a.parse_error.line}, column ${a.parse_error.column}: ${a.parse_error.message}` : null };
  };
  f.handlers.key_matrix = (a) => {
    const p = a.project;
    const name = s.projects.find((x) => x.slug === p)?.name ?? p;
    const targets = (s.targets[p] ?? []).map((t) => ({ t, envs: s.envs[`${p}/${t.slug}`] ?? [] }));
    const columns = [{ kind: 'project', target: null, environment: null, name, parse_error: null, above_unreadable: false }];
    if (s.locked) {
      for (const { t, envs } of targets) {
        columns.push({ kind: 'target', target: t.slug, environment: null, name: t.name, parse_error: null, above_unreadable: false });
        for (const e of envs) columns.push({ kind: 'environment', target: t.slug, environment: e.slug, name: e.name, parse_error: null, above_unreadable: false });
      }
      return { project: p, locked: true, columns, rows: [], schema_errors: 0, schema_warnings: 0 };
    }
    const pl = read(`${p}//`);
    columns[0].parse_error = pl.error;
    const parsed = targets.map(({ t, envs }) => ({ t, tl: read(`${p}/${t.slug}/`), envs: envs.map((e) => ({ e, l: read(`${p}/${t.slug}/${e.slug}`) })) }));
    const keys = new Set(pl.vars.keys());
    for (const { tl, envs } of parsed) {
      for (const k of tl.vars.keys()) keys.add(k);
      for (const { l } of envs) for (const k of l.vars.keys()) keys.add(k);
    }
    for (const { t, tl, envs } of parsed) {
      columns.push({ kind: 'target', target: t.slug, environment: null, name: t.name, parse_error: tl.error, above_unreadable: !!pl.error });
      for (const { e, l } of envs) columns.push({ kind: 'environment', target: t.slug, environment: e.slug, name: e.name, parse_error: l.error, above_unreadable: !!(pl.error || tl.error) });
    }
    const rows = [...keys].map((key) => {
      let cells = '';
      const lines = [];
      let missing = false;
      let differs = false;
      const inP = pl.vars.get(key);
      if (inP) lines.push(inP.line);
      cells += inP ? 'S-' : '.-';
      for (const { tl, envs } of parsed) {
        const inT = tl.vars.get(key);
        if (inT) lines.push(inT.line);
        cells += inT ? 'S-' : inP ? 'P-' : '.-';
        const inherited = inT ? [inT.value, 'T'] : inP ? [inP.value, 'P'] : null;
        const absentAbove = pl.absent.includes(key) || tl.absent.includes(key);
        let left;
        envs.forEach(({ l }, i) => {
          const own = l.vars.get(key);
          let state, value;
          if (own) [state, value] = ['S', own.value], lines.push(own.line);
          else if (inherited) [value, state] = inherited;
          else if (absentAbove || l.absent.includes(key)) [state, value] = ['A', null];
          else [state, value, missing] = ['M', null, true];
          let cmp = '-';
          if (i > 0 && left != null && value != null) cmp = left === value ? '=' : '~';
          if (cmp === '~') differs = true;
          cells += state + cmp;
          left = value;
        });
      }
      return { key, cells, lines, missing, differs, problems: s.matrixProblems[key] ?? [] };
    });
    const all = rows.flatMap((r) => r.problems);
    return { project: p, locked: false, columns, rows, schema_errors: all.filter((x) => x.severity === 'error').length, schema_warnings: all.filter((x) => x.severity === 'warning').length };
  };
  f.handlers.matrix_cell_value = (a) => f.fullNode({ path: a.path }).merged.find((m) => m.key === a.name)?.value ?? null;
  f.handlers.export_matrix_csv = (a) => {
    const m = f.handlers.key_matrix(a);
    if (m.locked) throw { code: 'locked', message: 'The project is locked; unlock it first.' };
    const file = `/tmp/${a.project}-key-matrix.csv`;
    s.written[file] = { project: a.project, rows: m.rows.length };
    return file;
  };
})();

// Search everywhere, as on the Rust side (vault/search.rs): key names always, comments and values when
// asked; hits grouped project → target → environment, never a value; at most 200 with the total.
// `state.lockedProjects` (a test sets it) are listed as locked, as is every project when all is locked;
// `unlock` of one of them unlocks it.
(() => {
  const f = window.__envdeskFake;
  const { unlock } = f.handlers;
  f.handlers.unlock = (a) => {
    const r = unlock(a);
    if (f.state.lockedProjects) f.state.lockedProjects = f.state.lockedProjects.filter((p) => p !== a.project);
    return r;
  };
  f.handlers.search = (a) => {
    const s = f.state;
    const q = a.query.trim().toLowerCase();
    const isLocked = (slug) => s.locked || (s.lockedProjects ?? []).includes(slug);
    const locked = s.projects.filter((p) => isLocked(p.slug));
    const hits = [];
    const names = [];
    const levels = Object.keys(s.levels)
      .map((k) => k.split('/'))
      .filter(([p]) => s.projects.some((x) => x.slug === p) && !isLocked(p))
      .sort((x, y) => x.join('\u0000').localeCompare(y.join('\u0000')));
    for (const [project, target, environment] of levels) {
      const level = { project, target: target || null, environment: environment || null };
      if (!q) continue;
      for (const e of f.handlers.analyze_text({ text: s.levels[[project, target, environment].join('/')].text }).entries) {
        const comment = [...e.comments, ...(e.tags.length ? [`@tags: ${e.tags.join(', ')}`] : []), e.inline_comment?.replace(/^#\s*/, '')].filter(Boolean).join(' ');
        const in_name = e.key.toLowerCase().includes(q);
        const in_comment = a.comments && comment.toLowerCase().includes(q);
        const in_value = a.values && e.value.toLowerCase().includes(q);
        if (in_name || in_comment || in_value) hits.push({ level, key: e.key, line: e.line, in_name, in_comment, in_value, comment: comment || null });
      }
    }
    for (const h of hits) {
      const { project, target, environment } = h.level;
      const p = s.projects.find((x) => x.slug === project);
      names.push({ level: { project, target: null, environment: null }, name: p.name });
      if (target) names.push({ level: { project, target, environment: null }, name: (s.targets[project] ?? []).find((t) => t.slug === target)?.name ?? target });
      if (environment) names.push({ level: h.level, name: (s.envs[`${project}/${target}`] ?? []).find((e) => e.slug === environment)?.name ?? environment });
    }
    return { results: { hits: hits.slice(0, 200), total: hits.length }, locked, unreadable: [], names };
  };
})();

// The history of one key (issue 14, part 3), as vault/key_history.rs does it: the level's versions oldest
// first, a `delete` empties the level, a version whose text does not parse is skipped and listed; no value
// leaves but key_value_at's (the one the user reveals); restore_key_value sets or removes that key alone,
// refused as a conflict when the level's revision is not the one shown.
(() => {
  const f = window.__envdeskFake;
  const pk = (p) => [p.project, p.target ?? '', p.environment ?? ''].join('/');
  const vars = (text) => {
    const out = {};
    for (const line of text.split('\n')) {
      const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line.trim());
      if (m) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1').replace(/\s+#.*$/, '');
    }
    return out;
  };
  const parses = (text) => !f.handlers.analyze_text({ text }).parse_error;
  const ref = (v, i) => ({ id: v.id, revision: v.attributes.revision ?? null, position: i + 1, created_at: v.attributes.created_at, author: v.attributes.created_by?.name ?? null, action: v.attributes.action });
  const states = (path) =>
    [...(f.state.versions[pk(path)] ?? [])].reverse().map((v, i) => ({ v, ref: ref(v, i), vars: v.attributes.action === 'delete' ? {} : parses(v.text) ? vars(v.text) : null }));
  const locked = () => {
    if (f.state.locked) throw { code: 'locked', message: 'The project is locked; unlock it first.' };
  };
  f.handlers.key_history = (a) => {
    locked();
    const all = states(a.path);
    const events = [];
    const skipped = [];
    const classes = new Map();
    let prev;
    for (const s of all) {
      if (!s.vars) {
        skipped.push({ version: s.ref, reason: 'its text does not parse (line 2, column 8: expected `=` between key and value, found `:`)' });
        continue;
      }
      const cur = s.vars[a.name];
      const change = prev === undefined ? (cur === undefined ? null : 'added') : cur === undefined ? 'removed' : cur !== prev ? 'changed' : null;
      if (change) {
        if (cur !== undefined && !classes.has(cur)) classes.set(cur, classes.size + 1);
        events.push({ version: s.ref, change, value_class: cur === undefined ? null : classes.get(cur) });
      }
      prev = cur;
    }
    return { key: a.name, events: events.reverse(), skipped: skipped.reverse(), versions: all.length };
  };
  f.handlers.level_blame = (a) => {
    locked();
    const set = {};
    let prev = {};
    const skipped = [];
    const all = states(a.path);
    for (const s of all) {
      if (!s.vars) {
        skipped.push({ version: s.ref, reason: 'its text does not parse' });
        continue;
      }
      for (const [k, v] of Object.entries(s.vars)) if (prev[k] !== v) set[k] = s.ref;
      for (const k of Object.keys(prev)) if (!(k in s.vars)) delete set[k];
      prev = s.vars;
    }
    const current = vars((f.state.levels[pk(a.path)] ?? { text: '' }).text);
    return { keys: Object.entries(current).map(([k, v]) => ({ key: k, version: prev[k] === v ? (set[k] ?? null) : null })), skipped: skipped.reverse() };
  };
  f.handlers.key_value_at = (a) => {
    locked();
    const s = states(a.path).find((x) => x.v.id === a.version);
    if (!s) throw { code: 'not_found', message: "That version is not in this level's history." };
    if (!s.vars) throw { code: 'invalid', message: 'That version cannot be read: its text does not parse.' };
    return s.vars[a.name] ?? null;
  };
  f.handlers.restore_key_value = (a) => {
    const value = f.handlers.key_value_at(a);
    const l = f.state.levels[pk(a.path)] ?? { text: '', revision: 0 };
    if (l.revision !== a.base_revision) throw { code: 'revision_conflict', message: 'The level was changed since it was read; nothing was restored. Read it again and retry.' };
    const lines = l.text.split('\n');
    const at = lines.findIndex((x) => x.startsWith(a.name + '='));
    if (value === null) {
      if (at >= 0) lines.splice(at, 1);
    } else if (at >= 0) lines[at] = `${a.name}=${value}`;
    else lines.splice(lines.length - 1, 0, `${a.name}=${value}`);
    const text = lines.join('\n');
    if (text === l.text) return { revision: l.revision, written: false };
    return { revision: f.handlers.save_level({ path: a.path, text, base_revision: l.revision }).revision, written: true };
  };
})();

// Views, as on the Rust side (client/vault/views.rs): `read_node` keeps the node and answers the levels
// with the text of one (`text_of`, else the deepest, and any that does not parse); the page asks for
// windows of the merged rows, another level's text and the live merge of an edit. A lock closes views.
// Installed last, over every `read_node` above; the helpers here read whole nodes with `f.fullNode`.
(() => {
  const f = window.__envdeskFake;
  const full = f.handlers.read_node;
  f.fullNode = (a) => full(a);
  const views = new Map();
  let next = 0;
  const closed = { code: 'view_closed', message: 'This view of the node was closed; it is read again.' };
  f.views = views;
  f.handlers.read_node = (a) => {
    const n = full(a);
    const id = ++next;
    views.set(id, { node: n, live: null, project: a.path.project });
    const kinds = n.levels.map((l) => l.kind);
    const textOf = a.text_of && kinds.includes(a.text_of) ? a.text_of : kinds[kinds.length - 1];
    const first = a.rows ? { total: n.merged.length, all: n.merged.length, offset: 0, rows: n.merged.slice(0, Math.min(a.rows, 1000)), live: false, missing: [], schema_errors: 0, schema_warnings: 0 } : null;
    return { path: n.path, view: id, keys: n.merged.length, levels: n.levels.map((l) => ({ ...l, text: l.kind === textOf || l.parse_error ? l.text : null })), first };
  };
  f.handlers.close_view = (a) => void views.delete(a.view);
  const view = (id) => {
    const v = views.get(id);
    if (!v) throw closed;
    if (f.state.locked) throw { code: 'locked', message: 'The project is locked; unlock it first.' };
    return v;
  };
  const mergedOf = (v, live) => (live && v.live ? v.live : v.node.merged);
  f.handlers.merged_rows = (a) => {
    const v = view(a.view);
    const all = mergedOf(v, a.live);
    const q = a.filter.toLowerCase();
    const rows = all.filter((m) => m.key.toLowerCase().includes(q));
    return { total: rows.length, all: all.length, offset: a.offset, rows: rows.slice(a.offset, a.offset + Math.min(a.limit, 1000)), live: !!(a.live && v.live), missing: [], schema_errors: 0, schema_warnings: 0 };
  };
  f.handlers.merged_key = (a) => mergedOf(view(a.view), a.live).find((m) => m.key === a.name) ?? null;
  f.handlers.level_text = (a) => {
    const l = view(a.view).node.levels.find((l) => l.kind === a.level);
    if (!l) throw { code: 'invalid', message: `This node has no ${a.level} level.` };
    return l.text;
  };
  f.handlers.edit_view = (a) => {
    const v = view(a.view);
    if (a.seq < (v.seq ?? 0)) return (v.live ?? v.node.merged).length;
    v.seq = a.seq;
    const i = v.node.levels.findIndex((l) => l.kind === a.level);
    if (i < 0) throw { code: 'invalid', message: `This node has no ${a.level} level.` };
    if (a.text === null || a.text === v.node.levels[i].text) {
      v.live = null;
      return v.node.merged.length;
    }
    // The node merged again with that level's stored text replaced for the moment.
    const p = v.node.path;
    const at = [p.project, i >= 1 ? p.target : '', i >= 2 ? p.environment : ''].join('/');
    const stored = f.state.levels[at];
    f.state.levels[at] = { text: a.text, revision: stored?.revision ?? 0 };
    try {
      v.live = full({ path: p }).merged;
    } finally {
      if (stored) f.state.levels[at] = stored;
      else delete f.state.levels[at];
    }
    return v.live.length;
  };
  const { lock_all, lock_project } = f.handlers;
  f.handlers.lock_all = (a) => {
    views.clear();
    return lock_all(a);
  };
  f.handlers.lock_project = (a) => {
    for (const [id, v] of views) if (v.project === a.project) views.delete(id);
    return lock_project(a);
  };
})();

// The audit log of a server connection (issue 15), as vault/activity.rs asks it of the server: newest
// first, 50 a page; the node filter takes the node and what is under it; the local vault keeps none.
(() => {
  const f = window.__envdeskFake;
  f.state.audit = [];
  f.state.auditForbidden = false;
  const events = { reads: 'secret.read', secrets: 'secret.', keys: 'key.', tokens: 'token.', denied: 'authz.access_denied' };
  const nodeOf = (p) => (p ? [p.project, p.target, p.environment].filter(Boolean).join('/') : null);
  const list = (a, node, event) => {
    if (a.conn === 'local') throw { code: 'not_found', message: 'This connection keeps no audit log.' };
    if (f.state.auditForbidden) throw { code: 'insufficient_permissions', message: 'This token does not have the `audit:read` ability.' };
    return [...f.state.audit]
      .reverse()
      .filter((e) => !node || e.node === node || e.node?.startsWith(node + '/'))
      .filter((e) => !event || (event.endsWith('.') ? e.event.startsWith(event) : e.event === event))
      .filter((e) => a.token_id == null || e.token_id === String(a.token_id))
      .filter((e) => (!a.from || e.at.slice(0, 10) >= a.from) && (!a.to || e.at.slice(0, 10) <= a.to));
  };
  f.handlers.activity = (a) => {
    const all = list(a, nodeOf(a.node), a.kind ? events[a.kind] : null);
    return { entries: all.slice((a.page - 1) * 50, a.page * 50), page: a.page, last_page: Math.max(1, Math.ceil(all.length / 50)), total: all.length };
  };
  f.handlers.last_read = (a) => list(a, nodeOf(a.path), 'secret.read')[0] ?? null;
})();
