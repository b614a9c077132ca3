// A worker_threads worker for test/concurrency.test.ts: fits the estimator it is asked for
// with the built package (dist/esm; a worker cannot load lib/'s TypeScript) and posts back the
// model's JSON. Messages: { id, kind, options, data, shape, sync, announce?, quiet? } ->
// { id, json } or { id, error }; with `announce`, { id, started: true } first, once the first
// iteration has run (from onIteration) or, with `quiet` or `sync`, once the fit has started.
import { parentPort } from 'node:worker_threads';

import { GaussianKMeans, GaussianMixture, KMeans, SoftKMeans } from '../../dist/esm/index.js';

const classes = { GaussianMixture, GaussianKMeans, KMeans, SoftKMeans };

parentPort.on('message', async (msg) => {
  try {
    const model = new classes[msg.kind](msg.options);
    const X = { data: msg.data, shape: msg.shape };
    const started = () => parentPort.postMessage({ id: msg.id, started: true });
    if (msg.sync) {
      if (msg.announce) started();
      model.fitSync(X);
    }
    else if (msg.announce && msg.quiet) {
      // Announced without an onIteration callback (the fit has none).
      const running = model.fit(X);
      started();
      await running;
    } else await model.fit(X, msg.announce ? { onIteration: (i) => void (i.iter === 1 && started()) } : undefined);
    parentPort.postMessage({ id: msg.id, json: JSON.stringify(model.toJSON()) });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: `${err?.constructor?.name}: ${err?.code}: ${err?.message}` });
  }
});
