// Reading flags from a parsed command line; a bad one is reported by its name (as the flag or,
// through OptionReader, as the environment variable it came from).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options/variables_map.hpp>

#include "host_port.h"
#include "options.h"

namespace groupwire {

inline long long int_flag(const boost::program_options::variables_map& vm, const char* flag,
                          long long min, long long max) {
  auto v = vm[flag].as<long long>();
  if (v < min || v > max) {
    throw BadOption{flag, fmt::format("must be in [{}, {}], got {}", min, max, v)};
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
  if (!hp) throw BadOption{flag, fmt::format("'{}' is not HOST:PORT", text)};
  return *hp;
}

// A comma-separated flag's items, empty ones included (so that a stray comma is reported).
inline std::vector<std::string> comma_list(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= list.size();) {
    auto comma = list.find(',', start);
    out.push_back(list.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// HOST:PORT[,HOST:PORT...]
inline std::vector<HostPort> host_ports_flag(const boost::program_options::variables_map& vm,
                                             const char* flag) {
  std::vector<HostPort> out;
  for (const auto& one : comma_list(vm[flag].as<std::string>())) {
    auto hp = parse_host_port(one);
    if (!hp) throw BadOption{flag, fmt::format("'{}' is not HOST:PORT", one)};
    out.push_back(*hp);
  }
  return out;
}

}  // namespace groupwire
