// Usage: node check.mjs <folder>...
// Parses every *.ps1, *.psm1 and *.psd1 under the folders (skipping node_modules, out, bin, obj, .git, .tools) with
// tree-sitter's PowerShell grammar and exits 1 naming file:line:column for each syntax error. Before that it
// checks itself on a broken and a sound snippet, so a grammar that silently accepts everything cannot pass.
// The grammar is stricter than PowerShell in a few places; quote bare words in comma lists ('A', 'B') and
// arguments shaped like --name=value, and start a param() block on its own line.
import { Parser, Language } from 'web-tree-sitter';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const skipped = new Set(['node_modules', 'out', 'bin', 'obj', '.git', '.tools']);
const extensions = new Set(['.ps1', '.psm1', '.psd1']);

await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(join(here, 'node_modules', 'tree-sitter-powershell', 'tree-sitter-powershell.wasm')));

/** Syntax errors of a script as { line, column, message }, outermost ERROR nodes and MISSING tokens. */
function syntaxErrors(text) {
  const tree = parser.parse(text);
  const errors = [];
  const visit = (node) => {
    if (node.isMissing) {
      errors.push({ ...position(node), message: `missing '${node.type}'` });
    } else if (node.type === 'ERROR') {
      errors.push({ ...position(node), message: `cannot parse '${node.text.split('\n')[0].slice(0, 40)}'` });
    } else if (node.hasError) {
      for (const child of node.children) visit(child);
    }
  };
  visit(tree.rootNode);
  tree.delete();
  return errors;
}

const position = (node) => ({ line: node.startPosition.row + 1, column: node.startPosition.column + 1 });

function* powershellFiles(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory() && !skipped.has(entry.name)) yield* powershellFiles(join(folder, entry.name));
    else if (entry.isFile() && extensions.has(extname(entry.name).toLowerCase())) yield join(folder, entry.name);
  }
}

const broken = 'function Get-Broken {\n    if ($x {\n        "unclosed condition"\n    }\n';
const sound = '@{ A = 1 }\nfunction Get-Sound {\n    param([string] $Name)\n    "hello $Name" | Write-Output\n}\n';
if (syntaxErrors(broken).length === 0 || syntaxErrors(sound).length !== 0) {
  console.error('ps-grammar self-test failed: the grammar does not tell a broken script from a sound one');
  process.exit(2);
}

const folders = process.argv.slice(2);
if (folders.length === 0) {
  console.error('usage: node check.mjs <folder>...');
  process.exit(2);
}
let files = 0;
let failures = 0;
for (const folder of folders) {
  for (const file of powershellFiles(folder)) {
    files++;
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    for (const e of syntaxErrors(text)) {
      failures++;
      console.error(`${relative(process.cwd(), file)}:${e.line}:${e.column}: syntax error: ${e.message}`);
    }
  }
}
if (failures > 0) {
  console.error(`${failures} syntax error(s) in PowerShell files`);
  process.exit(1);
}
console.log(`ps-grammar: ${files} PowerShell file(s) parsed without syntax errors`);
