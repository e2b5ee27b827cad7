// "HOST:PORT" addresses as given on command lines ("[::1]:9092" for IPv6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace groupwire {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
  bool operator==(const HostPort&) const = default;
};

std::optional<HostPort> parse_host_port(std::string_view text);

// "HOST:PORT,HOST:PORT", as lists are given on command lines.
std::string to_string(const std::vector<HostPort>& list);

}  // namespace groupwire
