// The run's figures, for people (a few lines) or for scripts (one JSON object).
#pragma once

#include <string>

#include "group_load/config.h"
#include "group_load/run.h"

namespace groupwire::bench {

std::string report_text(const Config& config, const Report& report);
std::string report_json(const Config& config, const Report& report);

}  // namespace groupwire::bench
