/**
 * The founding document's Figures 1–7, drawn by `gaussmix demo --out DIR`: the 1-D mixture
 * and its fit (1, 2), hard K-means (3, 4), its iterations (5), and the demo's two mixtures
 * under the four methods (6, 7), written with index.html and figures.json.
 */
import { count } from '../format.js';
import { writeFigures, type Figure, type Written } from './figure.js';
import { figures3and4, figure5 } from './kmeans.js';
import { mixtureFigure, type MixtureCase } from './mixtures.js';
import { figure1, figure2 } from './one-dimensional.js';

export interface FigureOptions {
  /** Points drawn for Figures 2, 3 and 4 (those of 6 and 7 are in their cases). */
  n: number;
  /** At most this many points in a scatter panel. */
  shown: number;
  seed: number;
  threads: number | undefined;
  /** Renders SVG text to PNG bytes, when PNGs are wanted too. */
  toPng?: ((svg: string) => Promise<Uint8Array>) | undefined;
}

/** Points of Figure 5's run, and its number of centres: few enough to follow every point. */
const ITERATION_POINTS = 300;
const ITERATION_CLUSTERS = 4;

/** Draws Figures 1–5 and takes 6 and 7 from the demo's two cases; writes them all to `outDir`. */
export async function drawFigures(outDir: string, o: FigureOptions, cases: [MixtureCase, MixtureCase]): Promise<Written & { figures: Figure[] }> {
  const figures: Figure[] = [
    figure1(),
    await figure2(o.n, o.seed + 10, o.threads),
    ...(await figures3and4(o.n, o.shown, o.seed + 30, o.threads)),
    await figure5(ITERATION_POINTS, ITERATION_CLUSTERS, o.seed + 50, o.threads),
    mixtureFigure(6, cases[0]),
    mixtureFigure(7, cases[1]),
  ];
  const written = await writeFigures(
    outDir,
    figures,
    {
      heading: 'gaussmix: the founding document’s Figures 1–7',
      lead: `Drawn by gaussmix demo (data seed ${o.seed}, ${count(o.n)} points per data set). Each caption gives the true parameters, the fitted ones, the iterations and the time of the fit; gaussmix demo --out DIR writes the same numbers to DIR/figures.json.`,
    },
    o.toPng,
  );
  return { ...written, figures };
}
