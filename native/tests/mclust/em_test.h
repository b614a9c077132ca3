#pragma once

#include "fixture.h"

namespace mclust_test {
void testEm(Checker& checker, const Json& fixture);
}
