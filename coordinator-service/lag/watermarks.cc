#include "lag/watermarks.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

namespace groupwire::coordinator::lag {

struct WatermarkReader::Client {
  explicit Client(rd_kafka_t* h) : handle(h) {}
  ~Client() { rd_kafka_destroy(handle); }
  rd_kafka_t* handle;
};

WatermarkReader::WatermarkReader(std::unique_ptr<Client> client, std::string bootstrap)
    : client_(std::move(client)), bootstrap_(std::move(bootstrap)) {}

WatermarkReader::~WatermarkReader() = default;

std::unique_ptr<WatermarkReader> WatermarkReader::open(const std::string& bootstrap,
                                                       const std::string& client_id,
                                                       std::string& error) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "client.id", client_id.c_str(), err, sizeof err) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    error = err;
    return nullptr;
  }
  // A producer handle: it joins no group, and can ask any partition's leader for offsets.
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    error = err;
    return nullptr;
  }
  return std::unique_ptr<WatermarkReader>(
      new WatermarkReader(std::make_unique<Client>(handle), bootstrap));
}

std::optional<Watermarks> WatermarkReader::read(const std::set<TopicPartition>& partitions,
                                                std::chrono::milliseconds timeout,
                                                std::string& error) {
  Watermarks out;
  for (const auto& [topic, partition] : partitions) {
    std::int64_t low = -1, high = -1;
    auto code = rd_kafka_query_watermark_offsets(client_->handle, topic.c_str(), partition, &low,
                                                 &high, static_cast<int>(timeout.count()));
    if (code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
        code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      continue;
    }
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = fmt::format("end offsets of {}-{} from {}: {}", topic, partition, bootstrap_,
                          rd_kafka_err2str(code));
      return std::nullopt;
    }
    out.earliest[{topic, partition}] = low;
    out.latest[{topic, partition}] = high;
  }
  return out;
}

}  // namespace groupwire::coordinator::lag
