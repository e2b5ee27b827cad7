#include "handlers/broker_identity.h"

namespace groupwire::gateway {

std::int32_t derive_node_id(const HostPort& advertised) {
  // FNV-1a: stable across runs and builds, unlike std::hash.
  std::uint32_t h = 2166136261u;
  for (unsigned char c : advertised.to_string()) h = (h ^ c) * 16777619u;
  return static_cast<std::int32_t>(h & 0x7fffffff);
}

}  // namespace groupwire::gateway
