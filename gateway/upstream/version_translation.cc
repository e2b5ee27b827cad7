#include "upstream/version_translation.h"

#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "handlers/fetch.h"
#include "kafka/codec/frame.h"

namespace groupwire::gateway {

using kafka::ApiVersion;
using kafka::FetchRequest;
using kafka::FetchResponse;
using kafka::ListOffsetsRequest;
using kafka::ListOffsetsResponse;

namespace {

// Decodes the client's request, lets `adapt_request` fit it to `upstream_version` (its result is
// handed to `adapt_answer`), asks the upstream and answers in the client's version.
template <kafka::TopLevelMessage Req, kafka::TopLevelMessage Resp, class AdaptRequest,
          class AdaptAnswer>
void translate(RequestContext&& ctx, std::string_view frame, FrameCallback done,
               ApiVersion upstream_version, AdaptRequest adapt_request, AdaptAnswer adapt_answer) {
  auto session = ctx.session;
  if (!session) return;  // asking the upstream needs a real connection
  ApiVersion version = ctx.header.api_version;
  kafka::Reader r(frame.data(), frame.size());
  kafka::RequestHeader header;
  Req req;
  if (!kafka::decode_request_header(r, kafka::is_flexible<Req>(version), header) ||
      !kafka::decode(r, version, req)) {
    return session->close(fmt::format("API key {} v{}: {} at byte {}", header.api_key, version,
                                      r.error(), r.position()));
  }
  auto context = adapt_request(req, version);
  std::string upstream_frame =
      kafka::encode_request_frame(req, upstream_version, header.correlation_id, header.client_id);
  session->forward_upstream(
      std::move(upstream_frame), true,
      [session, version, upstream_version, correlation_id = header.correlation_id,
       context = std::move(context), adapt_answer = std::move(adapt_answer),
       done = std::move(done)](std::optional<std::string> answer) mutable {
        Resp resp;
        if (!answer || !kafka::decode_response_frame(*answer, upstream_version, resp)) {
          return session->close(fmt::format("upstream answer to API key {} v{} failed",
                                            static_cast<int>(Resp::kApiKey), upstream_version));
        }
        adapt_answer(resp, context, version);
        done(Dispatcher::encode_response_frame(resp, version, correlation_id));
      });
}

// What a Fetch answer needs from its request: each asked topic's id (v13+), and the requested
// topics whose ids no topic has.
struct FetchContext {
  std::map<std::string, kafka::Uuid> ids;
  std::vector<FetchRequest::Topic> unknown;
};

FetchContext fetch_by_name(FetchRequest& req, const TopicCatalog& catalog, ApiVersion version) {
  FetchContext context;
  if (version < 13) return context;  // named topics already
  std::vector<FetchRequest::Topic> known;
  for (auto& t : req.topics) {
    if (auto name = catalog.name(t.topic_id)) {
      t.topic = *name;
      context.ids[*name] = t.topic_id;
      known.push_back(std::move(t));
    } else {
      context.unknown.push_back(std::move(t));
    }
  }
  req.topics = std::move(known);
  // A forgotten topic no longer known was dropped from the session with its topic.
  std::vector<FetchRequest::ForgottenTopic> forgotten;
  for (auto& t : req.forgotten_topics_data) {
    if (auto name = catalog.name(t.topic_id)) {
      t.topic = *name;
      forgotten.push_back(std::move(t));
    }
  }
  req.forgotten_topics_data = std::move(forgotten);
  return context;
}

void fetch_by_id(FetchResponse& resp, const FetchContext& context) {
  for (auto& t : resp.responses) {
    auto it = context.ids.find(t.topic);
    if (it != context.ids.end()) t.topic_id = it->second;
  }
  for (const auto& t : context.unknown) {
    auto& out = resp.responses.emplace_back();
    out.topic_id = t.topic_id;
    for (const auto& p : t.partitions) {
      out.partitions.push_back(fetch_error(p.partition, kafka::ErrorCode::UNKNOWN_TOPIC_ID));
    }
  }
}

}  // namespace

std::optional<kafka::Versions> translated_versions(std::int16_t api_key, kafka::Versions served) {
  ApiVersion newest = -1;
  if (api_key == static_cast<std::int16_t>(kafka::ApiKey::Fetch)) newest = FetchRequest::kValid.hi;
  if (api_key == static_cast<std::int16_t>(kafka::ApiKey::ListOffsets)) {
    newest = ListOffsetsRequest::kValid.hi;
  }
  if (newest <= served.hi) return std::nullopt;
  return kafka::Versions{served.lo, newest};
}

void translate_upstream(RequestContext&& ctx, std::string_view frame, FrameCallback done,
                        ApiVersion upstream_version, SharedTopicCatalog catalog) {
  if (ctx.header.api_key == static_cast<std::int16_t>(kafka::ApiKey::Fetch)) {
    translate<FetchRequest, FetchResponse>(
        std::move(ctx), frame, std::move(done), upstream_version,
        [catalog](FetchRequest& req, ApiVersion version) {
          return fetch_by_name(req, *catalog, version);
        },
        [](FetchResponse& resp, const FetchContext& context, ApiVersion) {
          fetch_by_id(resp, context);
        });
    return;
  }
  translate<ListOffsetsRequest, ListOffsetsResponse>(
      std::move(ctx), frame, std::move(done), upstream_version,
      [upstream_version](ListOffsetsRequest&, ApiVersion) { return upstream_version; },
      [](ListOffsetsResponse& resp, ApiVersion asked, ApiVersion) {
        if (asked > 0) return;
        // v0 lists offsets; v1+ answers the one offset asked for (max_num_offsets is 1).
        for (auto& t : resp.topics) {
          for (auto& p : t.partitions) {
            if (!p.old_style_offsets.empty()) p.offset = p.old_style_offsets.front();
          }
        }
      });
}

}  // namespace groupwire::gateway
