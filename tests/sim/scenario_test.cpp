// SPDX-License-Identifier: Apache-2.0
// hush-sim's scenarios, run in-process: the contract of issue 7.

#include <gtest/gtest.h>

#include "hush-sim/report.h"
#include "hush-sim/scenarios.h"
