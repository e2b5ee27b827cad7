#include "cli/watermarks.h"

#include <memory>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

namespace groupwire::cli {

std::optional<Watermarks> read_watermarks(const std::string& bootstrap,
                                          const std::set<TopicPartition>& partitions,
                                          std::chrono::milliseconds timeout, std::string& error) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "client.id", "groupwire-cli", err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    error = err;
    return std::nullopt;
  }
  // A producer handle: it joins no group, and can ask any partition's leader for offsets.
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), &rd_kafka_destroy);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    error = err;
    return std::nullopt;
  }
  Watermarks out;
  for (const auto& [topic, partition] : partitions) {
    std::int64_t low = -1, high = -1;
    auto code = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), partition, &low, &high,
                                                 static_cast<int>(timeout.count()));
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = fmt::format("end offsets of {}-{} from {}: {}", topic, partition, bootstrap,
                          rd_kafka_err2str(code));
      return std::nullopt;
    }
    out.earliest[{topic, partition}] = low;
    out.latest[{topic, partition}] = high;
  }
  return out;
}

}  // namespace groupwire::cli
