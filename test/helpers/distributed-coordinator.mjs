// A coordinator process of the distributed tests (so that a test can SIGKILL it mid-fit):
// fitDistributed from the built package. argv[2] is JSON: { connection, queue, runId, kind,
// options, shards }. Prints {"iter": n} after every iteration and {"json": model} at the end,
// or {"error": {"code", "message"}} when the fit rejects (then exits with 1).
import { fitDistributed } from '../../dist/esm/distributed/index.js';
import * as gaussmix from '../../dist/esm/index.js';

const config = JSON.parse(process.argv[2]);
const model = new gaussmix[config.kind](config.options);
try {
  await fitDistributed(model, config.shards, {
    connection: config.connection,
    queue: config.queue,
    runId: config.runId,
    onIteration: (info) => void process.stdout.write(`${JSON.stringify({ iter: info.iter })}\n`),
  });
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ json: model.toJSON() })}\n`);
process.exit(0);
