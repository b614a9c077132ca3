// Preloaded (--require) by test/distributed.test.ts: a process in which the packages bullmq and
// ioredis cannot be found, for require() (CommonJS) and import (ES modules) alike, as if the
// optional peer dependencies were not installed.
const Module = require('node:module');

const blocked = /^(bullmq|ioredis)(\/|$)/;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (blocked.test(request)) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolveFilename.call(this, request, ...rest);
};

const hook = `export async function resolve(specifier, context, next) {
  if (${blocked}.test(specifier)) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
Module.register(`data:text/javascript,${encodeURIComponent(hook)}`);
