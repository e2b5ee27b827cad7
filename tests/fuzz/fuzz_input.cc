#include "fuzz_input.h"

#include <string_view>

#include "handlers/api_versions.h"
#include "handlers/find_coordinator.h"
#include "handlers/metadata.h"
#include "kafka/codec/codec.h"
#include "kafka/codec/messages/all.h"
#include "server/dispatcher.h"
#include "server/frame.h"

namespace groupwire::fuzz {

namespace {

const gateway::Dispatcher& dispatcher() {
  static const gateway::Dispatcher* d = [] {
    auto* out = new gateway::Dispatcher;
    static gateway::BrokerIdentity identity{.node_id = 1, .advertised = {"127.0.0.1", 9092}};
    gateway::add_metadata_handler(
        *out, identity,
        std::make_shared<gateway::TopicCatalog>(std::vector<gateway::TopicSpec>{{"t", 2}}));
    gateway::add_find_coordinator_handler(*out, identity);
    gateway::add_api_versions_handler(*out);
    return out;
  }();
  return *d;
}

// Decodes as one message type; whatever decodes must re-encode and decode to the same value.
template <kafka::TopLevelMessage M>
void decode_as(std::uint8_t version_byte, std::string_view bytes) {
  auto span = M::kValid.hi - M::kValid.lo + 1;
  auto version = static_cast<kafka::ApiVersion>(M::kValid.lo + version_byte % span);
  kafka::Reader r(bytes.data(), bytes.size());
  M m;
  if (!kafka::decode(r, version, m)) return;
  std::string encoded;
  kafka::encode(m, version, encoded);
  kafka::Reader again(encoded.data(), encoded.size());
  M back;
  if (!kafka::decode(again, version, back) || !(back == m)) __builtin_trap();
}

template <class... M>
void decode_as_nth(std::tuple<M...>*, std::size_t n, std::uint8_t version_byte,
                   std::string_view bytes) {
  std::size_t i = 0;
  ((i++ == n ? decode_as<M>(version_byte, bytes) : void()), ...);
}

}  // namespace

void run_input(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kMaxFrame = 1 << 16;
  std::size_t pos = 0;
  while (size - pos >= 4) {
    auto body = gateway::frame_body_size(data + pos, kMaxFrame);
    if (!body || *body > size - pos - 4) break;
    std::string_view frame(reinterpret_cast<const char*>(data + pos + 4), *body);
    pos += 4 + *body;
    auto result = dispatcher().dispatch(frame, "fuzz", [](std::string response) {
      // Every response must at least carry its size prefix and a correlation id.
      if (response.size() < 8) __builtin_trap();
    });
    if (result.outcome != gateway::DispatchOutcome::kDispatched) break;
  }
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  if (size >= 2) {
    using All = kafka::AllTopLevelMessages;
    decode_as_nth(static_cast<All*>(nullptr), data[0] % std::tuple_size_v<All>, data[1],
                  rest.substr(2));
  }
  kafka::ConsumerProtocolSubscription sub;
  kafka::decode_consumer_protocol(rest, sub);
  kafka::ConsumerProtocolAssignment assignment;
  kafka::decode_consumer_protocol(rest, assignment);
}

}  // namespace groupwire::fuzz
