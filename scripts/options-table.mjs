#!/usr/bin/env node
// Print the README's option tables from the commands' own option specs, so
// the documentation cannot drift from what the CLI accepts.
//   npx tsc -p tsconfig.json && node scripts/options-table.mjs [command...]
import { envName } from '../dist/cli/options.js';

const names = process.argv.length > 2 ? process.argv.slice(2) : ['serve', 'fetch', 'verify', 'check', 'inspect', 'lookup', 'export', 'print-config', 'healthcheck', 'status', 'demo'];
for (const name of names) {
  let mod;
  try {
    mod = await import(`../dist/cli/commands/${name}.js`);
  } catch {
    continue;
  }
  const cmd = mod.command;
  console.log(`#### \`rootmirror ${cmd.name}${cmd.usage ? ` ${cmd.usage}` : ''}\`\n\n${cmd.summary}\n`);
  if (cmd.options.length === 0) continue;
  console.log('| option | environment | default | what it does |\n|---|---|---|---|');
  for (const o of cmd.options) {
    const flag = `\`--${o.name}${o.type === 'boolean' ? '' : ` ${o.metavar ?? (o.choices ? o.choices.join('\\|') : o.type.toUpperCase())}`}\``;
    const env = envName(o);
    let def = o.default === undefined ? '' : Array.isArray(o.default) ? o.default.join(', ') : String(o.default);
    if (o.type === 'duration' && typeof o.default === 'number') def = `${o.default}s`;
    def = def.replace(/.*\/keys\//, 'keys/');
    console.log(`| ${flag} | ${env ? `\`${env}\`` : ''} | ${def ? `\`${def}\`` : ''} | ${o.help.replace(/\|/g, '\\|')} |`);
  }
  console.log();
}
