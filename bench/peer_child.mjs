// One Node peer on one workload, in a process of its own so that its peak RSS is its own:
//   node bench/peer_child.mjs '{"peer":"gaussmix","spec":{...},"plan":{"iters":20,"repeats":3}}'
// Loads the cached workload, runs bench/peers/<peer>.mjs, and prints one JSON line: the peer's
// result plus rssAfterLoadBytes (after X was read, before any fit) and maxRssBytes (the peak of
// the whole process, from process.resourceUsage()).
import { loadWorkload } from './data.mjs';

const { peer, spec, plan } = JSON.parse(process.argv[2]);
const w = loadWorkload(spec);
const rssAfterLoadBytes = process.memoryUsage().rss;
const mod = await import(`./peers/${peer}.mjs`);
const result = await mod.run(w, plan);
const maxRssBytes = process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB
process.stdout.write(`${JSON.stringify({ ...result, rssAfterLoadBytes, maxRssBytes, inputBytes: w.X.byteLength })}\n`);
