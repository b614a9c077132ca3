#!/usr/bin/env Rscript
# R mclust's me() on one bench workload (bench/sections/mclust.mjs): EM from given starting
# responsibilities z, a fixed number of iterations (tol 0), timed per iteration. Prints one JSON
# line: { msPerIter: [...], iterations, loglik, mclust }.
#   Rscript bench/mclust_peer.R X.f64 n d z.f64 k modelName iters repeats
suppressPackageStartupMessages(library(mclust))
a <- commandArgs(trailingOnly = TRUE)
n <- as.integer(a[2]); d <- as.integer(a[3]); k <- as.integer(a[5])
model <- a[6]; iters <- as.integer(a[7]); repeats <- as.integer(a[8])
# The cache files are row-major float64 (little-endian): read, then shape by rows.
X <- matrix(readBin(a[1], "double", n * d, size = 8, endian = "little"), n, d, byrow = TRUE)
z <- matrix(readBin(a[4], "double", n * k, size = 8, endian = "little"), n, k, byrow = TRUE)
# tol[1] = 0: EM runs exactly `iters` iterations (its rule stops when the change is <= tol).
control <- emControl(tol = c(0, sqrt(.Machine$double.eps)), itmax = c(iters, .Machine$integer.max))
ms <- numeric(0)
fit <- NULL
for (r in seq_len(repeats)) {
  t0 <- proc.time()[["elapsed"]]
  fit <- me(data = X, modelName = model, z = z, control = control, warn = FALSE)
  elapsed <- proc.time()[["elapsed"]] - t0
  ms <- c(ms, 1000 * elapsed / abs(attr(fit, "info")[[1]]))
}
cat(sprintf('{"msPerIter":[%s],"iterations":%d,"loglik":%.17g,"mclust":"%s"}\n',
            paste(sprintf("%.6f", ms), collapse = ","), as.integer(abs(attr(fit, "info")[[1]])),
            fit$loglik, as.character(packageVersion("mclust"))))
