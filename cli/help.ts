/** The help texts: `gaussmix --help` and `gaussmix CMD --help`. */

/** The options of every command that reads DATA (cli/read-options.ts). */
const READING = `      --delimiter D    field delimiter of text files (default: sniffed: tab, comma or semicolon)
      --decimal comma  numbers written with a decimal comma (5,1); the delimiter is then not a comma
      --header         the first line is a header even if every field is a number
      --no-header      the first line is data (columns named 1, 2, ...)
      --comment C      skip the lines that start with C (e.g. '#')
      --missing M      a missing value (empty, NA, N/A, NaN, NULL, ...; Arrow/Parquet: null, NaN):
                       error (default: stop, naming its line and column) or drop (leave its row out)`;

export const MAIN_HELP = `gaussmix: Gaussian mixtures and the K-means family from the command line

Usage:
  gaussmix demo [--out DIR] [--png]              fit four methods to known mixtures, draw them
  gaussmix fit DATA --components K [options]     fit a model to a CSV/TSV, Arrow or Parquet file
  gaussmix predict MODEL DATA [--proba]          labels or probabilities as CSV on stdout
  gaussmix select DATA [--components 1..10]      BIC/AIC (or ICL) over K and covariance types
  gaussmix help [COMMAND]                        this text, or a command's

Options everywhere: -h, --help (help), --version.
DATA is a CSV or TSV file (header detected, delimiter sniffed; see --header, --delimiter,
--decimal, --comment, --missing), an Apache Arrow IPC file (file or stream format), a Parquet
file, or - for stdin. Files written with --out or --plot go into folders that exist.

Exit codes: 0 done; 1 failed (unreadable or bad data, a fit that failed);
2 usage error (unknown command or option, missing or malformed argument).

Examples:
  gaussmix demo
  gaussmix fit iris.csv -k 3 --out iris-model.json --plot iris.svg
  gaussmix predict iris-model.json iris.csv --proba > proba.csv
  gaussmix select iris.csv --components 1..8 --covariance all --plot bic.svg

Run 'gaussmix COMMAND --help' for a command's options.
`;

export const HELP: Record<string, string> = {
  demo: `Usage: gaussmix demo [--out DIR] [--png] [options]

Draws 10,000 points from each of two known mixtures (two Gaussians; four clusters of
different sizes and shapes), fits hard K-means, soft K-means, Gaussian K-means (spherical
GMM) and a full-covariance Gaussian mixture, prints each fit's time and its parameters next
to the true ones, and writes DIR/demo.svg: one row per mixture, a panel per method beside the
truth, points coloured by assignment (soft assignments blended by responsibility), centres
marked, and the 1σ and 2σ covariance ellipses.

It also draws the founding document's Figures 1–7 as DIR/figure-1.svg … figure-7.svg, with
DIR/index.html (the figures in order, each with its caption: what is drawn, the true and
fitted parameters, iterations and time; open it in a browser), the same as DIR/index.md,
and DIR/figures.json (the numbers behind the captions): 1 the density of a 1-D mixture of two Gaussians and its
weighted components, 2 a histogram of N draws from it with the mixture fitted to them,
3 and 4 hard K-means with K = 2 and K = 4, 5 the iterations of one K-means run from random
points, 6 and 7 the two mixtures above under the four methods.

Options:
  -o, --out DIR        where to write the pictures (default ./gaussmix-demo)
      --png            write every figure as PNG too (figure-N.png)
      --n N            points drawn per mixture (default 10000)
      --points N       points drawn in each panel (default 2000; every fit uses all N)
      --seed S         seed of the data (default 2026)
      --stiffness B    soft K-means stiffness β = 1/σ² (default 1)
      --threads T      threads per fit (default all cores)

Examples:
  gaussmix demo
  gaussmix demo --out /tmp/demo --points 10000
`,
  fit: `Usage: gaussmix fit DATA --components K [options]

Fits one model to the numeric columns of DATA (CSV/TSV with or without a header, Apache Arrow
IPC, Parquet, or - for stdin) and writes the model as JSON: to stdout, or to --out FILE (then a
summary goes to stdout). A progress line (iteration, objective, change) is shown on stderr when
it is a terminal. A value that is not a number stops the read with its line (CSV) or row and
its column.

A file larger than 1 GiB (or GAUSSMIX_STREAM_BYTES bytes when set) is streamed: the fit reads
it once per iteration, a chunk of rows at a time, and never holds it (gmm, gaussian-kmeans and
soft-kmeans; not with --standardize).
From the same start the model is the in-memory fit's, bit for bit; the default start of a
streamed fit is computed from a seeded sample of 65,536 rows, so it differs from the in-memory
default start.

Options:
  -k, --components K   number of components / clusters (required)
  -m, --model M        gmm (default), gaussian-kmeans, soft-kmeans or kmeans
  -c, --covariance C   for gmm: full (default), tied, diag or spherical
      --bayesian       for gmm: variational inference (BayesianGaussianMixture): K is an upper
                       bound, the components the data do not need end with weights near 0;
                       the summary gives the effective number (weight >= 0.01)
      --prior P        with --bayesian: the weight prior, dp (Dirichlet process, default) or
                       dirichlet (Dirichlet distribution)
      --columns A,B    columns to use, by name or 1-based index (default: every numeric one)
${READING}
      --standardize    fit on the columns scaled to mean 0, standard deviation 1: the scaling
                       is part of the model (predict applies it); means and covariances are
                       reported in the data's units
      --seed S         random seed (default 0): same seed, same model, any thread count
      --threads T      threads (default all cores)
      --n-init N       restarts, best kept (default 1)
      --max-iter N     iteration limit
      --tol X          convergence tolerance
      --stiffness B    soft-kmeans stiffness β = 1/σ²
      --init-model F   start from the parameters of the model file F (written by fit --out:
                       same model, components and columns)
      --stream         stream DATA whatever its size (a file, not stdin)
  -o, --out FILE       write the model JSON here (default stdout; its folder must exist)
  -p, --plot FILE      draw the fit as SVG or PNG (by FILE's extension): points coloured by
                       assignment, centres, ellipses
      --plot-columns A,B  the two columns to draw (default the first two)
      --plot-points N  draw at most N points, evenly spaced through the file (default 5000)
  -q, --quiet          no summary, no progress line

Examples:
  gaussmix fit iris.csv -k 3 --out model.json
  gaussmix fit iris.csv -k 3 -c diag --columns petal_length,petal_width --plot petals.svg
  gaussmix fit data.arrow -k 5 --model kmeans --seed 7 --out km.json
  gaussmix fit big.parquet -k 8 -c diag --stream --init-model start.json --out model.json
  gaussmix fit iris.csv -k 10 --bayesian --prior dp --out bgm.json
  cat data.tsv | gaussmix fit - -k 2 --standardize > model.json
`,
  predict: `Usage: gaussmix predict MODEL DATA [--proba] [options]

Reads a model written by 'gaussmix fit' (an estimator's toJSON(), which Class.fromJSON reads
as it is, with the data's column names in metadata.columns) and writes, for every row of DATA,
its component as CSV on stdout: a column 'label', or with --proba the probabilities
p0..p(K-1). DATA is read and predicted one chunk of rows at a time, so files larger than
memory work. The model's columns are taken from DATA by name; a model fitted with
--standardize scales them itself.

Options:
      --proba          probabilities instead of labels (not for K-means models)
      --id COLUMN      lead every output row with this column of DATA (e.g. a row id)
      --precision N    significant digits of the probabilities, 1..17 (default: all that tell
                       the double apart)
      --columns A,B    take these columns of DATA instead (names or 1-based indexes)
${READING}
      --chunk-rows N   rows per chunk (default 16384)

Examples:
  gaussmix predict model.json iris.csv > labels.csv
  gaussmix predict model.json big.csv --proba | head
  gaussmix predict model.json data.csv --id name --proba --precision 4 > proba.csv
  zcat huge.csv.gz | gaussmix predict model.json - > labels.csv
`,
  select: `Usage: gaussmix select DATA [--components 1..10] [--covariance sklearn] [options]

Fits a Gaussian mixture for every K and covariance type of the grid and prints the BIC and
AIC tables (ICL and BIC with --criterion icl): lower is better, the lowest is marked *.
scikit-learn's types start as scikit-learn's (k-means), several fits at once across the cores.
mclust's models are fitted by the library's selectModel, as mclust's mclustBIC: from its
hierarchical clustering (computed once), on one column from its quantile classes and with its
two models E and V (as EII and VII; the mclust group reduces to them), one component in closed
form; the CSV leaves their n_iter empty. The result does not depend on the number of cores:
every cell uses the same seed, and a gaussmix fit is bit-identical for any thread count.

Options:
  -k, --components R   counts: 1..10 (default), 2,3,5 or 1..4,8 (a K above the number of rows
                       is left out, and said)
  -c, --covariance C   sklearn (default: full, tied, diag, spherical), mclust (its 14 models
                       EII, VII, EEI, VEI, EVI, VVI, EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV),
                       all, or a list of names and groups
      --criterion C    bic (default) or icl: the best model and the plot
      --noise          a uniform noise component in every model (mclust's)
      --columns A,B    columns to use, by name or 1-based index (default: every numeric one)
${READING}
      --standardize    fit on the columns scaled to mean 0, standard deviation 1 (log-likelihoods
                       stay those of the data in its units)
      --seed S         seed of every fit (default 0)
      --threads T      threads in all (default all cores)
      --n-init N       restarts per fit, best kept (default 1)
      --max-iter N     iteration limit per fit
      --tol X          convergence tolerance
  -o, --out FILE       also write the table as CSV
  -p, --plot FILE      draw the criterion against K, a line per covariance type (as mclust's
                       BIC plot), as SVG or PNG (by FILE's extension)
  -q, --quiet          no progress line

Examples:
  gaussmix select iris.csv
  gaussmix select iris.csv -k 1..6 -c full,diag --plot bic.svg --out bic.csv
  gaussmix select faithful.csv -k 1..9 --covariance mclust --plot bic.svg
  gaussmix select faithful.csv --covariance mclust --criterion icl --noise
`,
};
