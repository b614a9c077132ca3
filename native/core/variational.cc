#include "variational.h"

#include <cmath>

#include "digamma.h"
#include "errors.h"

namespace gaussmix {
namespace {

constexpr double kLn2 = 0.69314718055994530942;

bool isProcess(const VariationalPosterior& p) {
  return p.weightPrior == WeightPrior::DirichletProcess;
}

// ln Beta(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b) (scipy's betaln).
double logBeta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// ln |U_k| of the precision Cholesky factors in covariance.h's layout (scikit-learn's
// _compute_log_det_cholesky): K values, or one for tied.
Vector logDetPrecisionCholesky(const MixtureParams& params) {
  const Index k = params.k;
  const Index d = params.d;
  const double* u = params.precisionsCholesky.data();
  const auto diagonalSum = [d](const double* m) {
    double s = 0.0;
    for (Index j = 0; j < d; ++j) s += std::log(m[j * d + j]);
    return s;
  };
  switch (params.type) {
    case CovarianceType::Full: {
      Vector out(k);
      for (Index c = 0; c < k; ++c) out[c] = diagonalSum(u + c * d * d);
      return out;
    }
    case CovarianceType::Tied:
      return Vector::Constant(1, diagonalSum(u));
    case CovarianceType::Diag: {
      Vector out(k);
      for (Index c = 0; c < k; ++c) {
        double s = 0.0;
        for (Index j = 0; j < d; ++j) s += std::log(u[c * d + j]);
        out[c] = s;
      }
      return out;
    }
    case CovarianceType::Spherical: {
      Vector out(k);
      for (Index c = 0; c < k; ++c) out[c] = static_cast<double>(d) * std::log(u[c]);
      return out;
    }
    default:
      break;
  }
  throw invalidArgument("unknown covariance type");
}

// The Wishart's log-normaliser without its π term (scikit-learn's _log_wishart_norm), given
// ln |U| of the normalised covariance's factor less ½ D ln ν (that of W's factor):
//   −(ν ln|U_W| + ν D ½ ln 2 + Σ_{j<D} ln Γ((ν − j)/2)).
double logWishartNorm(double nu, double logDetFactor, Index d) {
  double gammas = 0.0;
  for (Index j = 0; j < d; ++j) gammas += std::lgamma(0.5 * (nu - static_cast<double>(j)));
  return -(nu * logDetFactor + nu * static_cast<double>(d) * 0.5 * kLn2 + gammas);
}

}  // namespace

Vector expectedLogWeights(const VariationalPosterior& p) {
  const Index k = p.weightConcentration.cols();
  Vector out(k);
  if (isProcess(p)) {
    double before = 0.0;  // Σ_{j<k} ψ(b_j) − ψ(a_j + b_j), accumulated in order (np.cumsum)
    for (Index c = 0; c < k; ++c) {
      const double a = p.weightConcentration(0, c);
      const double b = p.weightConcentration(1, c);
      const double digammaSum = digamma(a + b);
      out[c] = digamma(a) - digammaSum + before;
      before += digamma(b) - digammaSum;
    }
    return out;
  }
  const double digammaTotal = digamma(p.weightConcentration.row(0).sum());
  for (Index c = 0; c < k; ++c) out[c] = digamma(p.weightConcentration(0, c)) - digammaTotal;
  return out;
}

Vector variationalLogPriors(const VariationalPosterior& p, Index d) {
  const Vector logWeights = expectedLogWeights(p);
  const Index k = logWeights.size();
  const double dd = static_cast<double>(d);
  Vector out(k);
  for (Index c = 0; c < k; ++c) {
    const double nu = p.degreesOfFreedom[c];
    // E[ln |Λ_k|] less D ln ν_k... as scikit-learn splits it: log_lambda = D ln 2 + Σ ψ.
    double logLambda = dd * kLn2;
    for (Index j = 0; j < d; ++j) logLambda += digamma(0.5 * (nu - static_cast<double>(j)));
    out[c] = logWeights[c] - 0.5 * dd * std::log(nu) +
             0.5 * (logLambda - dd / p.meanPrecision[c]);
  }
  return out;
}

Vector posteriorWeights(const VariationalPosterior& p) {
  const Index k = p.weightConcentration.cols();
  Vector w(k);
  if (isProcess(p)) {
    double remaining = 1.0;  // Π_{j<k} b_j / (a_j + b_j)
    for (Index c = 0; c < k; ++c) {
      const double a = p.weightConcentration(0, c);
      const double b = p.weightConcentration(1, c);
      w[c] = a / (a + b) * remaining;
      remaining *= b / (a + b);
    }
  } else {
    w = p.weightConcentration.row(0).transpose();
  }
  return w / w.sum();
}

void updatePosterior(const VariationalPriors& priors, const Vector& nk, const RowMatrix& xk, const std::vector<double>& sk,
                     MixtureParams& params) {
  const Index k = nk.size();
  const Index d = xk.cols();
  VariationalPosterior post;
  post.weightPrior = priors.weightPrior;
  // _estimate_weights.
  if (priors.weightPrior == WeightPrior::DirichletProcess) {
    post.weightConcentration.resize(2, k);
    // α₀ + Σ_{j>k} n_j, the tail sums accumulated from the last component (np.cumsum of the
    // reversed n).
    double tail = 0.0;
    for (Index c = k - 1; c >= 0; --c) {
      post.weightConcentration(0, c) = 1.0 + nk[c];
      post.weightConcentration(1, c) = priors.weightConcentration + tail;
      tail += nk[c];
    }
  } else {
    post.weightConcentration = (priors.weightConcentration + nk.array()).matrix().transpose();
  }
  // _estimate_means: β_k = β₀ + n_k, m_k = (β₀ m₀ + n_k x̄_k) / β_k.
  post.meanPrecision = priors.meanPrecision + nk.array();
  params.means.resize(k, d);
  for (Index c = 0; c < k; ++c) {
    params.means.row(c) =
        (priors.meanPrecision * priors.mean + nk[c] * xk.row(c)) / post.meanPrecision[c];
  }
  // _estimate_precisions: W_k⁻¹ = Ψ₀ + n_k S_k + n_k β₀/β_k (x̄_k − m₀)(x̄_k − m₀)ᵀ, then
  // normalised by ν_k (scikit-learn's covariances_).
  const double beta0 = priors.meanPrecision;
  const double* psi = priors.covariance.data();
  std::vector<double>& cov = params.covariances;
  cov.assign(sk.size(), 0.0);
  switch (params.type) {
    case CovarianceType::Full: {
      post.degreesOfFreedom = priors.degreesOfFreedom + nk.array();
      for (Index c = 0; c < k; ++c) {
        const RowVector diff = xk.row(c) - priors.mean;
        const double scale = nk[c] * beta0 / post.meanPrecision[c];
        const double* s = sk.data() + c * d * d;
        double* out = cov.data() + c * d * d;
        for (Index a = 0; a < d; ++a) {
          for (Index b = 0; b < d; ++b) {
            out[a * d + b] = (psi[a * d + b] + nk[c] * s[a * d + b] + scale * (diff[a] * diff[b])) /
                             post.degreesOfFreedom[c];
          }
        }
      }
      break;
    }
    case CovarianceType::Tied: {
      const double share = nk.sum() / static_cast<double>(k);  // Σ n / K
      const double nu = priors.degreesOfFreedom + share;
      post.degreesOfFreedom = Vector::Constant(k, nu);
      // Σ_k (n_k/β_k)(x̄_k − m₀)(x̄_k − m₀)ᵀ
      Matrix spread = Matrix::Zero(d, d);
      for (Index c = 0; c < k; ++c) {
        const RowVector diff = xk.row(c) - priors.mean;
        spread.noalias() += (nk[c] / post.meanPrecision[c]) * diff.transpose() * diff;
      }
      for (Index a = 0; a < d; ++a) {
        for (Index b = 0; b < d; ++b) {
          cov[a * d + b] = (psi[a * d + b] + sk[a * d + b] * share +
                            beta0 / static_cast<double>(k) * spread(a, b)) /
                           nu;
        }
      }
      break;
    }
    case CovarianceType::Diag:
      post.degreesOfFreedom = priors.degreesOfFreedom + nk.array();
      for (Index c = 0; c < k; ++c) {
        const double ratio = beta0 / post.meanPrecision[c];
        for (Index j = 0; j < d; ++j) {
          const double diff = xk(c, j) - priors.mean[j];
          cov[c * d + j] = (psi[j] + nk[c] * (sk[c * d + j] + ratio * (diff * diff))) /
                           post.degreesOfFreedom[c];
        }
      }
      break;
    case CovarianceType::Spherical:
      post.degreesOfFreedom = priors.degreesOfFreedom + nk.array();
      for (Index c = 0; c < k; ++c) {
        const double meanSquare = (xk.row(c) - priors.mean).array().square().mean();
        cov[c] = (psi[0] + nk[c] * (sk[c] + beta0 / post.meanPrecision[c] * meanSquare)) /
                 post.degreesOfFreedom[c];
      }
      break;
    default:
      throw invalidArgument(std::string("a variational posterior has no covariance type '") +
                            parametrisation(params.type).name + "'");
  }
  params.precisionsCholesky.resize(cov.size());
  precisionCholeskyFromCovariance(params.type, k, d, cov.data(), params.precisionsCholesky.data());
  params.weights = posteriorWeights(post);
  params.posterior = std::move(post);
}

double evidenceLowerBound(const MixtureParams& params, double entropy) {
  const VariationalPosterior& p = *params.posterior;
  const Index k = params.k;
  const Index d = params.d;
  const double dd = static_cast<double>(d);
  // ln |U| of W_k's factor: the normalised covariance's less ½ D ln ν_k.
  const Vector logDet = logDetPrecisionCholesky(params);
  double logWishart = 0.0;
  if (params.type == CovarianceType::Tied) {
    const double nu = p.degreesOfFreedom[0];
    logWishart = static_cast<double>(k) * logWishartNorm(nu, logDet[0] - 0.5 * dd * std::log(nu), d);
  } else {
    for (Index c = 0; c < k; ++c) {
      const double nu = p.degreesOfFreedom[c];
      logWishart += logWishartNorm(nu, logDet[c] - 0.5 * dd * std::log(nu), d);
    }
  }
  double logNormWeight = 0.0;
  if (isProcess(p)) {
    for (Index c = 0; c < k; ++c) {
      logNormWeight -= logBeta(p.weightConcentration(0, c), p.weightConcentration(1, c));
    }
  } else {
    double logGammas = 0.0;
    for (Index c = 0; c < k; ++c) logGammas += std::lgamma(p.weightConcentration(0, c));
    logNormWeight = std::lgamma(p.weightConcentration.row(0).sum()) - logGammas;
  }
  const double logMeanPrecision = p.meanPrecision.array().log().sum();
  return -entropy - logWishart - logNormWeight - 0.5 * dd * logMeanPrecision;
}

MixtureParams pruneComponents(const MixtureParams& params, const std::vector<Index>& keep,
                              double weightConcentrationPrior) {
  const VariationalPosterior& p = *params.posterior;
  const Index k = static_cast<Index>(keep.size());
  const Index d = params.d;
  const Index oldK = params.k;
  if (k < 1) throw invalidArgument("at least one component must be kept");
  for (Index c = 0; c < k; ++c) {
    if (keep[c] < 0 || keep[c] >= oldK || (c > 0 && keep[c] <= keep[c - 1])) {
      throw invalidArgument("the components kept must be increasing indices below K");
    }
  }
  MixtureParams out;
  out.type = params.type;
  out.k = k;
  out.d = d;
  out.means.resize(k, d);
  // Each component's share of covariances / precisionsCholesky (tied: shared, copied whole).
  const bool tied = params.type == CovarianceType::Tied;
  const Index block = tied ? 0 : static_cast<Index>(params.covariances.size()) / oldK;
  if (tied) {
    out.covariances = params.covariances;
    out.precisionsCholesky = params.precisionsCholesky;
  }
  VariationalPosterior post;
  post.weightPrior = p.weightPrior;
  post.weightConcentration.resize(p.weightConcentration.rows(), k);
  post.meanPrecision.resize(k);
  post.degreesOfFreedom.resize(k);
  for (Index c = 0; c < k; ++c) {
    const Index from = keep[c];
    out.means.row(c) = params.means.row(from);
    if (!tied) {
      const auto at = [&](const std::vector<double>& v) { return v.begin() + from * block; };
      out.covariances.insert(out.covariances.end(), at(params.covariances), at(params.covariances) + block);
      out.precisionsCholesky.insert(out.precisionsCholesky.end(), at(params.precisionsCholesky),
                                    at(params.precisionsCholesky) + block);
    }
    post.weightConcentration.col(c) = p.weightConcentration.col(from);
    post.meanPrecision[c] = p.meanPrecision[from];
    post.degreesOfFreedom[c] = p.degreesOfFreedom[from];
  }
  if (isProcess(p)) {
    double tail = 0.0;  // the kept n_j of the later components, from the last
    for (Index c = k - 1; c >= 0; --c) {
      post.weightConcentration(1, c) = weightConcentrationPrior + tail;
      tail += post.weightConcentration(0, c) - 1.0;
    }
  }
  out.weights = posteriorWeights(post);
  out.posterior = std::move(post);
  return out;
}

}  // namespace gaussmix
