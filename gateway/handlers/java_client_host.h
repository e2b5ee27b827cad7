// Client hosts as Kafka's coordinator records them for members (JoinGroup,
// ConsumerGroupHeartbeat), which admin clients show.
#pragma once

#include <string>

namespace groupwire::gateway {

// Java's InetAddress.toString() of a peer address: "/" and the address, IPv6 in full
// uncompressed groups, IPv4-mapped IPv6 as plain IPv4.
std::string java_client_host(const std::string& ip);

}  // namespace groupwire::gateway
