#include "upstream/relay.h"

#include <set>

#include <spdlog/spdlog.h>

#include "handlers/metadata.h"
#include "kafka/codec/frame.h"
#include "kafka/codec/messages/metadata.h"
#include "upstream/version_translation.h"

namespace groupwire::gateway {

using kafka::MetadataRequest;
using kafka::MetadataResponse;

namespace {

// Not relayed, and so not advertised: SaslHandshake and SaslAuthenticate (a client must not
// authenticate to the upstream through us), AddOffsetsToTxn and TxnOffsetCommit (group offsets
// belong to our coordinator), DescribeQuorum and DescribeCluster (broker listings we do not
// rewrite), and the KIP-848 and share-group APIs (group coordination is ours).
const std::set<std::int16_t> kNeverRelayed = {17, 25, 28, 36, 55, 60, 68, 69, 76, 77, 78, 79};

constexpr std::int16_t kProduce = static_cast<std::int16_t>(kafka::ApiKey::Produce);

void relay(RequestContext&& ctx, std::string_view frame, FrameCallback done) {
  bool expects_response = ctx.header.api_key != kProduce || produce_expects_response(frame);
  auto session = ctx.session;
  if (!session) return;  // relaying needs a real connection
  // A large frame (a Produce's records) is sent from where it was read, not copied.
  std::string sized;
  if (auto whole = session->take_request()) {
    sized = std::move(*whole);
  } else {
    sized.assign(4, '\0');
    sized.append(frame);
    kafka::patch_frame_size(sized);
  }
  // The answer passes unchanged: a large one (a Fetch's records) goes on to the client while
  // the upstream still sends it.
  session->forward_upstream(
      std::move(sized), expects_response,
      [session, done = std::move(done)](std::optional<std::string> answer) {
        if (!answer) return session->close("upstream broker failed");
        done(std::move(*answer));
      },
      session->answer_in_parts());
}

}  // namespace

bool produce_expects_response(std::string_view frame) {
  std::int16_t api_key = 0;
  kafka::ApiVersion version = 0;
  if (!kafka::peek_api(frame, api_key, version)) return true;
  bool flexible = version >= 9;  // Produce v9+ uses header v2 and compact strings
  kafka::RequestHeader header;
  kafka::Reader h(frame.data(), frame.size());
  if (!kafka::decode_request_header(h, flexible, header)) return true;
  if (version >= 3) {
    auto length = h.read_length(flexible, false);  // transactional_id, nullable
    if (length > 0) h.skip(static_cast<std::size_t>(length));
  }
  auto acks = h.read_int<std::int16_t>();
  return !h.ok() || acks != 0;
}

void add_upstream_metadata_handler(Dispatcher& dispatcher, kafka::ApiVersion upstream_version,
                                   std::shared_ptr<const BrokerDirectory> directory,
                                   SharedTopicCatalog catalog) {
  dispatcher.add<MetadataRequest, MetadataResponse>(
      [upstream_version, directory, catalog](const RequestContext& ctx, MetadataRequest req,
                                             Respond<MetadataResponse> respond) {
        auto session = ctx.session;
        if (!session) return respond(MetadataResponse{});
        name_topics_by_id(req, *catalog);
        // "All topics" is an empty list at v0 and null later; say it in the upstream's version.
        bool all = !req.topics || (ctx.header.api_version == 0 && req.topics->empty());
        if (all) {
          if (upstream_version == 0) {
            req.topics.emplace();
          } else {
            req.topics.reset();
          }
        }
        std::string frame = kafka::encode_request_frame(
            req, upstream_version, ctx.header.correlation_id, ctx.header.client_id);
        session->forward_upstream(
            std::move(frame), true,
            [=, authorization = ctx.authorization,
             respond = std::move(respond)](std::optional<std::string> answer) {
              MetadataResponse resp;
              if (!answer || !kafka::decode_response_frame(*answer, upstream_version, resp)) {
                return session->close("upstream Metadata failed");
              }
              std::vector<MetadataResponse::Broker> reachable;
              for (auto& b : resp.brokers) {
                auto it = directory->find(b.node_id);
                if (it == directory->end()) {
                  spdlog::warn("upstream broker {} has no gateway listener: not listed", b.node_id);
                  continue;
                }
                b.host = it->second.host;
                b.port = it->second.port;
                reachable.push_back(std::move(b));
              }
              resp.brokers = std::move(reachable);
              TopicCatalog::Topics seen;
              for (auto& t : resp.topics) {
                if (t.error_code != 0 || !t.name) continue;
                // An upstream without topic ids (Metadata v9 or older) gets the catalog's.
                if (t.topic_id == kafka::Uuid{}) t.topic_id = derived_topic_id(*t.name);
                seen[*t.name] = {static_cast<std::int32_t>(t.partitions.size()), t.topic_id};
              }
              catalog->update(seen, all);
              hide_unauthorized_topics(resp, all, authorization);
              respond(std::move(resp));
            },
            {});
      });
}

void add_upstream_relay(Dispatcher& dispatcher, const UpstreamInfo& upstream,
                        SharedTopicCatalog catalog, bool authorizing) {
  for (const auto& api : upstream.apis) {
    if (dispatcher.serves(api.api_key) || kNeverRelayed.count(api.api_key)) continue;
    kafka::Versions served{api.min_version, api.max_version};
    auto decoded = decoded_versions(api.api_key, served, authorizing);
    if (!decoded) {
      // An API the gateway cannot authorize does not pass a gateway that authorizes.
      if (!authorizing) dispatcher.add_raw(api.api_key, served, relay);
      continue;
    }
    if (decoded->hi > served.hi) {
      spdlog::info("API key {}: v{}-{} translated into the upstream's v{}", api.api_key,
                   served.hi + 1, decoded->hi, served.hi);
    }
    dispatcher.add_raw(
        api.api_key, *decoded,
        [served, catalog](RequestContext&& ctx, std::string_view frame, FrameCallback done) {
          if (served.contains(ctx.header.api_version) && !ctx.authorization.restricted()) {
            return relay(std::move(ctx), frame, std::move(done));
          }
          translate_upstream(std::move(ctx), frame, std::move(done), served.hi, catalog);
        });
  }
}

}  // namespace groupwire::gateway
