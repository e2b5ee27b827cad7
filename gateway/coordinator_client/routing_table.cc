#include "coordinator_client/routing_table.h"

#include <algorithm>

#include <fmt/format.h>

#include "coordinator_client/coordinator_connection.h"
#include "kafka/group_hash.h"

namespace groupwire::gateway {

std::optional<RoutingTable> RoutingTable::from(const pb::RoutingTable& answer,
                                               const HostPort& asked, std::string& error) {
  if (answer.group_partitions() <= 0) {
    error = fmt::format("{} answered {} group partitions", asked.to_string(),
                        answer.group_partitions());
    return std::nullopt;
  }
  RoutingTable table;
  table.group_partitions = static_cast<std::size_t>(answer.group_partitions());
  // A coordinator alone serves them all, at the address it was reached by.
  table.owners.assign(table.group_partitions,
                      answer.clustered() ? std::nullopt : std::optional(asked));
  table.consumer_protocol =
      std::find(answer.group_protocols().begin(), answer.group_protocols().end(), "consumer") !=
      answer.group_protocols().end();
  for (const auto& owner : answer.owners()) {
    auto address = parse_host_port(owner.coordinator());
    if (owner.partition() < 0 ||
        static_cast<std::size_t>(owner.partition()) >= table.owners.size() || !address) {
      error = fmt::format("{} answered an invalid owner: partition {} at '{}'", asked.to_string(),
                          owner.partition(), owner.coordinator());
      return std::nullopt;
    }
    table.owners[static_cast<std::size_t>(owner.partition())] = std::move(*address);
  }
  return table;
}

std::size_t RoutingTable::partition_of(std::string_view group_id) const {
  return kafka::partition_for(group_id, group_partitions);
}

// One attempt: it holds itself while its call is in flight, and goes once answered.
struct RoutingTableSource::Fetch final : CompletionThread::Step {
  RoutingTableSource* source = nullptr;
  std::size_t index = 0;  // of the coordinator asked
  Fetched done;
  std::size_t tried = 0;
  std::string errors;
  grpc::ClientContext ctx;
  pb::RoutingTableRequest request;
  pb::RoutingTable answer;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::RoutingTable>> rpc;
  std::shared_ptr<Fetch> self;

  void run(bool) override {
    auto fetch = std::move(self);
    RoutingTableSource& s = *source;
    s.answered(fetch, index, status);
    fetch.reset();  // may delete this
    std::lock_guard lock(s.mu_);
    if (--s.running_ == 0) s.idle_.notify_all();
  }
};

RoutingTableSource::RoutingTableSource(std::vector<HostPort> coordinators,
                                       std::chrono::milliseconds timeout,
                                       CompletionThread& completions,
                                       std::shared_ptr<grpc::ChannelCredentials> credentials)
    : coordinators_(std::move(coordinators)), timeout_(timeout), completions_(completions) {
  for (const auto& c : coordinators_) {
    auto args = coordinator_channel_arguments();
    args.SetServiceConfigJSON(R"({"loadBalancingConfig": [{"round_robin": {}}]})");
    stubs_.push_back(pb::Coordinator::NewStub(
        grpc::CreateCustomChannel("dns:///" + c.to_string(), credentials, args)));
  }
}

RoutingTableSource::~RoutingTableSource() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  for (auto* ctx : in_flight_) ctx->TryCancel();
  idle_.wait(lock, [this] { return running_ == 0; });
}

std::string RoutingTableSource::names() const {
  return to_string(coordinators_);
}

void RoutingTableSource::fetch(Fetched done) {
  // One ClientContext per attempt: a context cannot be reused.
  auto fetch = std::make_shared<Fetch>();
  fetch->done = std::move(done);
  ask(std::move(fetch));
}

void RoutingTableSource::ask(std::shared_ptr<Fetch> fetch) {
  std::size_t index = 0;
  bool give_up = false;
  {
    std::lock_guard lock(mu_);
    give_up = stopping_ || fetch->tried == coordinators_.size();
    if (stopping_) fetch->errors = "the gateway is stopping";
    if (!give_up) {
      index = (first_ + fetch->tried) % coordinators_.size();
      in_flight_.push_back(&fetch->ctx);
      ++running_;
    }
  }
  if (give_up) return fetch->done(std::nullopt, fetch->errors);
  fetch->ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
  fetch->ctx.set_wait_for_ready(false);
  auto* raw = fetch.get();
  raw->source = this;
  raw->index = index;
  raw->rpc =
      stubs_[index]->PrepareAsyncGetRoutingTable(&raw->ctx, raw->request, &completions_.queue());
  raw->rpc->StartCall();
  raw->self = std::move(fetch);
  raw->rpc->Finish(&raw->answer, &raw->status, raw);
}

void RoutingTableSource::answered(std::shared_ptr<Fetch> fetch, std::size_t index,
                                  const grpc::Status& status) {
  std::optional<RoutingTable> table;
  std::string error;
  if (status.ok()) {
    table = RoutingTable::from(fetch->answer, coordinators_[index], error);
  } else {
    // A TLS handshake the coordinator refused (a client certificate it does not trust) reads
    // as a connection closed at once; its own log says why.
    bool closed = status.error_message().find("Socket closed") != std::string::npos;
    error = fmt::format("{}: {}{}", coordinators_[index].to_string(), status.error_message(),
                        closed ? " (if it speaks TLS: a refused handshake, see its log)" : "");
  }
  {
    std::lock_guard lock(mu_);
    std::erase(in_flight_, &fetch->ctx);
    if (table) first_ = index;
  }
  if (table) return fetch->done(std::move(table), "");
  // The next name, with a new context: a context serves one call.
  auto next = std::make_shared<Fetch>();
  next->done = std::move(fetch->done);
  next->tried = fetch->tried + 1;
  next->errors = fetch->errors + (fetch->errors.empty() ? "" : "; ") + error;
  ask(std::move(next));
}

}  // namespace groupwire::gateway
