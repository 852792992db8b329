// Validates a JSON or YAML document against a JSON schema (draft-04 or
// later) with Ajv: node schema_check.js SCHEMA DOCUMENT. SCHEMA is a .json
// file or an ES module exporting `schema` (as gitlab-ci-local ships GitLab's
// CI schema); DOCUMENT is .json, or .yml/.yaml read with js-yaml. Exit 0
// valid, 1 not (each error on stderr), 2 usage. Modules come from NODE_PATH.
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

async function main() {
  if (process.argv.length !== 4) {
    console.error('usage: node schema_check.js SCHEMA DOCUMENT');
    return 2;
  }
  const [schemaPath, docPath] = process.argv.slice(2);
  const schema = schemaPath.endsWith('.js')
    ? (await import(pathToFileURL(path.resolve(schemaPath)).href)).schema
    : JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
  const text = fs.readFileSync(docPath, 'utf8');
  const doc = /\.ya?ml$/.test(docPath) ? require('js-yaml').load(text) : JSON.parse(text);
  const draft4 = /draft-04/.test(schema.$schema || '');
  const Ajv = draft4 ? require('ajv-draft-04') : require('ajv');
  // SARIF's schema has a pattern that only the non-Unicode RegExp syntax accepts
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  require('ajv-formats')(ajv);
  const validate = ajv.compile(schema);
  if (validate(doc)) {
    console.log(`valid: ${docPath}`);
    return 0;
  }
  for (const err of validate.errors)
    console.error(`${err.instancePath || '/'} ${err.message} ${JSON.stringify(err.params)}`);
  return 1;
}
main().then((rc) => process.exit(rc), (err) => { console.error(String(err)); process.exit(2); });
