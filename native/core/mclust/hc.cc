// A line-by-line port of mclust 6.0.0's hcvvv (src/mclust.f) for an initial partition of
// singletons (mclust's hc() never passes another: its dupPartition default is not forwarded).
// The Fortran's arrays, pointers and BLAS calls are kept (1-based accessors below), because
// the merge order, including how ties between equal criteria are broken, depends on them.
#include "hc.h"

#include <Eigen/SVD>
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "../errors.h"

namespace gaussmix {
namespace mclust {

RowMatrix svdTransform(const ConstRowMap& x) {
  const Index n = x.rows();
  // scale(x, center = TRUE, scale = TRUE): (x − mean) / sd, sd over N − 1
  const RowVector mean = x.colwise().mean();
  RowMatrix scaled = x.rowwise() - mean;
  const RowVector sd = (scaled.colwise().squaredNorm() / static_cast<double>(n - 1)).cwiseSqrt();
  std::vector<Index> keep;
  for (Index j = 0; j < x.cols(); ++j) {
    scaled.col(j) /= sd(j);
    if (scaled.col(j).allFinite()) keep.push_back(j);  // dropCols: all values finite
  }
  if (keep.empty() || n < 2) return RowMatrix(n, 0);  // nothing varies: no SVD of an empty matrix
  RowMatrix kept(n, static_cast<Index>(keep.size()));
  for (size_t j = 0; j < keep.size(); ++j) kept.col(static_cast<Index>(j)) = scaled.col(keep[j]);
  ::Eigen::JacobiSVD<Matrix> svd(kept, ::Eigen::ComputeThinV);
  const Index p = std::min(kept.rows(), kept.cols());
  // Z = X_s V diag(1/√s)
  return kept * svd.matrixV().leftCols(p) *
         svd.singularValues().head(p).cwiseSqrt().cwiseInverse().asDiagonal();
}

namespace {

// ----------------------------------------------------------------------- the BLAS it calls
// Strided vectors as in Fortran (x points at the first element; inc may be 0 for a scalar).
void dcopy(int n, const double* x, int incx, double* y, int incy) {
  for (int i = 0; i < n; ++i) y[i * incy] = x[i * incx];
}
void dscal(int n, double a, double* x, int incx) {
  for (int i = 0; i < n; ++i) x[i * incx] *= a;
}
void daxpy(int n, double a, const double* x, int incx, double* y, int incy) {
  for (int i = 0; i < n; ++i) y[i * incy] += a * x[i * incx];
}
double ddot(int n, const double* x, int incx, const double* y, int incy) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += x[i * incx] * y[i * incy];
  return sum;
}
// Givens rotation (reference BLAS drotg): on return a = r, b = z.
void drotg(double* a, double* b, double* c, double* s) {
  const double da = *a;
  const double db = *b;
  const double roe = std::abs(da) > std::abs(db) ? da : db;
  const double scale = std::abs(da) + std::abs(db);
  if (scale == 0) {
    *c = 1;
    *s = 0;
    *a = 0;
    *b = 0;
    return;
  }
  double r = scale * std::sqrt((da / scale) * (da / scale) + (db / scale) * (db / scale));
  r = std::copysign(1.0, roe) * r;
  *c = da / r;
  *s = db / r;
  double z = 1;
  if (std::abs(da) > std::abs(db)) z = *s;
  if (std::abs(db) >= std::abs(da) && *c != 0) z = 1 / *c;
  *a = r;
  *b = z;
}
void drot(int n, double* x, int incx, double* y, int incy, double c, double s) {
  for (int i = 0; i < n; ++i) {
    const double t = c * x[i * incx] + s * y[i * incy];
    y[i * incy] = c * y[i * incy] - s * x[i * incx];
    x[i * incx] = t;
  }
}

// mclust's mclrup: adds row v to the triangular factor r (leading dimension lr) of a cluster
// that had l − 1 members, by Givens rotations.
void mclrup(int l, int n, double* v, double* r, int lr) {
  auto R = [&](int i, int j) { return r + (i - 1) + (j - 1) * lr; };
  if (l == 1) return;
  const int k = l - 1;
  if (k <= n) {
    dcopy(n, v, 1, R(k, 1), lr);
    if (k == 1) return;
    if (n > 1) {
      int i = 1;
      int m = n;
      for (int j = 2; j <= k; ++j) {
        double cs, sn;
        drotg(R(i, i), R(k, i), &cs, &sn);
        m = m - 1;
        drot(m, R(i, j), lr, R(k, j), lr, cs, sn);
        i = j;
      }
    } else {
      double cs, sn;
      drotg(R(1, 1), R(k, 1), &cs, &sn);
    }
  } else {
    if (n > 1) {
      int i = 1;
      int m = n;
      for (int j = 2; j <= n; ++j) {
        double cs, sn;
        drotg(R(i, i), v + (i - 1), &cs, &sn);
        m = m - 1;
        drot(m, R(i, j), lr, v + (j - 1), 1, cs, sn);
        i = j;
      }
    }
    double cs, sn;
    drotg(R(n, n), v + (n - 1), &cs, &sn);
  }
}

// mclust's wardsw: moves the criteria of cluster i to the slots of the last cluster n in the
// packed lower triangle d.
void wardsw(int i, int n, double* d) {
  auto D = [&](int k) -> double& { return d[k - 1]; };
  const int i1 = i - 1;
  int ii = (i1 * (i1 - 1)) / 2 + 1;
  const int n1 = n - 1;
  int nn = (n1 * (n1 - 1)) / 2 + 1;
  for (int t = 0; t < i1; ++t) std::swap(D(nn + t), D(ii + t));  // dswap(i1, d(nn), 1, d(ii), 1)
  ii = ii + i1 + i1;
  nn = nn + i;
  if (n1 == i) return;
  int k = i;
  do {
    std::swap(D(ii), D(nn));
    ii = ii + k;
    nn = nn + 1;
    k = k + 1;
  } while (k < n1);
}

struct Regularisation {
  double beta;
  double alpha;
  double ablog;  // log(β α)
};

// 2 Σ_k log|u_kk s|, or −DBL_MAX when a diagonal entry vanishes (mclust's det2mc).
double det2mc(int n, const double* u, int ldu, double s) {
  double det = 0;
  for (int k = 1; k <= n; ++k) {
    const double q = u[(k - 1) + (k - 1) * ldu] * s;
    if (std::abs(q) <= 0) return -DBL_MAX;
    det += std::log(std::abs(q));
  }
  return 2 * det;
}

// mclust's vvvtij: the classification-likelihood term of a cluster of l members with
// triangular factor r (scaled by s) and trace trac.
double vvvtij(int l, int p, const double* r, double s, double trac, const Regularisation& reg) {
  double term;
  if (l <= p) {
    term = std::log(reg.beta * (trac + reg.alpha) / l);
  } else if (trac == 0) {
    term = std::log((reg.alpha * reg.beta) / l);
  } else {
    const double detlog = det2mc(p, r, p, s);
    if (detlog == -DBL_MAX) {
      term = std::log(reg.beta * (trac + reg.alpha) / l);
    } else if (detlog <= 0) {
      term = std::log(std::exp(detlog) + reg.beta * (trac + reg.alpha) / l);
    } else {
      term = std::log(1 + std::exp(-detlog) * (reg.beta * (trac + reg.alpha) / l)) + detlog;
    }
  }
  return l * term;
}

// mclust's traceW: Σ_ij (x_ij − x̄_j)², as its mcltrw computes it.
double traceW(RowMatrix x) {
  const Index n = x.rows();
  const double fac = 1 / std::sqrt(static_cast<double>(n));
  Vector u = Vector::Zero(x.cols());
  for (Index i = 0; i < n; ++i) u += fac * x.row(i).transpose();
  double ss = 0;
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index i = 0; i < n; ++i) x(i, j) += -fac * u(j);
    double dot = 0;
    for (Index i = 0; i < n; ++i) dot += x(i, j) * x(i, j);
    ss += dot;
  }
  return ss;
}

}  // namespace

std::vector<std::array<Index, 2>> hcVVV(const RowMatrix& data, double alphaArg, double beta,
                                        const std::atomic<bool>* cancel) {
  const int n = static_cast<int>(data.rows());
  const int p = static_cast<int>(data.cols());
  if (n < 2) throw invalidArgument("hc: at least 2 rows are needed");
  // hcVVV (R): alpha ← alpha · traceW(data / √(n p)), at least ε.
  const double alphaScaled =
      std::max(alphaArg * traceW(data / std::sqrt(static_cast<double>(n) * p)), DBL_EPSILON);
  const int ng = n;      // initial clusters (singletons)
  const int ns = n - 1;  // merges
  const int nd = std::max({n, (ng * (ng - 1)) / 2 + 1, 3 * ns});

  // x(n, p+1) column-major; the last column holds each cluster's trace/term.
  std::vector<double> xs(static_cast<size_t>(n) * (p + 1), 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < p; ++j) xs[static_cast<size_t>(j) * n + i] = data(i, j);
  std::vector<int> icv(n);
  std::vector<double> dv(nd), vv(p), uv(p * p), sv(p * p), rv(p * p);
  auto X = [&](int i, int j) -> double* { return &xs[static_cast<size_t>(j - 1) * n + (i - 1)]; };
  auto ic = [&](int i) -> int& { return icv[i - 1]; };
  auto d = [&](int i) -> double& { return dv[i - 1]; };
  double* v = vv.data();
  auto U = [&](int i, int j) -> double* { return &uv[(i - 1) + (j - 1) * p]; };
  auto S = [&](int i, int j) -> double* { return &sv[(i - 1) + (j - 1) * p]; };
  auto Rm = [&](int i, int j) -> double* { return &rv[(i - 1) + (j - 1) * p]; };
  const double zero = 0;
  const double rthalf = .7071067811865476;
  const double flmax = DBL_MAX;

  int iopt = 0, niop = 0, nopt = 0, jopt = 0;
  double tmop = 0, trop = 0, siop = 0, sjop = 0, dopt;
  int lg = ng;
  int ld = (ng * (ng - 1)) / 2;
  int lo = nd;
  const int pp1 = p + 1;
  Regularisation reg;
  reg.alpha = std::max(alphaScaled, DBL_EPSILON);
  reg.beta = beta;
  reg.ablog = std::log(beta * reg.alpha);

  // Every cluster a singleton: ic(k) = 1 marks one.
  for (int k = 1; k <= ng; ++k) ic(k) = 1;

  // The change in likelihood of every pair of singletons, and the minimum.
  dopt = flmax;
  int ij = 0;
  for (int j = 2; j <= ng; ++j) {
    const int nj = 1;
    const double termj = reg.ablog;
    for (int i = 1; i <= j - 1; ++i) {
      const int ni = 1;
      const int nij = 2;
      const double si = rthalf, sj = rthalf;
      dcopy(p, X(i, 1), n, v, 1);
      daxpy(p, -1.0, X(j, 1), n, v, 1);
      dscal(p, rthalf, v, 1);
      const double trcij = ddot(p, v, 1, v, 1);
      dcopy(p, v, 1, U(1, 1), p);
      const double trmij = 2 * std::log(beta * (trcij + reg.alpha) / 2);
      const double termi = reg.ablog;
      const double dij = trmij - (termi + termj);
      ij = ij + 1;
      d(ij) = dij;
      if (dij <= dopt) {
        dopt = dij;
        trop = trcij;
        tmop = trmij;
        nopt = nij;
        niop = ni;
        (void)nj;
        siop = si;
        sjop = sj;
        iopt = i;
        jopt = j;
        int m = p;
        for (int k = 1; k <= std::min(nij - 1, p); ++k) {
          dcopy(m, U(k, k), p, Rm(k, k), p);
          m = m - 1;
        }
      }
    }
  }

  std::vector<std::array<Index, 2>> merges(ns);
  if (ns == 1) {
    merges[0] = {std::min(iopt, jopt), std::max(iopt, jopt)};
    return merges;
  }

  int ls = 1;
  for (;;) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw aborted();
    // label 200: merge iopt and jopt
    dcopy(p, X(iopt, 1), n, v, 1);
    dscal(p, siop, v, 1);
    daxpy(p, sjop, X(jopt, 1), n, v, 1);
    if (jopt != lg) {
      wardsw(jopt, lg, dv.data());
      dcopy(p, X(lg, 1), n, X(jopt, 1), n);
      const int m = ic(jopt);
      const int icj = ic(lg);
      if (icj != 1) *X(jopt, pp1) = *X(lg, pp1);
      ic(jopt) = icj;
      ic(lg) = m;
    }
    if (niop == 1) {
      ic(iopt) = lg;
    } else {
      int l = ic(iopt);
      int m = l;
      for (int k = 1; k <= std::min(niop - 1, p); ++k) {
        m = l;
        l = ic(l);
      }
      ic(m) = lg;
    }
    {
      int l = ic(iopt);
      int m = l;
      for (int k = 1; k <= std::min(nopt - 1, p); ++k) {
        dcopy(p, Rm(1, 1), p, X(l, 1), n);  // (sic: mclust copies r's first row each time)
        m = l;
        l = ic(l);
      }
      ic(m) = nopt + n;
    }
    *X(iopt, pp1) = zero;
    if (nopt >= 2) {
      *X(iopt, pp1) = trop;
      *X(ic(iopt), pp1) = tmop;
    }
    dcopy(p, v, 1, X(iopt, 1), n);
    d(lo) = dopt;
    lo = lo - 1;
    d(lo) = static_cast<double>(iopt);
    lo = lo - 1;
    d(lo) = static_cast<double>(jopt);
    lo = lo - 1;
    lg = lg - 1;
    ld = ld - lg;
    const int iold = iopt;
    dopt = flmax;
    const int ni = nopt;
    const double ri = static_cast<double>(ni);
    const double termi = tmop;
    const double traci = trop;

    // The merged cluster against every other: j < iold, then j > iold.
    auto consider = [&](int j, bool before) {
      std::fill(uv.begin(), uv.end(), 0.0);
      int m = p;
      for (int k = 1; k <= std::min(ni - 1, p); ++k) {
        dcopy(m, Rm(k, k), p, U(k, k), p);
        m = m - 1;
      }
      int nj = 1;
      const int icj = ic(j);
      int nij;
      double si, sj, sij, trcij, termj;
      if (icj == 1) {
        nij = ni + 1;
        const double qij = 1.0 / nij;
        const double qi = ri * qij;
        si = std::sqrt(qi);
        sj = std::sqrt(qij);
        sij = sj;
        dcopy(p, X(j, 1), n, v, 1);
        dscal(p, si, v, 1);
        daxpy(p, -sj, X(iold, 1), n, v, 1);
        trcij = traci + ddot(p, v, 1, v, 1);
        termj = reg.ablog;
      } else {
        m = p;
        int l = icj;
        int k = ni + 1;
        do {
          dcopy(m, X(l, nj), n, v, 1);
          mclrup(k, m, v, U(nj, nj), p);
          k = k + 1;
          nj = nj + 1;
          m = m - 1;
          l = ic(l);
        } while (l <= n);
        nj = l - n;
        const double tracj = *X(j, pp1);
        termj = *X(ic(j), pp1);
        const double rj = static_cast<double>(nj);
        nij = ni + nj;
        const double qij = 1.0 / nij;
        const double qi = ri * qij;
        const double qj = rj * qij;
        si = std::sqrt(qi);
        sj = std::sqrt(qj);
        sij = std::sqrt(qij);
        dcopy(p, X(j, 1), n, v, 1);
        dscal(p, si, v, 1);
        daxpy(p, -sj, X(iold, 1), n, v, 1);
        trcij = (traci + tracj) + ddot(p, v, 1, v, 1);
      }
      mclrup(nij, p, v, U(1, 1), p);
      const double trmij = vvvtij(nij, p, U(1, 1), sij, trcij, reg);
      const double dij = trmij - (termi + termj);
      if (before) {
        ij = ij + 1;
        d(ij) = dij;
      }
      if (dij <= dopt) {
        dopt = dij;
        trop = trcij;
        tmop = trmij;
        nopt = nij;
        if (before) {
          niop = nj;
          siop = sj;
          sjop = si;
          iopt = j;
          jopt = iold;
        } else {
          niop = ni;
          siop = si;
          sjop = sj;
          iopt = iold;
          jopt = j;
        }
        int mm = p;
        for (int k = 1; k <= std::min(nij - 1, p); ++k) {
          dcopy(mm, U(k, k), p, S(k, k), p);
          mm = mm - 1;
        }
      }
      return dij;
    };
    ij = ((iold - 1) * (iold - 2)) / 2;
    if (iold > 1) {
      for (int j = 1; j <= iold - 1; ++j) consider(j, true);
    }
    if (iold < lg) {
      int i = iold;
      ij = ij + i;
      for (int j = iold + 1; j <= lg; ++j) {
        const double dij = consider(j, false);
        d(ij) = dij;
        ij = ij + i;
        i = j;
      }
    }

    // The overall minimum of the packed criteria.
    jopt = 2;
    iopt = 1;
    dopt = d(1);
    if (lg == 2) break;  // goto 900
    ij = 1;
    for (int i = 2; i <= ld; ++i) {
      const double qi = d(i);
      if (qi <= dopt) {
        ij = i;
        dopt = qi;
      }
    }
    if (ij > 1) {
      for (int i = 2; i <= ij; ++i) {
        iopt = iopt + 1;
        if (iopt >= jopt) {
          jopt = jopt + 1;
          iopt = 1;
        }
      }
    }
    std::fill(rv.begin(), rv.end(), 0.0);
    if (iopt != iold && jopt != iold) {
      // Rebuild the chosen pair's factor (it does not involve the cluster just merged).
      const int i = iopt;
      const int j = jopt;
      int nj = 1;
      const int icj = ic(j);
      int nio = 1;
      const int ici = ic(i);
      int nij;
      double si, sj, trcij, termi2, termj;
      if (icj == 1) {
        termj = reg.ablog;
        if (ici == 1) {
          nij = 2;
          si = rthalf;
          sj = rthalf;
          dcopy(p, X(i, 1), n, v, 1);
          daxpy(p, -1.0, X(j, 1), n, v, 1);
          dscal(p, rthalf, v, 1);
          trcij = ddot(p, v, 1, v, 1);
          dcopy(p, v, 1, Rm(1, 1), p);
          termi2 = reg.ablog;
        } else {
          int m = p;
          int l = ici;
          do {
            dcopy(m, X(l, nio), n, Rm(nio, nio), p);
            nio = nio + 1;
            m = m - 1;
            l = ic(l);
          } while (l <= n);
          nio = l - n;
          const double traci2 = *X(i, pp1);
          termi2 = *X(ic(i), pp1);
          const double ri2 = static_cast<double>(nio);
          nij = nio + 1;
          const double qij = 1.0 / nij;
          const double qi = ri2 * qij;
          si = std::sqrt(qi);
          sj = std::sqrt(qij);
          dcopy(p, X(i, 1), n, v, 1);
          dscal(p, sj, v, 1);
          daxpy(p, -si, X(j, 1), n, v, 1);
          trcij = traci2 + ddot(p, v, 1, v, 1);
          mclrup(nij, p, v, Rm(1, 1), p);
        }
      } else {
        int m = p;
        int l = icj;
        do {
          dcopy(m, X(l, nj), n, Rm(nj, nj), p);
          nj = nj + 1;
          m = m - 1;
          l = ic(l);
        } while (l <= n);
        nj = l - n;
        const double tracj = *X(j, pp1);
        termj = *X(ic(j), pp1);
        const double rj = static_cast<double>(nj);
        if (ici == 1) {
          nij = nj + 1;
          const double qij = 1.0 / nij;
          const double qj = rj * qij;
          si = std::sqrt(qij);
          sj = std::sqrt(qj);
          dcopy(p, X(i, 1), n, v, 1);
          dscal(p, sj, v, 1);
          daxpy(p, -si, X(j, 1), n, v, 1);
          trcij = tracj + ddot(p, v, 1, v, 1);
          termi2 = reg.ablog;
        } else {
          m = p;
          l = ici;
          int k = nj + 1;
          do {
            dcopy(m, X(l, nio), n, v, 1);
            mclrup(k, m, v, Rm(nio, nio), p);
            nio = nio + 1;
            m = m - 1;
            l = ic(l);
          } while (l <= n);
          nio = l - n;
          const double traci2 = *X(i, pp1);
          termi2 = *X(ic(i), pp1);
          const double ri2 = static_cast<double>(nio);
          nij = nio + nj;
          const double qij = 1.0 / nij;
          const double qi = ri2 * qij;
          const double qj = rj * qij;
          si = std::sqrt(qi);
          sj = std::sqrt(qj);
          dcopy(p, X(i, 1), n, v, 1);
          dscal(p, sj, v, 1);
          daxpy(p, -si, X(j, 1), n, v, 1);
          trcij = (traci2 + tracj) + ddot(p, v, 1, v, 1);
        }
        mclrup(nij, p, v, Rm(1, 1), p);
      }
      trop = trcij;
      tmop = dopt + (termi2 + termj);
      nopt = nij;
      niop = nio;
      siop = si;
      sjop = sj;
    } else {
      int m = p;
      for (int k = 1; k <= std::min(nopt - 1, p); ++k) {
        dcopy(m, S(k, k), p, Rm(k, k), p);
        m = m - 1;
      }
      int l = ic(iopt);
      if (l != 1) {
        while (l <= n) l = ic(l);
        niop = l - n;
      } else {
        niop = 1;
      }
      l = ic(jopt);
      int njop;
      if (l != 1) {
        while (l <= n) l = ic(l);
        njop = l - n;
      } else {
        njop = 1;
      }
      nopt = niop + njop;
    }
    ls = ls + 1;
    if (ls == ns) break;  // goto 900
  }

  // label 900: relabel the recorded (iopt, jopt) pairs as mclust reports them.
  d(lo) = dopt;
  lo = lo - 1;
  d(lo) = static_cast<double>(iopt);
  lo = lo - 1;
  d(lo) = static_cast<double>(jopt);
  for (int i = 1; i <= ng; ++i) ic(i) = i;
  lo = nd - 1;
  ld = lo;
  const double si = d(lo);
  lo = lo - 1;
  const double sj = d(lo);
  ic(static_cast<int>(sj)) = ng;
  merges[0] = {static_cast<Index>(std::min(si, sj)), static_cast<Index>(std::max(si, sj))};
  lg = ng + 1;
  for (int k = 2; k <= ns; ++k) {
    lo = lo - 1;
    d(ld) = d(lo);
    ld = ld - 1;
    lo = lo - 1;
    const int i = static_cast<int>(d(lo));
    const int ici = ic(i);
    lo = lo - 1;
    const int j = static_cast<int>(d(lo));
    const int icj = ic(j);
    if (ici > icj) ic(i) = icj;
    ic(j) = ic(lg - k);
    merges[k - 1] = {std::min(ici, icj), std::max(ici, icj)};
  }
  return merges;
}

std::vector<int> hclass(const std::vector<std::array<Index, 2>>& merges, Index n, Index g) {
  if (g < 1 || g > n) throw invalidArgument("hclass: G must be between 1 and N");
  std::vector<Index> label(n);
  for (Index i = 0; i < n; ++i) label[i] = i + 1;
  for (Index l = 0; l < n - g; ++l) {
    const Index i = std::min(merges[l][0], merges[l][1]);
    const Index j = std::max(merges[l][0], merges[l][1]);
    for (auto& x : label) {
      if (x == j) x = i;  // initial[initial == j] <- i
    }
  }
  // partconv(consec = TRUE): 1..g in order of first appearance
  std::vector<int> out(n);
  std::vector<Index> seen;
  for (Index i = 0; i < n; ++i) {
    auto it = std::find(seen.begin(), seen.end(), label[i]);
    if (it == seen.end()) {
      seen.push_back(label[i]);
      out[i] = static_cast<int>(seen.size());
    } else {
      out[i] = static_cast<int>(it - seen.begin()) + 1;
    }
  }
  return out;
}

}  // namespace mclust
}  // namespace gaussmix
