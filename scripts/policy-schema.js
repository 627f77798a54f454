#!/usr/bin/env node
// Writes docs/policy.schema.json from the knob table (src/policy/knobs.ts, via dist/). Run after
// changing a knob; test/policy-files.test.js fails while the file is stale.
'use strict';
const fs = require('fs');
const path = require('path');
const { policySchemaText } = require('../dist/policy/schema');

fs.writeFileSync(path.join(__dirname, '..', 'docs', 'policy.schema.json'), policySchemaText());
