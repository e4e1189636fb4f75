#!/usr/bin/env node
// The shape of src/, checked: which folder may import which (data flows one
// way: fetch → verify → zone → store → server; monitor and ops read; nothing
// imports cli), no import cycle between folders or between files, no file over
// the size limit, no module that only tests import.
// Run by test/structure.test.ts; `node scripts/check-imports.mjs` prints the
// findings and exits 1 when there are any.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(REPO, 'src');
export const MAX_LINES = 400;

/**
 * Who may import whom. Top-level files of src/ (clock.ts, log.ts, errors.ts,
 * index.ts) are "" and hold what every layer shares; they import no folder.
 */
export const ALLOWED = {
  '': [],
  dns: [''],
  zone: ['', 'dns'],
  verify: ['', 'dns', 'zone'],
  fetch: ['', 'dns', 'zone'],
  server: ['', 'dns', 'zone', 'fetch'],
  refresh: ['', 'dns', 'zone', 'verify', 'fetch'],
  monitor: ['', 'dns', 'zone', 'fetch'],
  ops: ['', 'dns', 'zone', 'verify', 'fetch', 'server', 'refresh', 'monitor'],
  cli: ['', 'dns', 'zone', 'verify', 'fetch', 'server', 'refresh', 'monitor', 'ops'],
};

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const isTest = (f) => f.endsWith('.test.ts');
const folderOf = (f) => {
  const r = relative(SRC, f).split('/');
  return r.length === 1 ? '' : r[0];
};

/** Relative imports of one file (static, dynamic, re-exports; `import type` counts: a type cycle is still a cycle of concepts). */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = new Set();
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    out.add(target);
  }
  return [...out];
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

export function findings() {
  const files = walk(SRC);
  const code = files.filter((f) => !isTest(f));
  const problems = [];
  const fileGraph = new Map();
  const folderGraph = new Map();
  const importedBy = new Map(code.map((f) => [f, { code: 0, test: 0 }]));
  for (const f of files) {
    for (const t of importsOf(f)) {
      if (!t.startsWith(SRC + '/')) continue;
      const seen = importedBy.get(t);
      if (seen) isTest(f) ? seen.test++ : seen.code++;
      if (isTest(f)) continue;
      if (!fileGraph.has(f)) fileGraph.set(f, []);
      fileGraph.get(f).push(t);
      const [a, b] = [folderOf(f), folderOf(t)];
      if (a === b) continue;
      if (!folderGraph.has(a)) folderGraph.set(a, []);
      if (!folderGraph.get(a).includes(b)) folderGraph.get(a).push(b);
      const allowed = ALLOWED[a];
      if (allowed === undefined) problems.push(`src/${a}/ is a folder the rules do not know: add it to ALLOWED in scripts/check-imports.mjs`);
      else if (!allowed.includes(b)) problems.push(`${relative(REPO, f)} imports ${relative(REPO, t)}: ${a || 'src/'} must not import ${b || 'src/'}`);
    }
  }
  for (const c of cycles(folderGraph)) problems.push(`folder cycle: ${c.map((x) => x || 'src/').join(' ↔ ')}`);
  for (const c of cycles(fileGraph)) problems.push(`file cycle: ${c.map((x) => relative(REPO, x)).join(' ↔ ')}`);
  for (const f of code) {
    const lines = readFileSync(f, 'utf8').split('\n').length;
    if (lines > MAX_LINES) problems.push(`${relative(REPO, f)}: ${lines} lines (limit ${MAX_LINES}): split it by concept`);
  }
  const entry = new Set(['src/cli/main.ts', 'src/index.ts']);
  for (const [f, n] of importedBy) {
    if (entry.has(relative(REPO, f))) continue;
    if (n.code === 0 && n.test > 0) problems.push(`${relative(REPO, f)} is imported only by tests: move it under test/`);
  }
  return [...new Set(problems)];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const p = findings();
  for (const l of p) console.log(l);
  console.log(`${p.length} finding(s)`);
  process.exitCode = p.length === 0 ? 0 : 1;
}
