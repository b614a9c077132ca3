// The mclust core pieces against R mclust 6.0.0 (test/fixtures/mclust). Usage:
//   mclust_tests <fixture directory>
// Prints the largest deviation per check group and exits non-zero on any failure.
#include <cstdio>
#include <exception>

#include "fixture.h"
#include "counts_test.h"
#include "em_test.h"
#include "hc_test.h"
#include "mstep_test.h"

int main(int argc, char** argv) {
  using namespace mclust_test;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <test/fixtures/mclust>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  Checker checker;
  try {
    testParameterCounts(checker, load(dir, "nparams"));
    for (const char* name : {"faithful", "iris", "diabetes", "banknote"}) {
      const Json fixture = load(dir, name);
      testMSteps(checker, fixture);
      testPriorMSteps(checker, fixture);
      testHc(checker, fixture);
      testHypervolume(checker, fixture);
      testEm(checker, fixture);
    }
  } catch (const std::exception& e) {
    std::printf("FAIL exception: %s\n", e.what());
    return 1;
  }
  for (const auto& [label, worst] : checker.worst()) {
    std::printf("%-24s max relative deviation %.2e\n", label.c_str(), worst);
  }
  std::printf("%d checks, %d failures\n", checker.checks(), checker.failures());
  return checker.failures() == 0 ? 0 : 1;
}
