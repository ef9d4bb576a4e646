// Checks every answer the e2e suite received (support/exchange_log.hpp) against the OpenAPI
// document the server serves, with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1):
//
//   * the request's path and method find the operation (the /api/ alias resolved, literal
//     segments before {parameters}); HEAD is answered by its GET;
//   * the status is one the operation documents — an undocumented status fails;
//   * a body's Content-Type is one that response documents, and a JSON body matches its
//     schema;
//   * an Idempotency-Key, If-Match or If-None-Match the test sent is a documented header
//     parameter of the operation;
//   * an answer to a path or method the document does not have is an error (4xx) in the one
//     error shape (components.schemas.Error).
//
//   node check_answers.cjs OPENAPI.json EXCHANGES.jsonl      (NODE_PATH: the tools' node_modules)
//
// Exit 0 when everything matches (one summary line), 1 with every mismatch listed.
'use strict';

const fs = require('fs');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const [docPath, exchangesPath] = process.argv.slice(2);
if (!docPath || !exchangesPath) {
  console.error('usage: node check_answers.cjs OPENAPI.json EXCHANGES.jsonl');
  process.exit(2);
}
const doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));
const AjvClass = Ajv2020.default || Ajv2020;
const ajv = new AjvClass({ strict: false, allErrors: true, validateSchema: false });
(addFormats.default || addFormats)(ajv);
ajv.addSchema(doc, 'openapi');

const escape = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const pointer = (...parts) => 'openapi#/' + parts.map(escape).join('/');

// Resolves a local "#/components/…" reference of the document.
function resolve(node) {
  let seen = 0;
  while (node && node.$ref && seen++ < 10) {
    node = node.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((n, key) => (n ? n[key] : undefined), doc);
  }
  return node;
}

// The path templates, most specific first: fewer parameters, then more literal text.
const templates = Object.keys(doc.paths || {})
  .map((t) => {
    const parts = t.split('/');
    const params = parts.filter((p) => p.startsWith('{')).length;
    const regex = new RegExp(
      '^' +
        parts
          .map((p) => (p.startsWith('{') ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/') +
        '$',
    );
    return { template: t, params, literal: t.replace(/\{[^}]+\}/g, '').length, regex };
  })
  .sort((a, b) => a.params - b.params || b.literal - a.literal);

function templateOf(target) {
  let path = target.split('?')[0];
  if (path.startsWith('/api/') && !path.startsWith('/api/v1/') && path !== '/api/v1')
    path = '/api/v1/' + path.slice('/api/'.length);
  const hit = templates.find((t) => t.regex.test(path));
  return hit ? hit.template : null;
}

const validators = new Map();
function validatorAt(ref) {
  if (!validators.has(ref)) {
    let v;
    try {
      v = ajv.getSchema(ref);
    } catch (e) {
      v = { compileError: String(e.message || e) };
    }
    validators.set(ref, v || { compileError: 'no schema at ' + ref });
  }
  return validators.get(ref);
}

const mediaType = (ct) => (ct || '').split(';')[0].trim().toLowerCase();
const isJson = (mt) => mt === 'application/json' || /^application\/[^/]+\+json$/.test(mt);
const short = (s, n = 300) => (s && s.length > n ? s.slice(0, n) + '…' : s);

const failures = new Map(); // kind → {count, examples: []}
function fail(ex, why) {
  const key = why.split('\n')[0];
  if (!failures.has(key)) failures.set(key, { count: 0, examples: [] });
  const f = failures.get(key);
  f.count++;
  if (f.examples.length < 3) f.examples.push(`${ex.test}: ${ex.method} ${short(ex.target, 160)} → ${ex.status}` + (why.includes('\n') ? '\n      ' + why.split('\n').slice(1).join('\n      ') : ''));
}

function checkJson(ex, ref, label) {
  let body;
  try {
    body = JSON.parse(ex.body);
  } catch (e) {
    fail(ex, `${label}: the body is not JSON`);
    return;
  }
  const v = validatorAt(ref);
  if (v.compileError) {
    fail(ex, `${label}: the document's schema does not compile\n${v.compileError}`);
    return;
  }
  if (!v(body)) {
    const errors = v.errors
      .slice(0, 8)
      .map((e) => `${e.instancePath || '/'} ${e.message}${e.params && e.params.additionalProperty ? ' (' + e.params.additionalProperty + ')' : ''}`)
      .join('; ');
    fail(ex, `${label}: the body does not match its schema\n${errors}\nbody: ${short(ex.body)}`);
  }
}

const errorRef = pointer('components', 'schemas', 'Error');
const covered = new Set();
let checked = 0;

for (const line of fs.readFileSync(exchangesPath, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const ex = JSON.parse(line);
  checked++;
  const mt = mediaType(ex.content_type);
  if (ex.undecodable) {
    fail(ex, `a ${ex.content_encoding} body that does not decode`);
    continue;
  }
  const method = ex.method.toLowerCase();
  if (method === 'options') continue; // CORS preflights are not operations
  const template = templateOf(ex.target);
  const item = template ? doc.paths[template] : null;
  const opMethod = method === 'head' ? 'get' : method;
  const op = item ? item[opMethod] : null;
  if (!op) {
    // Not an operation of the document: an error in the one shape, never a success.
    const where = template ? `${ex.method} ${template} (a method the document does not have)` : 'a path the document does not have';
    if (ex.status < 400) {
      fail(ex, `${where} answered ${ex.status}`);
    } else if (ex.body && isJson(mt)) {
      checkJson(ex, errorRef, `${where}: the error`);
    }
    continue;
  }
  const label = `${opMethod.toUpperCase()} ${template} ${ex.status}`;
  covered.add(`${opMethod} ${template}`);
  // Headers the request relied on must be documented parameters: the answer took them
  // into account (a success, 304, or a version/idempotency conflict) — a probe that sends
  // If-Match to every PUT and is refused for its body relied on nothing.
  const params = (op.parameters || []).map(resolve).filter(Boolean);
  const relied = ex.status < 400 || ex.status === 409 || ex.status === 412;
  for (const h of relied ? ex.request_headers || [] : []) {
    if (!params.some((p) => p.in === 'header' && p.name.toLowerCase() === h.toLowerCase()))
      fail(ex, `${opMethod.toUpperCase()} ${template}: the request header ${h} is not a documented parameter`);
  }
  const status = String(ex.status);
  const response = resolve(op.responses[status] || op.responses[status[0] + 'XX'] || op.responses.default);
  if (!response) {
    fail(ex, `${label}: the status is not documented (documented: ${Object.keys(op.responses).join(', ')})`);
    continue;
  }
  if (method === 'head' || !ex.body_bytes) continue;
  const content = response.content || {};
  const key = Object.keys(content).find((k) => k.toLowerCase() === mt);
  if (!key) {
    fail(ex, `${label}: Content-Type ${mt || '(none)'} is not documented (documented: ${Object.keys(content).join(', ') || 'no body'})`);
    continue;
  }
  if (isJson(mt) && typeof ex.body === 'string') {
    const ref = op.responses[status] && op.responses[status].$ref
      ? pointer(...resolveRefPath(op.responses[status].$ref), 'content', key, 'schema')
      : pointer('paths', template, opMethod, 'responses', op.responses[status] ? status : op.responses[status[0] + 'XX'] ? status[0] + 'XX' : 'default', 'content', key, 'schema');
    checkJson(ex, ref, label);
  }
}

function resolveRefPath(ref) {
  return ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const operations = Object.entries(doc.paths || {}).reduce(
  (n, [, item]) => n + Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m)).length,
  0,
);
if (failures.size === 0) {
  console.log(`check_answers: ${checked} answers match the OpenAPI document (${covered.size} of ${operations} operations answered)`);
  process.exit(0);
}
let total = 0;
for (const [, f] of failures) total += f.count;
console.log(`check_answers: ${total} of ${checked} answers do not match the OpenAPI document:`);
for (const [kind, f] of [...failures.entries()].sort((a, b) => b[1].count - a[1].count)) {
  console.log(`\n× ${kind}  (${f.count}×)`);
  for (const e of f.examples) console.log(`    ${e}`);
}
process.exit(1);
