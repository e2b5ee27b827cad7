#include "upstream/version_translation.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "handlers/fetch.h"
#include "kafka/codec/frame.h"
#include "kafka/codec/messages/produce.h"
#include "upstream/relay.h"

namespace groupwire::gateway {

using kafka::ApiVersion;
using kafka::FetchRequest;
using kafka::FetchResponse;
using kafka::ListOffsetsRequest;
using kafka::ListOffsetsResponse;
using kafka::ProduceRequest;
using kafka::ProduceResponse;

namespace {

// The topics of a request its principal may not `op`: taken out of the request before it is
// asked, and answered TOPIC_AUTHORIZATION_FAILED per partition, as KafkaApis does.
struct Refused {
  std::vector<std::pair<std::string, std::vector<std::int32_t>>> topics;
  bool everything = false;  // no topic was left to ask about
};

// Where a request or response message keeps its topics' names and partition indexes.
template <class Topic, class Partition>
struct TopicFields {
  std::string Topic::*name;
  std::vector<Partition> Topic::*partitions;
  std::int32_t Partition::*index;
};

// Moves the topics `authorization` does not allow `op` out of `topics` into `refused`.
template <class Topic, class Partition>
void refuse_topics(std::vector<Topic>& topics, TopicFields<Topic, Partition> fields,
                   const Authorization& authorization, security::AclOperation op,
                   Refused& refused) {
  if (!authorization.restricted() || topics.empty()) return;
  std::erase_if(topics, [&](const Topic& t) {
    if (authorization.allowed(op, security::ResourceType::kTopic, t.*fields.name)) return false;
    std::vector<std::int32_t> indexes;
    for (const auto& p : t.*fields.partitions) indexes.push_back(p.*fields.index);
    refused.topics.emplace_back(t.*fields.name, std::move(indexes));
    return true;
  });
  refused.everything = topics.empty() && !refused.topics.empty();
}

// Each refused topic's partitions in an answer, TOPIC_AUTHORIZATION_FAILED and otherwise the
// message's defaults (no offsets).
template <class Topic, class Partition>
void answer_refused(std::vector<Topic>& topics, TopicFields<Topic, Partition> fields,
                    const Refused& refused) {
  for (const auto& [name, indexes] : refused.topics) {
    auto& out = topics.emplace_back();
    out.*fields.name = name;
    for (auto index : indexes) {
      auto& partition = (out.*fields.partitions).emplace_back();
      partition.*fields.index = index;
      partition.error_code = kafka::to_wire(kafka::ErrorCode::TOPIC_AUTHORIZATION_FAILED);
    }
  }
}

// Decodes the client's request, lets `adapt_request` fit it for the upstream (its result,
// holding a Refused named `refused`, is handed to `adapt_answer`), asks the upstream in the
// newest version both speak, and answers in the client's version. A request left with nothing to
// ask is answered without the upstream.
template <kafka::TopLevelMessage Req, kafka::TopLevelMessage Resp, class AdaptRequest,
          class AdaptAnswer>
void translate(RequestContext&& ctx, std::string_view frame, FrameCallback done,
               ApiVersion newest_served, AdaptRequest adapt_request, AdaptAnswer adapt_answer,
               bool expects_response = true) {
  auto session = ctx.session;
  if (!session) return;  // asking the upstream needs a real connection
  ApiVersion version = ctx.header.api_version;
  ApiVersion upstream_version = std::min(version, newest_served);
  kafka::Reader r(frame.data(), frame.size());
  kafka::RequestHeader header;
  Req req;
  if (!kafka::decode_request_header(r, kafka::is_flexible<Req>(version), header) ||
      !kafka::decode(r, version, req)) {
    return session->close(fmt::format("API key {} v{}: {} at byte {}", header.api_key, version,
                                      r.error(), r.position()));
  }
  auto context = adapt_request(req, version, ctx.authorization);
  if (context.refused.everything) {
    Resp resp;
    adapt_answer(resp, context, version);
    if (!expects_response) return done(std::string());
    return done(Dispatcher::encode_response_frame(resp, version, header.correlation_id));
  }
  std::string upstream_frame =
      kafka::encode_request_frame(req, upstream_version, header.correlation_id, header.client_id);
  session->forward_upstream(
      std::move(upstream_frame), expects_response,
      [session, version, upstream_version, expects_response, correlation_id = header.correlation_id,
       context = std::move(context), adapt_answer = std::move(adapt_answer),
       done = std::move(done)](std::optional<std::string> answer) mutable {
        if (answer && !expects_response) return done(std::string());
        Resp resp;
        if (!answer || !kafka::decode_response_frame(*answer, upstream_version, resp)) {
          return session->close(fmt::format("upstream answer to API key {} v{} failed",
                                            static_cast<int>(Resp::kApiKey), upstream_version));
        }
        adapt_answer(resp, context, version);
        done(Dispatcher::encode_response_frame(resp, version, correlation_id));
      },
      {});
}

// What a Fetch answer needs from its request: each asked topic's id (v13+), and the requested
// topics whose ids no topic has.
struct FetchContext {
  std::map<std::string, kafka::Uuid> ids;
  std::vector<FetchRequest::Topic> unknown;
  Refused refused;
};

void fetch_by_name(FetchRequest& req, const TopicCatalog& catalog, ApiVersion version,
                   FetchContext& context) {
  if (version < 13) return;  // named topics already
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
  for (const auto& [name, partitions] : context.refused.topics) {
    auto& out = resp.responses.emplace_back();
    out.topic = name;
    if (auto it = context.ids.find(name); it != context.ids.end()) out.topic_id = it->second;
    for (auto p : partitions) {
      out.partitions.push_back(fetch_error(p, kafka::ErrorCode::TOPIC_AUTHORIZATION_FAILED));
    }
  }
}

struct ListOffsetsContext {
  ApiVersion asked;  // the upstream's version: v0 answers a list of offsets
  Refused refused;
};

struct ProduceContext {
  Refused refused;
};

}  // namespace

std::optional<kafka::Versions> decoded_versions(std::int16_t api_key, kafka::Versions served,
                                                bool authorizing) {
  switch (static_cast<kafka::ApiKey>(api_key)) {
    case kafka::ApiKey::Fetch:
      return kafka::Versions{served.lo, authorizing ? FetchRequest::kValid.hi
                                                    : std::max(served.hi, FetchRequest::kValid.hi)};
    case kafka::ApiKey::ListOffsets:
      return kafka::Versions{served.lo, authorizing
                                            ? ListOffsetsRequest::kValid.hi
                                            : std::max(served.hi, ListOffsetsRequest::kValid.hi)};
    case kafka::ApiKey::Produce:
      return kafka::Versions{
          served.lo, authorizing ? std::min(served.hi, ProduceRequest::kValid.hi) : served.hi};
    default:
      return std::nullopt;
  }
}

void translate_upstream(RequestContext&& ctx, std::string_view frame, FrameCallback done,
                        ApiVersion newest_served, SharedTopicCatalog catalog) {
  using security::AclOperation;
  auto key = static_cast<kafka::ApiKey>(ctx.header.api_key);
  if (key == kafka::ApiKey::Fetch) {
    translate<FetchRequest, FetchResponse>(
        std::move(ctx), frame, std::move(done), newest_served,
        [catalog](FetchRequest& req, ApiVersion version, const Authorization& authorization) {
          FetchContext context;
          fetch_by_name(req, *catalog, version, context);
          refuse_topics(req.topics,
                        TopicFields<FetchRequest::Topic, FetchRequest::Partition>{
                            &FetchRequest::Topic::topic, &FetchRequest::Topic::partitions,
                            &FetchRequest::Partition::partition},
                        authorization, AclOperation::kRead, context.refused);
          return context;
        },
        [](FetchResponse& resp, const FetchContext& context, ApiVersion) {
          fetch_by_id(resp, context);
        });
    return;
  }
  if (key == kafka::ApiKey::Produce) {
    bool acks = produce_expects_response(frame);
    translate<ProduceRequest, ProduceResponse>(
        std::move(ctx), frame, std::move(done), newest_served,
        [](ProduceRequest& req, ApiVersion, const Authorization& authorization) {
          ProduceContext context;
          refuse_topics(req.topic_data,
                        TopicFields<ProduceRequest::Topic, ProduceRequest::Partition>{
                            &ProduceRequest::Topic::name, &ProduceRequest::Topic::partition_data,
                            &ProduceRequest::Partition::index},
                        authorization, AclOperation::kWrite, context.refused);
          return context;
        },
        [](ProduceResponse& resp, const ProduceContext& context, ApiVersion) {
          answer_refused(
              resp.responses,
              TopicFields<ProduceResponse::Topic, ProduceResponse::Partition>{
                  &ProduceResponse::Topic::name, &ProduceResponse::Topic::partition_responses,
                  &ProduceResponse::Partition::index},
              context.refused);
        },
        acks);
    return;
  }
  translate<ListOffsetsRequest, ListOffsetsResponse>(
      std::move(ctx), frame, std::move(done), newest_served,
      [newest_served](ListOffsetsRequest& req, ApiVersion version,
                      const Authorization& authorization) {
        ListOffsetsContext context{std::min(version, newest_served), {}};
        refuse_topics(req.topics,
                      TopicFields<ListOffsetsRequest::Topic, ListOffsetsRequest::Partition>{
                          &ListOffsetsRequest::Topic::name, &ListOffsetsRequest::Topic::partitions,
                          &ListOffsetsRequest::Partition::partition_index},
                      authorization, AclOperation::kDescribe, context.refused);
        return context;
      },
      [](ListOffsetsResponse& resp, const ListOffsetsContext& context, ApiVersion) {
        if (context.asked == 0) {
          // v0 lists offsets; v1+ answers the one offset asked for (max_num_offsets is 1).
          for (auto& t : resp.topics) {
            for (auto& p : t.partitions) {
              if (!p.old_style_offsets.empty()) p.offset = p.old_style_offsets.front();
            }
          }
        }
        answer_refused(
            resp.topics,
            TopicFields<ListOffsetsResponse::Topic, ListOffsetsResponse::Partition>{
                &ListOffsetsResponse::Topic::name, &ListOffsetsResponse::Topic::partitions,
                &ListOffsetsResponse::Partition::partition_index},
            context.refused);
      });
}

}  // namespace groupwire::gateway
