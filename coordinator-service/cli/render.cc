#include "cli/render.h"

#include <algorithm>

#include <fmt/format.h>

namespace groupwire::cli {

namespace {

constexpr std::pair<apb::GroupState, const char*> kStateNames[] = {
    {apb::GROUP_STATE_EMPTY, "Empty"},
    {apb::GROUP_STATE_PREPARING_REBALANCE, "PreparingRebalance"},
    {apb::GROUP_STATE_COMPLETING_REBALANCE, "CompletingRebalance"},
    {apb::GROUP_STATE_STABLE, "Stable"},
    {apb::GROUP_STATE_DEAD, "Dead"},
    {apb::GROUP_STATE_ASSIGNING, "Assigning"},
    {apb::GROUP_STATE_RECONCILING, "Reconciling"},
};

std::string hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

template <class Repeated>
json partitions_json(const Repeated& topics) {
  json out = json::array();
  for (const auto& t : topics) {
    out.push_back({{"topic", t.topic()},
                   {"partitions", std::vector<int>(t.partitions().begin(), t.partitions().end())}});
  }
  return out;
}

template <class Repeated>
std::string partitions_text(const Repeated& topics) {
  std::string out;
  for (const auto& t : topics) {
    std::vector<int> ps(t.partitions().begin(), t.partitions().end());
    out += fmt::format("{}{}:{}", out.empty() ? "" : " ", t.topic(), fmt::join(ps, ","));
  }
  return out.empty() ? "-" : out;
}

json optional_json(bool has, std::int64_t v) {
  return has ? json(v) : json(nullptr);
}

// Columns padded to their widest cell; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const {
    std::vector<std::size_t> width(rows_[0].size(), 0);
    for (const auto& r : rows_) {
      for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    for (const auto& r : rows_) {
      std::string line;
      for (std::size_t i = 0; i < r.size(); ++i) {
        line += i + 1 < r.size() ? fmt::format("{:<{}}  ", r[i], width[i]) : r[i];
      }
      out << line << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

const char* state_name(apb::GroupState s) {
  for (const auto& [state, name] : kStateNames) {
    if (state == s) return name;
  }
  return "Unknown";
}

std::optional<apb::GroupState> parse_state(const std::string& kafka_name) {
  for (const auto& [state, name] : kStateNames) {
    if (kafka_name == name) return state;
  }
  return std::nullopt;
}

json to_json(const apb::GroupSummary& g) {
  return {{"group_id", g.group_id()},           {"state", state_name(g.state())},
          {"protocol_type", g.protocol_type()}, {"protocol_name", g.protocol_name()},
          {"generation_id", g.generation_id()}, {"members", g.members()},
          {"group_type", g.group_type()},       {"lag", optional_json(g.has_lag(), g.lag())}};
}

namespace {

json consumer_json(const apb::ConsumerMember& c, bool present) {
  if (!present) return nullptr;
  return {{"member_epoch", c.member_epoch()},
          {"previous_member_epoch", c.previous_member_epoch()},
          {"member_state", c.member_state()},
          {"subscribed_topic_names", std::vector<std::string>(c.subscribed_topic_names().begin(),
                                                              c.subscribed_topic_names().end())},
          {"subscribed_topic_regex",
           c.has_subscribed_topic_regex() ? json(c.subscribed_topic_regex()) : json(nullptr)},
          {"server_assignor", c.has_server_assignor() ? json(c.server_assignor()) : json(nullptr)},
          {"rack_id", c.has_rack_id() ? json(c.rack_id()) : json(nullptr)},
          {"assigned", partitions_json(c.assigned())},
          {"pending_revocation", partitions_json(c.pending_revocation())},
          {"target", partitions_json(c.target())}};
}

}  // namespace

json to_json(const apb::DescribeGroupResponse& d) {
  json members = json::array();
  for (const auto& m : d.members()) {
    json sub = nullptr;
    if (m.has_consumer_subscription()) {
      const auto& s = m.consumer_subscription();
      sub = {{"version", s.version()},
             {"topics", std::vector<std::string>(s.topics().begin(), s.topics().end())},
             {"owned_partitions", partitions_json(s.owned_partitions())},
             {"generation_id", s.generation_id()},
             {"rack_id", s.has_rack_id() ? json(s.rack_id()) : json(nullptr)},
             {"user_data", hex(s.user_data())}};
    } else if (m.subscription_case() == apb::Member::kRawMetadata) {
      sub = {{"raw", hex(m.raw_metadata())}};
    }
    json assignment = nullptr;
    if (m.has_consumer_assignment()) {
      const auto& a = m.consumer_assignment();
      assignment = {{"version", a.version()},
                    {"partitions", partitions_json(a.partitions())},
                    {"user_data", hex(a.user_data())}};
    } else if (m.assignment_case() == apb::Member::kRawAssignment) {
      assignment = {{"raw", hex(m.raw_assignment())}};
    }
    members.push_back(
        {{"member_id", m.member_id()},
         {"group_instance_id", m.has_group_instance_id() ? json(m.group_instance_id()) : json()},
         {"client_id", m.client_id()},
         {"client_host", m.client_host()},
         {"principal", m.principal()},
         {"session_timeout_ms", m.session_timeout_ms()},
         {"rebalance_timeout_ms", m.rebalance_timeout_ms()},
         {"last_heartbeat_age_ms", m.last_heartbeat_age_ms()},
         {"subscription", sub},
         {"assignment", assignment},
         {"consumer", consumer_json(m.consumer(), m.has_consumer())}});
  }
  return {{"group_id", d.group_id()},
          {"group_type", d.group_type()},
          {"state", state_name(d.state())},
          {"generation_id", d.generation_id()},
          {"assignment_epoch", d.assignment_epoch()},
          {"assignor", d.assignor()},
          {"protocol_type", d.protocol_type()},
          {"protocol_name", d.protocol_name()},
          {"leader_id", d.leader_id()},
          {"state_changed_at_ms", d.state_changed_at_ms()},
          {"group_partition", d.group_partition()},
          {"coordinator", d.coordinator()},
          {"members", members}};
}

json to_json(const apb::GetOffsetsResponse& o) {
  json offsets = json::array();
  for (const auto& c : o.offsets()) {
    offsets.push_back({{"topic", c.topic()},
                       {"partition", c.partition()},
                       {"offset", c.offset()},
                       {"leader_epoch", c.leader_epoch()},
                       {"metadata", c.metadata()},
                       {"commit_timestamp_ms", c.commit_timestamp_ms()},
                       {"end_offset", optional_json(c.has_end_offset(), c.end_offset())},
                       {"lag", optional_json(c.has_lag(), c.lag())}});
  }
  return {{"group_id", o.group_id()}, {"state", state_name(o.state())}, {"offsets", offsets}};
}

json to_json(const apb::ResetOffsetsResponse& r) {
  json changes = json::array();
  for (const auto& c : r.changes()) {
    changes.push_back({{"topic", c.topic()},
                       {"partition", c.partition()},
                       {"previous_offset", c.previous_offset()},
                       {"new_offset", c.new_offset()}});
  }
  return {{"applied", r.applied()}, {"changes", changes}};
}

json to_json(const apb::DeleteOffsetsResponse& r) {
  json results = json::array();
  for (const auto& p : r.results()) {
    results.push_back({{"topic", p.topic()},
                       {"partition", p.partition()},
                       {"error", p.error().empty() ? json(nullptr) : json(p.error())}});
  }
  return {{"results", results}};
}

json to_json(const apb::ClusterStatusResponse& c) {
  json coordinators = json::array();
  for (const auto& co : c.coordinators()) {
    json partitions = json::array();
    for (const auto& p : co.partitions()) {
      partitions.push_back({{"partition", p.partition()}, {"epoch", p.epoch()}});
    }
    coordinators.push_back({{"advertise", co.advertise()}, {"partitions", partitions}});
  }
  return {{"group_partitions", c.group_partitions()},
          {"coordinators", coordinators},
          {"unowned", json(std::vector<std::int32_t>(c.unowned().begin(), c.unowned().end()))}};
}

json to_json(const apb::GroupEvent& e) {
  json out = {{"type", apb::EventType_Name(e.type())},
              {"group_id", e.group_id()},
              {"timestamp_ms", e.timestamp_ms()},
              {"generation_id", e.generation_id()},
              {"state", state_name(e.state())}};
  switch (e.type()) {
    case apb::MEMBER_JOINED:
    case apb::MEMBER_LEFT:
    case apb::MEMBER_EXPIRED:
      out["member_id"] = e.member_id();
      out["group_instance_id"] = e.has_group_instance_id() ? json(e.group_instance_id()) : json();
      out["reason"] = e.reason();
      out["members"] = e.members();
      break;
    case apb::REBALANCE_STARTED:
      out["members"] = e.members();
      break;
    case apb::REBALANCE_COMPLETED:
      out["members"] = e.members();
      out["rebalance_duration_ms"] = e.rebalance_duration_ms();
      break;
    case apb::STATE_CHANGED:
      out["previous_state"] = state_name(e.previous_state());
      break;
    case apb::OFFSETS_COMMITTED:
    case apb::OFFSETS_DELETED:
      out["member_id"] = e.member_id();
      out["partitions"] = e.partitions();
      out["topics"] = std::vector<std::string>(e.topics().begin(), e.topics().end());
      break;
    case apb::EVENTS_DROPPED:
      out["dropped"] = e.dropped();
      break;
    default:
      break;
  }
  return out;
}

void print_table(std::ostream& out, const std::vector<apb::GroupSummary>& groups) {
  Table t({"GROUP", "STATE", "TYPE", "PROTOCOL-TYPE", "PROTOCOL", "GENERATION", "MEMBERS", "LAG"});
  for (const auto& g : groups) {
    t.add({g.group_id(), state_name(g.state()), g.group_type().empty() ? "classic" : g.group_type(),
           g.protocol_type(), g.protocol_name(), std::to_string(g.generation_id()),
           std::to_string(g.members()), g.has_lag() ? std::to_string(g.lag()) : "-"});
  }
  t.print(out);
}

namespace {

// A consumer group (KIP-848): epochs, and each member's place in its reconciliation.
void print_consumer_group(std::ostream& out, const apb::DescribeGroupResponse& d) {
  out << fmt::format(
      "GROUP {}  TYPE consumer  STATE {}  GROUP-EPOCH {}  ASSIGNMENT-EPOCH {}  "
      "ASSIGNOR {}\n",
      d.group_id(), state_name(d.state()), d.generation_id(), d.assignment_epoch(), d.assignor());
  out << fmt::format("PARTITION {}  COORDINATOR {}\n", d.group_partition(), d.coordinator());
  if (d.members().empty()) return;
  out << "\n";
  Table t({"MEMBER-ID", "INSTANCE-ID", "CLIENT-ID", "HOST", "EPOCH", "STATE", "SUBSCRIPTION",
           "ASSIGNED", "PENDING-REVOCATION", "TARGET"});
  for (const auto& m : d.members()) {
    const auto& c = m.consumer();
    std::string subscription = fmt::format("{}", fmt::join(c.subscribed_topic_names(), ","));
    if (c.has_subscribed_topic_regex()) {
      subscription += (subscription.empty() ? "" : " ") + ("/" + c.subscribed_topic_regex() + "/");
    }
    t.add({m.member_id(), m.has_group_instance_id() ? m.group_instance_id() : "-", m.client_id(),
           m.client_host(), std::to_string(c.member_epoch()), c.member_state(),
           subscription.empty() ? "-" : subscription, partitions_text(c.assigned()),
           partitions_text(c.pending_revocation()), partitions_text(c.target())});
  }
  t.print(out);
}

}  // namespace

void print_table(std::ostream& out, const apb::DescribeGroupResponse& d) {
  if (d.group_type() == "consumer") return print_consumer_group(out, d);
  out << fmt::format("GROUP {}  STATE {}  GENERATION {}  PROTOCOL {}/{}  LEADER {}\n", d.group_id(),
                     state_name(d.state()), d.generation_id(),
                     d.protocol_type().empty() ? "-" : d.protocol_type(),
                     d.protocol_name().empty() ? "-" : d.protocol_name(),
                     d.leader_id().empty() ? "-" : d.leader_id());
  out << fmt::format("PARTITION {}  COORDINATOR {}\n", d.group_partition(), d.coordinator());
  if (d.members().empty()) return;
  out << "\n";
  Table t({"MEMBER-ID", "INSTANCE-ID", "CLIENT-ID", "HOST", "HEARTBEAT-AGE-MS", "ASSIGNMENT"});
  for (const auto& m : d.members()) {
    std::string assignment = m.has_consumer_assignment()
                                 ? partitions_text(m.consumer_assignment().partitions())
                             : m.assignment_case() == apb::Member::kRawAssignment
                                 ? fmt::format("({} bytes)", m.raw_assignment().size())
                                 : "-";
    t.add({m.member_id(), m.has_group_instance_id() ? m.group_instance_id() : "-", m.client_id(),
           m.client_host(), std::to_string(m.last_heartbeat_age_ms()), assignment});
  }
  t.print(out);
}

void print_table(std::ostream& out, const apb::GetOffsetsResponse& o) {
  Table t({"TOPIC", "PARTITION", "OFFSET", "END-OFFSET", "LAG", "METADATA"});
  auto opt = [](bool has, std::int64_t v) { return has ? std::to_string(v) : "-"; };
  for (const auto& c : o.offsets()) {
    t.add({c.topic(), std::to_string(c.partition()), opt(c.offset() >= 0, c.offset()),
           opt(c.has_end_offset(), c.end_offset()), opt(c.has_lag(), c.lag()),
           c.metadata().empty() ? "-" : c.metadata()});
  }
  t.print(out);
}

void print_table(std::ostream& out, const apb::ResetOffsetsResponse& r) {
  Table t({"TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET"});
  for (const auto& c : r.changes()) {
    t.add({c.topic(), std::to_string(c.partition()),
           c.previous_offset() < 0 ? "-" : std::to_string(c.previous_offset()),
           std::to_string(c.new_offset())});
  }
  t.print(out);
  if (!r.applied()) out << "(dry run: nothing changed)\n";
}

void print_table(std::ostream& out, const apb::DeleteOffsetsResponse& r) {
  Table t({"TOPIC", "PARTITION", "RESULT"});
  for (const auto& p : r.results()) {
    t.add({p.topic(), std::to_string(p.partition()), p.error().empty() ? "deleted" : p.error()});
  }
  t.print(out);
}

void print_table(std::ostream& out, const apb::ClusterStatusResponse& c) {
  Table t({"COORDINATOR", "PARTITIONS", "OWNED (PARTITION:EPOCH)"});
  for (const auto& co : c.coordinators()) {
    std::vector<std::string> owned;
    for (const auto& p : co.partitions())
      owned.push_back(fmt::format("{}:{}", p.partition(), p.epoch()));
    t.add({co.advertise(), std::to_string(co.partitions_size()),
           fmt::format("{}", fmt::join(owned, " "))});
  }
  t.print(out);
  out << fmt::format("{} group partitions, {} without an owner{}{}\n", c.group_partitions(),
                     c.unowned_size(), c.unowned().empty() ? "" : ": ",
                     fmt::join(c.unowned(), " "));
}

void print_line(std::ostream& out, const apb::GroupEvent& e) {
  json j = to_json(e);
  std::string line = fmt::format("{} {}", e.timestamp_ms(), apb::EventType_Name(e.type()));
  for (const auto& [key, value] : j.items()) {
    bool empty = value.is_null() || (value.is_string() && value.get<std::string>().empty());
    if (key == "type" || key == "timestamp_ms" || empty) continue;
    line += fmt::format(" {}={}", key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  out << line << "\n";
}

}  // namespace groupwire::cli
