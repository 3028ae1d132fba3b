// SPDX-License-Identifier: Apache-2.0
#pragma once

// hush-sim's output: one JSON object (--json) or a message-sequence
// timeline and a summary for people.

#include <nlohmann/json.hpp>
#include <ostream>

#include "scenarios.h"

namespace hush::sim {

nlohmann::json to_json(const Report& r);
void print_human(const Report& r, std::ostream& out);

}  // namespace hush::sim
