#!/usr/bin/env Rscript
# Generate the R mclust reference fixtures in test/fixtures/mclust/*.json.
#
# Run from anywhere (paths are relative to this file):
#
#     Rscript scripts/make_mclust_fixtures.R
#
# Needs R with mclust 6.0.0 (Debian: r-base-core, r-cran-mclust); nothing else (the JSON is
# written here). Deterministic: fixed seeds, explicit starting responsibilities everywhere,
# and R's reference BLAS is not required (no result below depends on summation order beyond
# rounding, except the hc merges, which are also stored with the SVD-transformed data they
# were computed from). See test/fixtures/mclust/README.md for the format and what mclust does.

suppressPackageStartupMessages(library(mclust))
stopifnot(packageVersion("mclust") == "6.0.0")

script_path <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])
out_dir <- file.path(dirname(normalizePath(script_path)), "..", "test", "fixtures", "mclust")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

MODELS <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE",
            "EEV", "VEV", "EVV", "VVV")
# mclustBIC drops these when a prior is given: mclust has no MAP M-step for them.
PRIOR_MODELS <- setdiff(MODELS, c("EVE", "VEE", "VVE", "EVV"))

# ------------------------------------------------------------------ a small JSON writer
# Doubles with 17 significant digits (they read back as the same float64), NA/NaN as null.
# A value of class "jarray" is always an array, even of length 1.
jarray <- function(x) structure(x, class = c("jarray", class(x)))
fmt_num <- function(x) {
  out <- ifelse(is.na(x), "null",
         ifelse(is.infinite(x), ifelse(x > 0, "1e999", "-1e999"), sprintf("%.17g", x)))
  out[!is.na(x) & x == 0] <- "0"
  out
}
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      keys <- names(x)
      vals <- vapply(x, to_json, "")
      return(paste0("{", paste0('"', keys, '":', vals, collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
  }
  is_arr <- inherits(x, "jarray") || length(x) != 1
  x <- unclass(x)
  if (is.character(x)) v <- paste0('"', x, '"')
  else if (is.logical(x)) v <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  else if (is.integer(x)) v <- ifelse(is.na(x), "null", as.character(x))
  else v <- fmt_num(as.double(x))
  if (is_arr) paste0("[", paste(v, collapse = ","), "]") else v
}
# One top-level key per line.
write_fixture <- function(obj, name) {
  lines <- paste0('"', names(obj), '":', vapply(obj, to_json, ""))
  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(c("{", paste0(lines, c(rep(",", length(lines) - 1), "")), "}"), path)
  cat(sprintf("%-28s %8.1f kB\n", basename(path), file.size(path) / 1024))
}
# R matrix (rows x cols) -> list of rows; p x p x G array -> list over G of p x p.
rows <- function(m) { m <- as.matrix(m); lapply(seq_len(nrow(m)), function(i) jarray(unname(m[i, ]))) }
slices <- function(a) lapply(seq_len(dim(a)[3]), function(k) rows(a[, , k]))

versions <- list(R = paste(R.version$major, R.version$minor, sep = "."),
                 mclust = as.character(packageVersion("mclust")))

# ------------------------------------------------------------------ model outputs
# Everything a test compares, from an mstep()/me() result.
describe_params <- function(fit, modelName, G, d) {
  par <- fit$parameters
  v <- par$variance
  out <- list()
  out$pro <- jarray(unname(par$pro))
  out$mean <- rows(t(matrix(par$mean, d, G)))
  if (!is.null(v$sigma)) out$sigma <- slices(array(v$sigma, c(d, d, G)))
  if (!is.null(v$Sigma)) out$Sigma <- rows(v$Sigma)
  if (!is.null(v$cholsigma)) out$cholsigma <- slices(array(v$cholsigma, c(d, d, G)))
  if (!is.null(v$cholSigma)) out$cholSigma <- rows(v$cholSigma)
  if (!is.null(v$sigmasq)) out$sigmasq <- jarray(unname(v$sigmasq))
  if (!is.null(v$scale)) out$scale <- jarray(unname(v$scale))
  if (!is.null(v$shape)) {
    out$shape <- if (is.matrix(v$shape)) rows(t(v$shape)) else jarray(unname(v$shape))
  }
  if (!is.null(v$orientation)) {
    o <- v$orientation
    out$orientation <- if (length(dim(o)) == 3) slices(o) else rows(o)
  }
  out
}

run_mstep <- function(X, modelName, z, ...) {
  G <- ncol(z); d <- ncol(X)
  fit <- suppressWarnings(mstep(data = X, modelName = modelName, z = z, ...))
  out <- list(returnCode = as.integer(attr(fit, "returnCode")))
  if (!is.null(attr(fit, "WARNING"))) out$warning <- attr(fit, "WARNING")
  info <- attr(fit, "info")
  if (!is.null(info)) out$innerIterations <- as.integer(abs(info[[1]]))
  c(out, describe_params(fit, modelName, G, d))
}

# icl as mclust's icl.Mclust: bic + 2 sum_i log z_{i, argmax_k z_ik} (noise column included).
icl_of <- function(bic, z) {
  zmax <- z[cbind(seq_len(nrow(z)), max.col(z, ties.method = "first"))]
  bic + 2 * sum(ifelse(zmax > 0, log(zmax), 0))
}

run_me <- function(X, modelName, z, control = emControl(), Vinv = NULL, prior = NULL) {
  G <- if (is.null(Vinv)) ncol(z) else ncol(z) - 1
  d <- ncol(X); n <- nrow(X)
  fit <- suppressWarnings(me(data = X, modelName = modelName, z = z, control = control,
                             Vinv = Vinv, prior = prior))
  out <- list(returnCode = as.integer(attr(fit, "returnCode")))
  if (!is.null(attr(fit, "WARNING"))) out$warning <- attr(fit, "WARNING")
  if (is.na(fit$loglik)) return(c(out, list(loglik = NA_real_)))
  info <- attr(fit, "info")
  out$iterations <- as.integer(abs(info[[1]]))
  inner <- attr(info, "inner")
  if (!is.null(inner)) out$innerIterations <- as.integer(abs(inner[[1]]))
  out$loglik <- fit$loglik
  np <- nMclustParams(modelName, d, G, noise = !is.null(Vinv))
  out$nParams <- as.integer(np)
  out$bic <- 2 * fit$loglik - np * log(n)
  out$icl <- icl_of(out$bic, fit$z)
  if (!is.null(Vinv)) out$Vinv <- fit$parameters$Vinv
  c(out, describe_params(fit, modelName, G, d))
}

hc_pairs <- function(h) lapply(seq_len(ncol(h)), function(j) jarray(as.integer(h[, j])))

# Starting responsibilities: mclust's own start (hc VVV on SVD data, hclass, unmap) for a
# few G, and a seeded random soft z (rows of exponentials, normalised).
make_z <- function(X, h) {
  n <- nrow(X)
  cl <- hclass(h, 2:3)
  set.seed(20230117)
  zr <- matrix(rexp(n * 3), n, 3)
  zr <- zr / rowSums(zr)
  list(hc2 = unmap(cl[, "2"]), hc3 = unmap(cl[, "3"]), random3 = zr)
}

# ------------------------------------------------------------------ one data set
make_dataset <- function(name, X, bic_table = FALSE, noise_mclust = FALSE) {
  X <- data.matrix(X); dimnames(X) <- NULL
  n <- nrow(X); d <- ncol(X)
  cat(name, n, "x", d, "\n")
  obj <- list(versions = versions, name = name, X = rows(X))

  # hc: mclust's default (VVV on SVD-transformed data), and EII (what mclustBIC uses when
  # n <= d) on the same transformed data.
  h <- hc(X, modelName = "VVV", use = "SVD")
  Z <- attr(h, "data")
  heii <- hc(X, modelName = "EII", use = "SVD")
  obj$hc <- list(modelName = "VVV", use = "SVD", transformed = rows(Z),
                 merges = hc_pairs(h),
                 hclass = lapply(setNames(2:9, 2:9), function(g) jarray(as.integer(hclass(h, g)))),
                 eiiMerges = hc_pairs(heii),
                 eiiHclass = lapply(setNames(2:9, 2:9), function(g) jarray(as.integer(hclass(heii, g)))))

  # hypvol: mclust's noise hypervolume (min of bounding box and principal-component box).
  sumlogdif <- function(m) sum(log(apply(m, 2, function(col) diff(range(col)))))
  obj$hypvol <- list(hypvol = hypvol(X), reciprocal = hypvol(X, reciprocal = TRUE),
                     logBoxVolume = sumlogdif(X), logPcBoxVolume = sumlogdif(princomp(X)$scores))

  zs <- make_z(X, h)
  obj$z <- lapply(zs, rows)
  fits <- list()
  for (zn in names(zs)) {
    z <- zs[[zn]]
    fits[[zn]] <- lapply(setNames(MODELS, MODELS), function(m) list(
      mstep = run_mstep(X, m, z),
      me1 = run_me(X, m, z, control = emControl(itmax = 1)),
      me5 = run_me(X, m, z, control = emControl(itmax = 5)),
      me = run_me(X, m, z)))
  }
  obj$fits <- fits

  # The conjugate prior: defaultPrior's parameters and MAP EM (me with priorControl()).
  z <- zs$hc3
  obj$prior <- list(
    defaultPrior = lapply(setNames(PRIOR_MODELS, PRIOR_MODELS), function(m) {
      pp <- defaultPrior(X, G = 3, modelName = m)
      list(shrinkage = pp$shrinkage, mean = jarray(unname(pp$mean)), dof = pp$dof,
           scale = if (is.matrix(pp$scale)) rows(pp$scale) else pp$scale)
    }),
    fits = lapply(setNames(PRIOR_MODELS, PRIOR_MODELS), function(m) list(
      me1 = run_me(X, m, z, control = emControl(itmax = 1), prior = priorControl()),
      me = run_me(X, m, z, prior = priorControl()))))

  # The noise component: z = hc3 on most rows, every 10th row starts as noise.
  noise_rows <- seq(10, n, by = 10)
  zn <- cbind(zs$hc3, 0)
  zn[noise_rows, ] <- matrix(c(0, 0, 0, 1), length(noise_rows), 4, byrow = TRUE)
  Vinv <- hypvol(X, reciprocal = TRUE)
  obj$noise <- list(
    noiseRows = jarray(as.integer(noise_rows)), z = rows(zn), Vinv = Vinv,
    fits = lapply(setNames(MODELS, MODELS), function(m) list(
      me1 = run_me(X, m, zn, control = emControl(itmax = 1), Vinv = Vinv),
      me = run_me(X, m, zn, Vinv = Vinv),
      meHalfV = run_me(X, m, zn, Vinv = 2 * Vinv))))

  if (bic_table) {
    bic <- mclustBIC(X, G = 1:9, verbose = FALSE)
    icl <- suppressWarnings(mclustICL(X, G = 1:9, verbose = FALSE))
    best <- Mclust(X, G = 1:9, x = bic, verbose = FALSE)
    tab <- function(t) lapply(setNames(colnames(t), colnames(t)),
                              function(m) jarray(unname(as.double(t[, m]))))
    obj$mclustBIC <- list(G = jarray(1:9), bic = tab(bic), icl = tab(icl),
                          returnCodes = tab(attr(bic, "returnCodes")),
                          best = list(modelName = best$modelName, G = as.integer(best$G),
                                      bic = best$bic, icl = best$icl, loglik = best$loglik,
                                      df = best$df))
  }
  if (noise_mclust) {
    bicn <- mclustBIC(X, G = 0:9, initialization = list(noise = noise_rows), verbose = FALSE)
    bestn <- Mclust(X, G = 0:9, x = bicn, verbose = FALSE)
    tab <- function(t) lapply(setNames(colnames(t), colnames(t)),
                              function(m) jarray(unname(as.double(t[, m]))))
    obj$mclustBICNoise <- list(G = jarray(0:9), noiseRows = jarray(as.integer(noise_rows)),
                               Vinv = attr(bicn, "Vinv"), bic = tab(bicn),
                               best = list(modelName = bestn$modelName, G = as.integer(bestn$G),
                                           bic = bestn$bic, loglik = bestn$loglik,
                                           hypvol = bestn$hypvol))
  }
  write_fixture(obj, name)
}

# ------------------------------------------------------------------ selection cases
# mclustBIC where it leaves its usual path: one feature (only models E and V, each G started
# from qclass, the quantile classes) and a conjugate prior (the 10 models that have one); in
# both, G = 1 is mvn's closed form. And data with many duplicate rows.
sel_table <- function(t) lapply(setNames(colnames(t), colnames(t)),
                                function(m) jarray(unname(as.double(t[, m]))))
sel_best <- function(b) list(modelName = b$modelName, G = as.integer(b$G), bic = b$bic,
                             loglik = b$loglik)
univariate <- function(x) {
  bic <- mclustBIC(x, G = 1:9, verbose = FALSE)
  list(x = jarray(unname(x)), bic = sel_table(bic),
       best = sel_best(Mclust(x, G = 1:9, x = bic)))
}
bic_prior <- mclustBIC(faithful, G = 1:9, prior = priorControl(), verbose = FALSE)
# faithful rounded (eruptions to 0.5, waiting to 5): 231 duplicate rows, components whose rows
# are all one point (a zero scatter: EEV, G >= 6, orients them by LAPACK's SVD, the axes).
ties <- cbind(round(faithful$eruptions * 2) / 2, round(faithful$waiting / 5) * 5)
bic_ties <- mclustBIC(ties, G = 1:9, verbose = FALSE)
# With a noise component from given rows (mclustBIC's initialization$noise): on one feature
# each G starts from qclass of the other rows; on two from hc of the other rows, me() on all
# (whose M-step state carries on from its first M-step: VEI, VEV, EVE, VVE iterate inside it).
noise_waiting <- which(faithful$waiting < 50 | faithful$waiting > 90)
bic_noise_waiting <- mclustBIC(faithful$waiting, G = 1:5, verbose = FALSE,
                               initialization = list(noise = noise_waiting))
noise_faithful <- which(seq_len(nrow(faithful)) %% 17 == 0)
noise_models <- c("VEI", "VEV", "EVE", "VVE", "VVV")
bic_noise_faithful <- mclustBIC(faithful, G = 1:4, modelNames = noise_models, verbose = FALSE,
                                initialization = list(noise = noise_faithful))
# One feature with the prior (me1ep: E's variance takes the prior's scale, unlike EII's), and
# with the prior and a noise component (E's denominator counts every row, noise ones too).
bic_prior_waiting <- mclustBIC(faithful$waiting, G = 1:9, prior = priorControl(), verbose = FALSE)
bic_prior_noise_waiting <- mclustBIC(faithful$waiting, G = 1:5, prior = priorControl(), verbose = FALSE,
                                     initialization = list(noise = noise_waiting))
select <- list(
  versions = versions,
  waitingPrior = list(bic = sel_table(bic_prior_waiting),
                      best = sel_best(Mclust(faithful$waiting, G = 1:9, x = bic_prior_waiting))),
  waitingNoisePrior = list(noise = jarray(as.integer(noise_waiting - 1)),
                           hypervolume = 1 / attr(bic_prior_noise_waiting, "Vinv"),
                           bic = sel_table(bic_prior_noise_waiting)),
  waitingNoise = list(noise = jarray(as.integer(noise_waiting - 1)),
                      hypervolume = 1 / attr(bic_noise_waiting, "Vinv"),
                      bic = sel_table(bic_noise_waiting)),
  faithfulNoise = list(noise = jarray(as.integer(noise_faithful - 1)),
                       hypervolume = 1 / attr(bic_noise_faithful, "Vinv"),
                       bic = sel_table(bic_noise_faithful)),
  waiting = univariate(faithful$waiting),
  eruptions = univariate(faithful$eruptions),  # many ties: quantiles that coincide
  ties = list(X = rows(ties), bic = sel_table(bic_ties),
              best = sel_best(Mclust(ties, G = 1:9, x = bic_ties))),
  faithfulPrior = list(bic = sel_table(bic_prior),
                       best = sel_best(Mclust(faithful, G = 1:9, x = bic_prior))))  # its prior
write_fixture(select, "select")

# ------------------------------------------------------------------ parameter counts
nparams <- list(versions = versions, models = MODELS, table = lapply(
  setNames(MODELS, MODELS), function(m) lapply(setNames(1:6, paste0("d", 1:6)), function(d)
    list(plain = jarray(as.integer(sapply(1:9, function(G) nMclustParams(m, d, G)))),
         noise = jarray(as.integer(sapply(1:9, function(G) nMclustParams(m, d, G, noise = TRUE))))))))
write_fixture(nparams, "nparams")

data(diabetes, package = "mclust")
data(banknote, package = "mclust")
make_dataset("faithful", faithful, bic_table = TRUE, noise_mclust = TRUE)
make_dataset("iris", iris[, 1:4])
make_dataset("diabetes", diabetes[, -1], bic_table = TRUE)
make_dataset("banknote", banknote[, -1])
