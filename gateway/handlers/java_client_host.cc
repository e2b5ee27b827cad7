#include "handlers/java_client_host.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace groupwire::gateway {

std::string java_client_host(const std::string& ip) {
  in6_addr v6{};
  std::string base = ip.substr(0, ip.find('%'));
  if (base.find(':') == std::string::npos || inet_pton(AF_INET6, base.c_str(), &v6) != 1) {
    return "/" + ip;
  }
  const auto* b = v6.s6_addr;
  bool mapped = std::all_of(b, b + 10, [](std::uint8_t x) { return x == 0; }) && b[10] == 0xff &&
                b[11] == 0xff;
  if (mapped) return fmt::format("/{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
  std::string out = "/";
  for (int i = 0; i < 8; ++i) {
    out += fmt::format("{}{:x}", i == 0 ? "" : ":", (b[2 * i] << 8) | b[2 * i + 1]);
  }
  return out + ip.substr(base.size());
}

}  // namespace groupwire::gateway
