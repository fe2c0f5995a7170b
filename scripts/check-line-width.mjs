#!/usr/bin/env node
// Fails when a source line is longer than the formatter's width (biome.json): the formatter wraps code, but not the
// strings and comments it may not split, so those are held to the same width here.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const width = JSON.parse(readFileSync('biome.json', 'utf8')).formatter.lineWidth;
const roots = ['src', 'test', 'bench', 'scripts', 'web/src'];
const skip = /(^|\/)(node_modules|dist|generated)(\/|$)/;
const long = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (skip.test(path)) continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ts|tsx|mjs|js)$/.test(name)) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.length > width) long.push(`${path}:${i + 1}: ${line.length} characters`);
        });
    }
  }
}
for (const root of roots) walk(root);
if (long.length > 0) {
  process.stderr.write(`${long.length} line(s) longer than ${width} characters:\n${long.join('\n')}\n`);
  process.exit(1);
}
