#!/usr/bin/env node
// Regenerate the README's options section between its markers from the CLI's
// own option tables:  npx tsc -p tsconfig.json && node scripts/update-readme.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const table = execFileSync(process.execPath, [new URL('./options-table.mjs', import.meta.url).pathname]).toString().trim();
const path = new URL('../README.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const start = '<!-- options:start -->';
const end = '<!-- options:end -->';
const re = new RegExp(`${start}[\\s\\S]*?${end}`);
const body = `${start}\n${table}\n${end}`;
writeFileSync(path, re.test(text) ? text.replace(re, body) : text.replace('OPTIONS_TABLE', body));
