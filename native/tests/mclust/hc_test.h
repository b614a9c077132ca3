#pragma once

#include "fixture.h"

namespace mclust_test {
void testHc(Checker& checker, const Json& fixture);
}
