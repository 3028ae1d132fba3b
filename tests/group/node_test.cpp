// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "group/group_test_util.h"
