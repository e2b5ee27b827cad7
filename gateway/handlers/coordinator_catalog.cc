#include "handlers/coordinator_catalog.h"

#include <array>
#include <string>

#include <openssl/evp.h>

#include "kafka/codec/wire.h"

namespace groupwire::gateway {

std::uint64_t catalog_fingerprint(const TopicCatalog::Topics& topics) {
  // A SHA-256 of a length-prefixed listing: names cannot run into one another, and a topic
  // added, removed, recreated (a new id) or grown changes it.
  std::string listing;
  kafka::Writer w(listing);
  for (const auto& [name, topic] : topics) {
    w.write_int(static_cast<std::uint32_t>(name.size()));
    w.write_raw(name);
    w.write_raw(std::string_view(reinterpret_cast<const char*>(topic.id.data()), topic.id.size()));
    w.write_int(topic.partitions);
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(listing.data(), listing.size(), digest.data(), &size, EVP_sha256(), nullptr);
  std::uint64_t fingerprint = 0;
  for (int i = 0; i < 8; ++i) fingerprint = (fingerprint << 8) | digest[i];
  return fingerprint == 0 ? 1 : fingerprint;
}

CoordinatorCatalog::CoordinatorCatalog(std::shared_ptr<const TopicCatalog> catalog)
    : catalog_(std::move(catalog)) {}

std::shared_ptr<const pb::TopicCatalog> CoordinatorCatalog::current() const {
  auto listing = catalog_->listing();
  std::lock_guard lock(mu_);
  if (listing.topics == built_from_) return built_;
  auto built = std::make_shared<pb::TopicCatalog>();
  built->set_fingerprint(catalog_fingerprint(*listing.topics));
  built->set_fetched_at_ms(listing.updated_at_ms);
  for (const auto& [name, topic] : *listing.topics) {
    auto* t = built->add_topics();
    t->set_topic_id(reinterpret_cast<const char*>(topic.id.data()), topic.id.size());
    t->set_name(name);
    t->set_partitions(topic.partitions);
  }
  built_from_ = std::move(listing.topics);
  built_ = std::move(built);
  return built_;
}

}  // namespace groupwire::gateway
