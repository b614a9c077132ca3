#pragma once

#include "fixture.h"

namespace mclust_test {
void testParameterCounts(Checker& checker, const Json& nparams);
void testHypervolume(Checker& checker, const Json& fixture);
}
