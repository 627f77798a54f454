// Preloaded (NODE_OPTIONS=--require) by test/cli-wrapper.test.js: reports the environment node got.
process.stderr.write(JSON.stringify({ env: { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, PATH: process.env.PATH } }) + '\n');
