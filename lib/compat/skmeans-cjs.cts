// The CommonJS face of gaussmix/compat/skmeans: `require()` returns the function itself, as
// `require('skmeans')` does (the ES module face is skmeans.ts's default export).
import { skmeans } from './skmeans.js';

export = skmeans;
