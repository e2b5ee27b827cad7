// groupwire-bench-groups: Kafka consumer-group load over many connections from few threads.
// See --help, and tests/bench/run-benchmarks.sh for the scenarios it serves.
#include <cstdio>

#include "group_load/config.h"
#include "group_load/report.h"
#include "group_load/run.h"

int main(int argc, char** argv) {
  using namespace groupwire::bench;
  ParsedArgs args = parse_args(argc, argv);
  if (!args.config) {
    std::fputs(args.message.c_str(), args.exit_code == 0 ? stdout : stderr);
    return args.exit_code;
  }
  const Config& config = *args.config;
  Report report = run(config);
  std::string out = config.json ? report_json(config, report) : report_text(config, report);
  std::fputs(out.c_str(), stdout);
  return report.error.empty() ? 0 : 1;
}
