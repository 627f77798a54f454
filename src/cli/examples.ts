// Help examples that run as pasted: each is a whole command on its own line (never wrapped: yargs'
// example column wraps commands longer than half the screen), under a comment saying what it shows,
// all of them run in one recording's folder of the source tree, in order (test/help-examples.test.js
// runs every one).
import type { Argv } from 'yargs';

export const EXAMPLE_FOLDER = 'traces/qemu-7.2-linux-6.1-nvme-io-hotplug';

/** Longest command line, so that an 80-column terminal shows each on one line. */
export const EXAMPLE_WIDTH = 76;

export function examplesText(list: Array<[string, string]>): string {
  const lines = ['Examples, to paste in order in a recording\'s folder', `(such as ${EXAMPLE_FOLDER} in the source):`];
  for (const [cmd, what] of list) lines.push(`  # ${what}`, `  ${cmd}`);
  return lines.join('\n') + '\n';
}

export function examples(y: Argv, list: Array<[string, string]>): Argv {
  return y.epilog(examplesText(list));
}
