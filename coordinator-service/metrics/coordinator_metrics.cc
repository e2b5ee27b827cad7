#include "metrics/coordinator_metrics.h"

#include <array>

#include "server/read_partitions.h"

namespace groupwire::coordinator {

namespace {

constexpr std::array kStates = {GroupState::Empty, GroupState::PreparingRebalance,
                                GroupState::CompletingRebalance, GroupState::Stable,
                                GroupState::Dead};
constexpr std::array kConsumerStates = {ConsumerGroupState::kEmpty, ConsumerGroupState::kAssigning,
                                        ConsumerGroupState::kReconciling,
                                        ConsumerGroupState::kStable, ConsumerGroupState::kDead};

std::vector<double> batch_buckets() {
  return {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
}

std::vector<double> rebalance_buckets() {
  return {0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

// The groups of one partition (or of all, summed) by state, and their members.
struct Census {
  std::array<double, kStates.size()> groups{};
  std::array<double, kConsumerStates.size()> consumer_groups{};
  double members = 0;
};

}  // namespace

StorageMetrics register_storage_metrics(metrics::Registry& registry) {
  return {registry
              .histogram("groupwire_storage_write_seconds",
                         "Duration of one durable write of group state.", {},
                         metrics::latency_buckets())
              .with({}),
          registry
              .histogram("groupwire_storage_batch_size",
                         "Records in one durable write of group state.", {}, batch_buckets())
              .with({}),
          registry
              .counter("groupwire_storage_fenced_batches_total",
                       "Batches the database refused because their partition's lease had "
                       "passed to another coordinator.")
              .with({}),
          registry
              .counter("groupwire_storage_write_failures_total",
                       "Batches of group state that could not be written (the database failed or "
                       "refused them; fencing is counted apart): their requests were answered "
                       "with errors.")
              .with({})};
}

CoordinatorMetrics::CoordinatorMetrics(metrics::Registry& registry, Partitions& partitions,
                                       std::chrono::milliseconds scrape_timeout)
    : partitions_(partitions),
      scrape_timeout_(scrape_timeout),
      groups_(registry.gauge("groupwire_groups", "Classic groups by state.", {"state"})),
      consumer_groups_(registry.gauge("groupwire_consumer_groups",
                                      "Consumer groups (KIP-848) by state.", {"state"})),
      members_(
          registry.gauge("groupwire_group_members", "Members of all groups, of either protocol.")
              .with({})),
      rebalances_started_(
          registry
              .counter("groupwire_rebalances_started_total",
                       "Rebalances started (a group entered PreparingRebalance, or a consumer "
                       "group's epoch moved).")
              .with({})),
      rebalances_completed_(
          registry
              .counter("groupwire_rebalances_completed_total",
                       "Rebalances completed (a generation became Stable, or Empty; a "
                       "consumer group became Stable).")
              .with({})),
      rebalance_seconds_(registry
                             .histogram("groupwire_rebalance_duration_seconds",
                                        "From a rebalance's start to its generation's completion.",
                                        {}, rebalance_buckets())
                             .with({})),
      members_joined_(
          registry.counter("groupwire_members_joined_total", "Members that joined a group.")
              .with({})),
      members_removed_(registry.counter(
          "groupwire_members_removed_total",
          "Members that left a group, by reason: leave_group (a client's or an operator's), "
          "session_timeout, join_timeout, sync_timeout.",
          {"reason"})),
      session_expirations_(registry
                               .counter("groupwire_session_expirations_total",
                                        "Members removed for missing their session timeout.")
                               .with({})),
      offset_commits_(
          registry.counter("groupwire_offset_commits_total", "Accepted OffsetCommit requests.")
              .with({})),
      offset_commit_partitions_(
          registry
              .counter("groupwire_offset_commit_partitions_total", "Partition offsets committed.")
              .with({})),
      groups_deleted_(
          registry.counter("groupwire_groups_deleted_total", "Groups deleted or expired.")
              .with({})) {
  for (auto s : kStates) groups_.with({state_name(s)});
  for (auto s : kConsumerStates) consumer_groups_.with({consumer_group_state_name(s)});
  registry.on_scrape([this] { refresh_gauges(); });
}

void CoordinatorMetrics::on_event(const GroupEvent& e) {
  switch (e.type) {
    case GroupEventType::MemberJoined:
      members_joined_.inc();
      break;
    case GroupEventType::MemberLeft:
    case GroupEventType::MemberExpired:
      members_removed_.with({member_exit_name(e.exit.value_or(MemberExit::LeaveGroup))}).inc();
      if (e.exit == MemberExit::SessionTimeout) session_expirations_.inc();
      break;
    case GroupEventType::RebalanceStarted:
      rebalances_started_.inc();
      break;
    case GroupEventType::RebalanceCompleted:
      rebalances_completed_.inc();
      rebalance_seconds_.observe(std::chrono::duration<double>(e.rebalance_duration).count());
      break;
    case GroupEventType::OffsetsCommitted:
      offset_commits_.inc();
      offset_commit_partitions_.inc(e.partitions);
      break;
    case GroupEventType::GroupDeleted:
      groups_deleted_.inc();
      break;
    case GroupEventType::StateChanged:
    case GroupEventType::OffsetsDeleted:
      break;
  }
}

void CoordinatorMetrics::refresh_gauges() {
  auto read = read_partitions(
      partitions_,
      [](GroupPartition& g) {
        Census c;
        for (const auto& [id, group] : g.groups()) {
          ++c.groups[static_cast<std::size_t>(group.state)];
          c.members += static_cast<double>(group.members.size());
        }
        for (const auto& [id, group] : g.consumer_groups()) {
          ++c.consumer_groups[static_cast<std::size_t>(group.state())];
          c.members += static_cast<double>(group.members.size());
        }
        return c;
      },
      scrape_timeout_);
  // Partitions that do not answer in time (stopping, or stuck) leave the last values in place.
  if (!read) return;
  Census census;
  for (const Census& c : *read) {
    for (std::size_t i = 0; i < c.groups.size(); ++i) census.groups[i] += c.groups[i];
    for (std::size_t i = 0; i < c.consumer_groups.size(); ++i) {
      census.consumer_groups[i] += c.consumer_groups[i];
    }
    census.members += c.members;
  }
  for (std::size_t i = 0; i < kStates.size(); ++i) {
    groups_.with({state_name(kStates[i])}).set(census.groups[i]);
  }
  for (std::size_t i = 0; i < kConsumerStates.size(); ++i) {
    consumer_groups_.with({consumer_group_state_name(kConsumerStates[i])})
        .set(census.consumer_groups[i]);
  }
  members_.set(census.members);
}

}  // namespace groupwire::coordinator
