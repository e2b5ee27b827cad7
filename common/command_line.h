// Reading numeric flags from a parsed command line; a bad one is reported by its name.
#pragma once

#include <chrono>
#include <string>

#include <fmt/format.h>
#include <boost/program_options/variables_map.hpp>

#include "host_port.h"

namespace groupwire {

// Thrown while parsing; the program prints the message and exits with code 2.
struct BadFlag {
  std::string message;
};

inline long long int_flag(const boost::program_options::variables_map& vm, const char* flag,
                          long long min, long long max) {
  auto v = vm[flag].as<long long>();
  if (v < min || v > max) {
    throw BadFlag{fmt::format("--{}: must be in [{}, {}], got {}", flag, min, max, v)};
  }
  return v;
}

inline std::chrono::milliseconds millis_flag(const boost::program_options::variables_map& vm,
                                             const char* flag, long long min, long long max) {
  return std::chrono::milliseconds(int_flag(vm, flag, min, max));
}

inline HostPort host_port_flag(const boost::program_options::variables_map& vm, const char* flag) {
  auto text = vm[flag].as<std::string>();
  auto hp = parse_host_port(text);
  if (!hp) throw BadFlag{fmt::format("--{}: '{}' is not HOST:PORT", flag, text)};
  return *hp;
}

}  // namespace groupwire
