// CPU time and resident memory of a running process, read from /proc (Linux).
#pragma once

#include <sys/types.h>
#include <optional>
#include <string>

namespace groupwire::bench {

struct ProcessSample {
  double cpu_seconds = 0;  // user + system, all threads, since the process started
  long rss_kib = 0;
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessSample> sample_process(pid_t pid);

}  // namespace groupwire::bench
