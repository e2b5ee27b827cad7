// A fake broker script that speaks enough Kafka for discovery and Metadata: ApiVersions in any
// version it lists, and Metadata at `metadata_version`, both decoded and answered with the real
// codec. Other requests are left to `other` (no answer without it).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fake_broker.h"
#include "kafka/codec/frame.h"
#include "kafka/codec/messages/all.h"
#include "server/dispatcher.h"

namespace groupwire::gateway::testing {

struct UpstreamCluster {
  std::vector<kafka::ApiVersionsResponse::ApiVersion> apis;
  kafka::ApiVersion metadata_version = 2;
  std::vector<kafka::MetadataResponse::Broker> brokers;
  std::map<std::string, std::int32_t> topics;  // name -> partitions
  std::string cluster_id = "upstream-cluster";
};

// Two brokers and two topics, Metadata up to v2.
inline UpstreamCluster two_broker_cluster() {
  UpstreamCluster c;
  c.apis = {{0, 0, 7}, {1, 0, 11}, {3, 0, 2}, {17, 0, 1}, {18, 0, 3}};
  c.brokers = {{1, "kafka-1.internal", 9092, std::nullopt},
               {2, "kafka-2.internal", 9093, std::string("rack-b")}};
  c.topics = {{"orders", 3}, {"audit", 1}};
  return c;
}

inline kafka::MetadataResponse metadata_answer(const UpstreamCluster& c,
                                               const kafka::MetadataRequest& req) {
  kafka::MetadataResponse resp;
  resp.brokers = c.brokers;
  resp.cluster_id = c.cluster_id;
  resp.controller_id = c.brokers.empty() ? -1 : c.brokers.front().node_id;
  auto add = [&](const std::string& name) {
    kafka::MetadataResponse::Topic t;
    t.name = name;
    auto it = c.topics.find(name);
    if (it == c.topics.end()) {
      t.error_code = 3;  // UNKNOWN_TOPIC_OR_PARTITION
    } else {
      for (std::int32_t p = 0; p < it->second; ++p) {
        kafka::MetadataResponse::Partition part;
        part.partition_index = p;
        part.leader_id = c.brokers[static_cast<std::size_t>(p) % c.brokers.size()].node_id;
        part.replica_nodes = {part.leader_id};
        part.isr_nodes = {part.leader_id};
        t.partitions.push_back(part);
      }
    }
    resp.topics.push_back(std::move(t));
  };
  bool all = !req.topics || (c.metadata_version == 0 && req.topics->empty());
  if (all) {
    for (const auto& [name, count] : c.topics) add(name);
  } else {
    for (const auto& t : *req.topics) add(t.name.value_or(""));
  }
  return resp;
}

// A ListOffsets answer with every partition asked for, each as `fill` makes it.
inline kafka::ListOffsetsResponse list_offsets_answer(
    const kafka::ListOffsetsRequest& req,
    const std::function<void(kafka::ListOffsetsResponse::Partition&)>& fill) {
  kafka::ListOffsetsResponse resp;
  for (const auto& t : req.topics) {
    auto& out = resp.topics.emplace_back();
    out.name = t.name;
    for (const auto& p : t.partitions) {
      auto& part = out.partitions.emplace_back();
      part.partition_index = p.partition_index;
      fill(part);
    }
  }
  return resp;
}

// Decodes a whole request frame's header and body; false when it does not decode.
template <kafka::TopLevelMessage Req>
bool decode_request(const std::string& frame, kafka::RequestHeader& header, Req& req) {
  kafka::Reader r(frame.data() + 4, frame.size() - 4);
  bool flexible = kafka::is_flexible<Req>(request_api_version(frame));
  return kafka::decode_request_header(r, flexible, header) &&
         kafka::decode(r, header.api_version, req) && r.remaining() == 0;
}

inline BrokerScript kafka_script(UpstreamCluster cluster, BrokerScript other = nullptr) {
  return [cluster = std::move(cluster), other = std::move(other)](const std::string& frame,
                                                                  int connection) {
    auto key = request_api_key(frame);
    auto version = request_api_version(frame);
    kafka::RequestHeader header;
    if (key == static_cast<std::int16_t>(kafka::ApiKey::ApiVersions)) {
      kafka::ApiVersionsRequest req;
      if (!decode_request(frame, header, req)) return BrokerAction{{}, true};
      kafka::ApiVersionsResponse resp;
      resp.api_keys = cluster.apis;
      return BrokerAction{
          {Dispatcher::encode_response_frame(resp, version, header.correlation_id)}};
    }
    if (key == static_cast<std::int16_t>(kafka::ApiKey::Metadata) &&
        version == cluster.metadata_version) {
      kafka::MetadataRequest req;
      if (!decode_request(frame, header, req)) return BrokerAction{{}, true};
      return BrokerAction{{Dispatcher::encode_response_frame(metadata_answer(cluster, req), version,
                                                             header.correlation_id)}};
    }
    return other ? other(frame, connection) : BrokerAction{};
  };
}

}  // namespace groupwire::gateway::testing
