// How the CLI shows the admin API's answers: aligned tables for people, JSON for scripts.
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

#include "groupwire/admin/v1/admin.pb.h"

namespace groupwire::cli {

namespace apb = groupwire::admin::v1;
using nlohmann::json;

// Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead.
const char* state_name(apb::GroupState s);
std::optional<apb::GroupState> parse_state(const std::string& kafka_name);

json to_json(const apb::GroupSummary& g);
json to_json(const apb::DescribeGroupResponse& d);
json to_json(const apb::GetOffsetsResponse& o);
json to_json(const apb::ResetOffsetsResponse& r);
json to_json(const apb::DeleteOffsetsResponse& r);
json to_json(const apb::GroupEvent& e);
// The stable interface of `cluster status -o json`: {"group_partitions": N, "coordinators":
// [{"advertise": "HOST:PORT", "partitions": [{"partition": P, "epoch": E}, ...]}, ...],
// "unowned": [P, ...]}.
json to_json(const apb::ClusterStatusResponse& c);

void print_table(std::ostream& out, const std::vector<apb::GroupSummary>& groups);
void print_table(std::ostream& out, const apb::DescribeGroupResponse& d);
void print_table(std::ostream& out, const apb::GetOffsetsResponse& o);
void print_table(std::ostream& out, const apb::ResetOffsetsResponse& r);
void print_table(std::ostream& out, const apb::DeleteOffsetsResponse& r);
void print_table(std::ostream& out, const apb::ClusterStatusResponse& c);
void print_line(std::ostream& out, const apb::GroupEvent& e);

}  // namespace groupwire::cli
