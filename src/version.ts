import * as fs from 'fs';
import * as path from 'path';

export const FORMAT_VERSION = 1;

export const TOOL_VERSION: string = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
})();
